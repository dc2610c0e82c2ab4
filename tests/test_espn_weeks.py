"""ESPN's season types and week numbers against the API's weeks, and ESPN's season calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nflscores.domain.weeks import WeekRef, weeks_of
from nflscores.sources.espn_weeks import from_espn, game_type_of, parse_calendar, to_espn
from tests.espn_support import fixture


@pytest.mark.parametrize(
    ("ref", "espn"),
    [
        (WeekRef(2021, "PRE", 0, "pre-0"), (1, 1)),
        (WeekRef(2021, "PRE", 3, "pre-3"), (1, 4)),
        (WeekRef(2015, "PRE", 4, "pre-4"), (1, 5)),
        (WeekRef(2021, "REG", 1, "1"), (2, 1)),
        (WeekRef(2021, "REG", 18, "18"), (2, 18)),
        (WeekRef(2021, "POST", 19, "wildcard"), (3, 1)),
        (WeekRef(2015, "POST", 18, "wildcard"), (3, 1)),
        (WeekRef(2021, "POST", 20, "divisional"), (3, 2)),
        (WeekRef(2021, "POST", 21, "conference"), (3, 3)),
        (WeekRef(2021, "POST", 22, "probowl"), (3, 4)),
        (WeekRef(2021, "POST", 23, "superbowl"), (3, 5)),
        (WeekRef(2019, "POST", 22, "superbowl"), (3, 5)),
    ],
)
def test_api_weeks_and_espn_numbers(ref: WeekRef, espn: tuple[int, int]) -> None:
    """pre-0 is ESPN's preseason 1, wildcard its postseason 1, ...; both ways."""
    assert to_espn(ref) == espn
    assert from_espn(ref.season, *espn) == ref


@pytest.mark.parametrize("season", [2001, 2011, 2015, 2020, 2021, 2025])
def test_every_week_of_a_season_round_trips(season: int) -> None:
    """Every week of the built-in calendar maps to ESPN's numbers and back to itself."""
    for ref in weeks_of(season):
        assert from_espn(season, *to_espn(ref)) == ref


@pytest.mark.parametrize(("season_type", "number"), [(3, 6), (3, 0), (2, 0), (4, 1), (9, 1)])
def test_numbers_espn_has_no_week_for(season_type: int, number: int) -> None:
    """A season type or week number outside the NFL's is no week."""
    assert from_espn(2022, season_type, number) is None


def test_postseason_follows_the_regular_season_it_is_given() -> None:
    """With 19 regular weeks (a future calendar), ESPN's postseason 1 is week 20."""
    assert from_espn(2030, 3, 1, regular=19) == WeekRef(2030, "POST", 20, "wildcard")


@pytest.mark.parametrize(
    ("slug", "game_type"),
    [("pre-1", "PRE"), ("3", "REG"), ("wildcard", "WC"), ("divisional", "DIV"),
     ("conference", "CON"), ("probowl", "PRO"), ("superbowl", "SB")],
)  # fmt: skip
def test_game_type_of_each_week(slug: str, game_type: str) -> None:
    """Each week's games carry scorestrip's game type."""
    ref = next(ref for ref in weeks_of(2022) if ref.slug == slug)
    assert game_type_of(ref) == game_type


def calendar_of(name: str) -> Any:
    """Return a fixture's `leagues[0].calendar`."""
    return fixture(name)["leagues"][0]["calendar"]


def test_calendar_lists_the_seasons_weeks() -> None:
    """A 2022 calendar lists the built-in 2022 weeks, in order, without the off-season."""
    calendar = parse_calendar(2022, calendar_of("2022-REG-05-live.json"))
    assert calendar is not None
    assert calendar.refs == weeks_of(2022)
    assert calendar.regular == 18


def test_calendar_with_seventeen_weeks_moves_the_postseason() -> None:
    """A calendar with 17 regular weeks puts the wild card in week 18."""
    calendar = parse_calendar(2019, calendar_of("2019-POST-01.json"))
    assert calendar is not None
    assert calendar.regular == 17
    rounds = ["wildcard", "divisional", "conference", "probowl", "superbowl"]
    assert calendar.refs[-5:] == tuple(
        WeekRef(2019, "POST", 17 + n, slug) for n, slug in enumerate(rounds, 1)
    )


@pytest.mark.parametrize(
    ("moment", "slug"),
    [
        (datetime(2022, 7, 31, 12, 0, tzinfo=UTC), "pre-0"),
        (datetime(2022, 9, 8, 7, 0, tzinfo=UTC), "1"),
        (datetime(2022, 10, 9, 18, 0, tzinfo=UTC), "5"),
        (datetime(2023, 1, 12, 12, 0, tzinfo=UTC), "wildcard"),
        (datetime(2023, 2, 12, 23, 0, tzinfo=UTC), "superbowl"),
    ],
)
def test_week_live_at_a_moment(moment: datetime, slug: str) -> None:
    """The week whose span holds a moment is the live one."""
    calendar = parse_calendar(2022, calendar_of("2022-REG-05-live.json"))
    assert calendar is not None
    found = calendar.week_at(moment)
    assert found is not None
    assert found.slug == slug


def test_no_week_live_in_the_off_season() -> None:
    """Outside every listed week (the off-season) no week is live."""
    calendar = parse_calendar(2022, calendar_of("2022-REG-05-live.json"))
    assert calendar is not None
    assert calendar.week_at(datetime(2023, 5, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    "calendar",
    [
        None,
        "2022-09-08T07:00Z",
        ["2022-09-08T07:00Z", "2022-09-15T07:00Z"],  # a day calendar, as other sports send
        [{"label": "Regular Season", "value": "2"}],
        [{"value": "2", "entries": [{"value": "1", "startDate": "soon", "endDate": "later"}]}],
        [{"value": "2", "entries": [{"value": "x", "startDate": "2022-09-08T07:00Z",
                                     "endDate": "2022-09-14T06:59Z"}]}],
        [{"value": "3", "entries": [{"value": "9", "startDate": "2022-09-08T07:00Z",
                                     "endDate": "2022-09-14T06:59Z"}]}],
        [],
    ],
)  # fmt: skip
def test_unusable_calendar_gives_none(calendar: Any) -> None:
    """A calendar that does not read gives None: the built-in rules stay in charge."""
    assert parse_calendar(2022, calendar) is None
