"""Conferences and divisions by season: which clubs a season's standings group together.

Franchises are named by today's code (as in teams.FRANCHISES) and shown with the code of the
season. Three divisions per conference from 1999 to 2001 (31 clubs, Cleveland back in 1999);
eight divisions of four from 2002, when Houston joined and the league realigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from nflscores.teams import COVERED_FROM, UnknownTeam, era_code

CONFERENCES: Final = ("AFC", "NFC")


@dataclass(frozen=True, slots=True)
class Division:
    """One division of one season: its conference, its name and its clubs' codes that season."""

    conference: str
    name: str
    teams: tuple[str, ...]


#: First season of each alignment -> division name -> franchises (today's codes), in the
#: league's order of divisions.
ALIGNMENTS: Final[tuple[tuple[int, dict[str, tuple[str, ...]]], ...]] = (
    (
        COVERED_FROM,
        {
            "AFC East": ("BUF", "IND", "MIA", "NE", "NYJ"),
            "AFC Central": ("BAL", "CIN", "CLE", "JAX", "PIT", "TEN"),
            "AFC West": ("DEN", "KC", "LAC", "LV", "SEA"),
            "NFC East": ("ARI", "DAL", "NYG", "PHI", "WAS"),
            "NFC Central": ("CHI", "DET", "GB", "MIN", "TB"),
            "NFC West": ("ATL", "CAR", "LA", "NO", "SF"),
        },
    ),
    (
        2002,
        {
            "AFC East": ("BUF", "MIA", "NE", "NYJ"),
            "AFC North": ("BAL", "CIN", "CLE", "PIT"),
            "AFC South": ("HOU", "IND", "JAX", "TEN"),
            "AFC West": ("DEN", "KC", "LAC", "LV"),
            "NFC East": ("DAL", "NYG", "PHI", "WAS"),
            "NFC North": ("CHI", "DET", "GB", "MIN"),
            "NFC South": ("ATL", "CAR", "NO", "TB"),
            "NFC West": ("ARI", "LA", "SEA", "SF"),
        },
    ),
)


@cache
def divisions_of(season: int) -> tuple[Division, ...]:
    """Return the season's divisions, AFC first, each club under the code of that season."""
    if season < COVERED_FROM:
        raise UnknownTeam(f"the alignment of {season} is not known (tables start in 1999)")
    alignment = next(table for first, table in reversed(ALIGNMENTS) if first <= season)
    return tuple(
        Division(
            conference=name.split()[0],
            name=name,
            teams=tuple(sorted(era_code(franchise, season) for franchise in franchises)),
        )
        for name, franchises in alignment.items()
    )


def division_of(code: str, season: int) -> Division:
    """Return the division a club (by its code of that season) played in."""
    for division in divisions_of(season):
        if code in division.teams:
            return division
    raise UnknownTeam(f"no club plays as {code!r} in {season}")
