"""Team codes and nicknames by era: the one place that knows which code a club used when.

It also knows where each club played: conferences and divisions by season (three divisions per
conference from 1999 to 2001, eight divisions of four from 2002, when Houston joined).

scorestrip keeps codes as they were at the time (`JAC` to 2015 then `JAX`, `STL` then `LA`,
`SD` then `LAC`, `OAK` then `LV`) and sends a lowercase nickname beside each. A franchise is
named here by its code of today; an era starts with the first season it covers. The tables
start in 1999, the first season the project has data for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Final

from nflscores.domain.errors import UnknownTeam


@dataclass(frozen=True, slots=True)
class Era:
    """What one franchise was called from one season on."""

    first_season: int
    code: str
    nickname: str


@dataclass(frozen=True, slots=True)
class Team:
    """One club as scorestrip lists it in one season."""

    franchise: str
    code: str
    nickname: str


#: A club code as the API takes it: letters only, any case (`jax` is `JAX`).
CODE_PATTERN: Final = "^[A-Za-z]{2,3}$"

#: The first season these tables answer for (the replay's data starts there).
COVERED_FROM: Final = 1999
#: The most idle clubs a regular-season week can have: six at most from 1999 to 2025, with
#: room for a future schedule; more mean the list of games is partial.
MAX_BYES: Final = 8


def _eras(code: str, nickname: str) -> tuple[Era, ...]:
    return (Era(COVERED_FROM, code, nickname),)


#: Franchise (today's code) -> its eras, oldest first.
FRANCHISES: Final[dict[str, tuple[Era, ...]]] = {
    "ARI": _eras("ARI", "cardinals"),
    "ATL": _eras("ATL", "falcons"),
    "BAL": _eras("BAL", "ravens"),
    "BUF": _eras("BUF", "bills"),
    "CAR": _eras("CAR", "panthers"),
    "CHI": _eras("CHI", "bears"),
    "CIN": _eras("CIN", "bengals"),
    "CLE": _eras("CLE", "browns"),
    "DAL": _eras("DAL", "cowboys"),
    "DEN": _eras("DEN", "broncos"),
    "DET": _eras("DET", "lions"),
    "GB": _eras("GB", "packers"),
    "HOU": (Era(2002, "HOU", "texans"),),
    "IND": _eras("IND", "colts"),
    "JAX": (Era(COVERED_FROM, "JAC", "jaguars"), Era(2016, "JAX", "jaguars")),
    "KC": _eras("KC", "chiefs"),
    "LA": (Era(COVERED_FROM, "STL", "rams"), Era(2016, "LA", "rams")),
    "LAC": (Era(COVERED_FROM, "SD", "chargers"), Era(2017, "LAC", "chargers")),
    "LV": (Era(COVERED_FROM, "OAK", "raiders"), Era(2020, "LV", "raiders")),
    "MIA": _eras("MIA", "dolphins"),
    "MIN": _eras("MIN", "vikings"),
    "NE": _eras("NE", "patriots"),
    "NO": _eras("NO", "saints"),
    "NYG": _eras("NYG", "giants"),
    "NYJ": _eras("NYJ", "jets"),
    "PHI": _eras("PHI", "eagles"),
    "PIT": _eras("PIT", "steelers"),
    "SEA": _eras("SEA", "seahawks"),
    "SF": _eras("SF", "49ers"),
    "TB": _eras("TB", "buccaneers"),
    "TEN": (Era(COVERED_FROM, "TEN", "titans"),),
    # Washington dropped its nickname for two seasons before it became the Commanders.
    "WAS": (
        Era(COVERED_FROM, "WAS", "redskins"),
        Era(2020, "WAS", "football team"),
        Era(2022, "WAS", "commanders"),
    ),
}


def _era_in(eras: tuple[Era, ...], season: int) -> Era | None:
    current = None
    for era in eras:
        if era.first_season <= season:
            current = era
    return current


@cache
def _by_code(season: int) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for franchise, eras in FRANCHISES.items():
        era = _era_in(eras, season)
        if era is not None:
            teams[era.code] = Team(franchise, era.code, era.nickname)
    return teams


def team(code: str, season: int) -> Team:
    """Return the club a code names in a season: its own era code, or any code it ever had.

    `team("JAX", 2014)` and `team("JAC", 2020)` both find the Jaguars with that season's code.
    """
    found = _by_code(season).get(code)
    if found is not None:
        return found
    for franchise, eras in FRANCHISES.items():
        if code == franchise or any(era.code == code for era in eras):
            era = _era_in(eras, season)
            if era is not None:
                return Team(franchise, era.code, era.nickname)
    raise UnknownTeam(f"no club plays as {code!r} in {season}")


def era_code(code: str, season: int) -> str:
    """Return the code scorestrip used in a season for the club any of its codes names."""
    return team(code, season).code


def nickname(code: str, season: int) -> str:
    """Return the lowercase nickname scorestrip sent beside a club's code in a season."""
    return team(code, season).nickname


def franchise_of(code: str) -> str:
    """Return today's code of the club a code of any era names (`JAC` -> `JAX`)."""
    for franchise, eras in FRANCHISES.items():
        if code == franchise or any(era.code == code for era in eras):
            return franchise
    raise UnknownTeam(f"no club ever played as {code!r}")


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
    """Return the division a club (by any code it ever had) played in that season."""
    own = era_code(code, season)
    for division in divisions_of(season):
        if own in division.teams:
            return division
    raise UnknownTeam(f"no club plays as {code!r} in {season}")


def byes(season: int, playing: Iterable[str]) -> tuple[str, ...] | None:
    """Return the clubs of a regular-season week without a game, or None if it cannot tell.

    It can tell when the tables know every club of the season and every code that plays is
    one of them. A week without games, or with more clubs idle than a schedule ever rests at
    once, is a partial list and tells nothing.
    """
    clubs = _by_code(season)
    played = set(playing)
    if not clubs or not played or not played <= clubs.keys():
        return None
    idle = clubs.keys() - played
    return tuple(sorted(idle)) if len(idle) <= MAX_BYES else None
