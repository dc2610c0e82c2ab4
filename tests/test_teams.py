"""Team codes and nicknames by era: the codes scorestrip used in each season."""

from __future__ import annotations

import pytest

from nflscores.domain import teams
from nflscores.domain.errors import UnknownTeam


@pytest.mark.parametrize(
    ("code", "season", "expected"),
    [
        ("JAX", 2015, "JAC"),
        ("JAC", 2016, "JAX"),
        ("LA", 2015, "STL"),
        ("STL", 2016, "LA"),
        ("LAC", 2016, "SD"),
        ("SD", 2017, "LAC"),
        ("LV", 2019, "OAK"),
        ("OAK", 2020, "LV"),
        ("NE", 1999, "NE"),
    ],
)
def test_era_code_follows_the_season(code: str, season: int, expected: str) -> None:
    """Any code a club ever had gives the code scorestrip used for it that season."""
    assert teams.era_code(code, season) == expected


@pytest.mark.parametrize(
    ("code", "season", "expected"),
    [
        ("WAS", 2019, "redskins"),
        ("WAS", 2021, "football team"),
        ("WAS", 2022, "commanders"),
        ("SF", 2015, "49ers"),
        ("JAC", 2015, "jaguars"),
        ("LV", 2020, "raiders"),
    ],
)
def test_nickname_is_the_lowercase_one_of_the_era(code: str, season: int, expected: str) -> None:
    """hnn/vnn are the lowercase nickname the club had that season."""
    assert teams.nickname(code, season) == expected


def test_franchise_of_maps_old_codes_to_todays() -> None:
    """An old code names today's club: JAC is JAX, STL is LA, SD is LAC, OAK is LV."""
    assert [teams.franchise_of(code) for code in ("JAC", "STL", "SD", "OAK", "GB")] == [
        "JAX",
        "LA",
        "LAC",
        "LV",
        "GB",
    ]


def test_every_season_has_the_right_number_of_clubs() -> None:
    """31 clubs in 1999-2001, 32 from 2002 (Houston), with one code each."""
    assert len({teams.era_code(f, 2001) for f in teams.FRANCHISES if f != "HOU"}) == 31
    for season in range(2002, 2027):
        assert len({teams.era_code(franchise, season) for franchise in teams.FRANCHISES}) == 32


@pytest.mark.parametrize(("code", "season"), [("HOU", 2000), ("XYZ", 2015), ("TBD", 2015)])
def test_unknown_code_raises(code: str, season: int) -> None:
    """A code that names no club that season raises UnknownTeam."""
    with pytest.raises(UnknownTeam):
        teams.team(code, season)
