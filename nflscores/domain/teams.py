"""Team codes and nicknames by era: the one place that knows which code a club used when.

scorestrip keeps codes as they were at the time (`JAC` to 2015 then `JAX`, `STL` then `LA`,
`SD` then `LAC`, `OAK` then `LV`) and sends a lowercase nickname beside each. A franchise is
named here by its code of today; an era starts with the first season it covers. The tables
start in 1999, the first season the project has data for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final


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


class UnknownTeam(LookupError):
    """The code names no club in that season."""


#: The first season these tables answer for (the replay's data starts there).
COVERED_FROM: Final = 1999


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
