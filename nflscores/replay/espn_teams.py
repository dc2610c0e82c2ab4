"""Clubs as ESPN's scoreboard names them: one team id per franchise, names and codes by era.

The ids are the ones ESPN's captures show (stable per franchise, 2021-2025). ESPN's codes differ
from scorestrip's: `WSH` for Washington and `JAX` for Jacksonville in every season, `LAR` for the
Rams once in Los Angeles; a club that moved shows its old code and city in the seasons before
the move (`STL`, `SD`, `OAK`), as ESPN lists those seasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from nflscores.domain.teams import franchise_of


@dataclass(frozen=True, slots=True)
class EspnEra:
    """What ESPN calls one franchise from one season on."""

    first_season: int
    abbreviation: str
    location: str
    #: None for Washington's two seasons without a nickname, where ESPN sends no `name`.
    name: str | None


@dataclass(frozen=True, slots=True)
class EspnTeam:
    """One club as ESPN's scoreboard shows it in one season."""

    id: str
    abbreviation: str
    location: str
    name: str | None

    @property
    def display_name(self) -> str:
        """Return `location name`, or the location alone for a club without a nickname."""
        return self.location if self.name is None else f"{self.location} {self.name}"

    @property
    def short_display_name(self) -> str:
        """Return the nickname, or the location for a club without one."""
        return self.name or self.location


def _one(abbreviation: str, location: str, name: str) -> tuple[EspnEra, ...]:
    return (EspnEra(1999, abbreviation, location, name),)


#: Franchise (nflscores.teams' code of today) -> (ESPN team id, its eras oldest first).
ESPN_FRANCHISES: Final[dict[str, tuple[str, tuple[EspnEra, ...]]]] = {
    "ARI": ("22", _one("ARI", "Arizona", "Cardinals")),
    "ATL": ("1", _one("ATL", "Atlanta", "Falcons")),
    "BAL": ("33", _one("BAL", "Baltimore", "Ravens")),
    "BUF": ("2", _one("BUF", "Buffalo", "Bills")),
    "CAR": ("29", _one("CAR", "Carolina", "Panthers")),
    "CHI": ("3", _one("CHI", "Chicago", "Bears")),
    "CIN": ("4", _one("CIN", "Cincinnati", "Bengals")),
    "CLE": ("5", _one("CLE", "Cleveland", "Browns")),
    "DAL": ("6", _one("DAL", "Dallas", "Cowboys")),
    "DEN": ("7", _one("DEN", "Denver", "Broncos")),
    "DET": ("8", _one("DET", "Detroit", "Lions")),
    "GB": ("9", _one("GB", "Green Bay", "Packers")),
    "HOU": ("34", (EspnEra(2002, "HOU", "Houston", "Texans"),)),
    "IND": ("11", _one("IND", "Indianapolis", "Colts")),
    "JAX": ("30", _one("JAX", "Jacksonville", "Jaguars")),
    "KC": ("12", _one("KC", "Kansas City", "Chiefs")),
    "LA": (
        "14",
        (EspnEra(1999, "STL", "St. Louis", "Rams"), EspnEra(2016, "LAR", "Los Angeles", "Rams")),
    ),
    "LAC": (
        "24",
        (
            EspnEra(1999, "SD", "San Diego", "Chargers"),
            EspnEra(2017, "LAC", "Los Angeles", "Chargers"),
        ),
    ),
    "LV": (
        "13",
        (EspnEra(1999, "OAK", "Oakland", "Raiders"), EspnEra(2020, "LV", "Las Vegas", "Raiders")),
    ),
    "MIA": ("15", _one("MIA", "Miami", "Dolphins")),
    "MIN": ("16", _one("MIN", "Minnesota", "Vikings")),
    "NE": ("17", _one("NE", "New England", "Patriots")),
    "NO": ("18", _one("NO", "New Orleans", "Saints")),
    "NYG": ("19", _one("NYG", "New York", "Giants")),
    "NYJ": ("20", _one("NYJ", "New York", "Jets")),
    "PHI": ("21", _one("PHI", "Philadelphia", "Eagles")),
    "PIT": ("23", _one("PIT", "Pittsburgh", "Steelers")),
    "SEA": ("26", _one("SEA", "Seattle", "Seahawks")),
    "SF": ("25", _one("SF", "San Francisco", "49ers")),
    "TB": ("27", _one("TB", "Tampa Bay", "Buccaneers")),
    "TEN": ("10", _one("TEN", "Tennessee", "Titans")),
    "WAS": (
        "28",
        (
            EspnEra(1999, "WSH", "Washington", "Redskins"),
            EspnEra(2020, "WSH", "Washington", None),
            EspnEra(2022, "WSH", "Washington", "Commanders"),
        ),
    ),
}


class NoEspnTeam(LookupError):
    """ESPN lists no such club in that season."""


@cache
def espn_team(code: str, season: int) -> EspnTeam:
    """Return the club any scorestrip code names as ESPN shows it in a season."""
    team_id, eras = ESPN_FRANCHISES[franchise_of(code)]
    current = None
    for era in eras:
        if era.first_season <= season:
            current = era
    if current is None:
        raise NoEspnTeam(f"ESPN lists no {code!r} in {season}")
    return EspnTeam(team_id, current.abbreviation, current.location, current.name)


@cache
def clubs_of(season: int) -> tuple[str, ...]:
    """Return the franchises that play in a season, by nflscores.teams' code of today."""
    return tuple(
        franchise
        for franchise, (_, eras) in ESPN_FRANCHISES.items()
        if eras[0].first_season <= season
    )
