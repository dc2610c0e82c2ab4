"""Week rules: slugs by era, the season range, slug parsing and scorestrip week numbers."""

from __future__ import annotations

from datetime import date

import pytest

from nflscores.domain.errors import BadRequest, NotFound, UnknownSeason, UnknownWeek
from nflscores.domain.weeks import (
    FIRST_SEASON,
    POST_ROUNDS,
    WeekRef,
    canonical,
    find_week,
    last_season,
    parse_path,
    parse_season,
    parse_week,
    season_type_of,
    weeks_of,
)

TODAY = date(2025, 6, 1)
POST = ["wildcard", "divisional", "conference", "probowl", "superbowl"]


def slugs(season: int) -> list[str]:
    """Return a season's week slugs in calendar order."""
    return [ref.slug for ref in weeks_of(season)]


def numbered(season: int, season_type: str) -> dict[str, int]:
    """Return slug -> scorestrip week number for one season type of a season."""
    return {ref.slug: ref.week for ref in weeks_of(season) if ref.season_type == season_type}


# -- weeks by era ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("season", "expected"),
    [
        (2015, [f"pre-{n}" for n in range(5)] + [str(n) for n in range(1, 18)] + POST),
        (2019, [f"pre-{n}" for n in range(5)] + [str(n) for n in range(1, 18)] + POST),
        (2011, [f"pre-{n}" for n in range(1, 5)] + [str(n) for n in range(1, 18)] + POST),
        (2020, [str(n) for n in range(1, 18)] + POST),
        (2021, [f"pre-{n}" for n in range(4)] + [str(n) for n in range(1, 19)] + POST),
        (2024, [f"pre-{n}" for n in range(4)] + [str(n) for n in range(1, 19)] + POST),
    ],
)
def test_slugs_by_era(season: int, expected: list[str]) -> None:
    """A season's slugs follow its era: PRE 0-4 then 0-3 from 2021, REG 17 then 18, POST."""
    assert slugs(season) == expected


@pytest.mark.parametrize("season", [2009, 2015, 2019])
def test_postseason_numbers_up_to_2020(season: int) -> None:
    """Up to 2020 the postseason is scorestrip weeks 18 (wildcard) to 22 (superbowl)."""
    assert numbered(season, "POST") == dict(zip(POST, range(18, 23), strict=True))


@pytest.mark.parametrize("season", [2021, 2023, 2025])
def test_postseason_numbers_from_2021(season: int) -> None:
    """From 2021 the postseason is scorestrip weeks 19 (wildcard) to 23 (superbowl)."""
    assert numbered(season, "POST") == dict(zip(POST, range(19, 24), strict=True))


@pytest.mark.parametrize(("season", "last"), [(2015, 17), (2020, 17), (2021, 18), (2024, 18)])
def test_regular_week_slug_is_its_number(season: int, last: int) -> None:
    """A regular-season slug is the scorestrip week number, 1 up to 17 (18 from 2021)."""
    assert numbered(season, "REG") == {str(n): n for n in range(1, last + 1)}


@pytest.mark.parametrize("season", [2015, 2021])
def test_preseason_slug_is_pre_and_number(season: int) -> None:
    """A preseason slug is pre-N for scorestrip PRE week N."""
    assert all(slug == f"pre-{week}" for slug, week in numbered(season, "PRE").items())


@pytest.mark.parametrize("season", [2021, 2022, 2025])
def test_hall_of_fame_week_kept_from_2021(season: int) -> None:
    """From 2021 the preseason is pre-0 (Hall of Fame) to pre-3, as docs/api.md's table says."""
    assert numbered(season, "PRE") == {"pre-0": 0, "pre-1": 1, "pre-2": 2, "pre-3": 3}


def test_no_hall_of_fame_game_in_2011() -> None:
    """2011 has no pre-0 (the Hall of Fame game was not played) but has pre-1..pre-4."""
    assert numbered(2011, "PRE") == {"pre-1": 1, "pre-2": 2, "pre-3": 3, "pre-4": 4}


def test_no_preseason_in_2020() -> None:
    """2020 has no preseason weeks at all."""
    assert numbered(2020, "PRE") == {}
    with pytest.raises(UnknownWeek):
        parse_week(2020, "pre-1")


@pytest.mark.parametrize("season", range(FIRST_SEASON, 2027))
def test_weeks_in_calendar_order(season: int) -> None:
    """Weeks come PRE, REG, POST, each by week number, with unique slugs."""
    refs = weeks_of(season)
    order = {"PRE": 0, "REG": 1, "POST": 2}
    keys = [(order[ref.season_type], ref.week) for ref in refs]
    assert keys == sorted(keys)
    assert len({ref.slug for ref in refs}) == len(refs)
    assert all(ref.season == season for ref in refs)


# -- parse_season ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "015",
        "20155",
        "abcd",
        " 2015",
        "2015 ",
        "2015\n",
        "",
        "+2015",
        "-201",
        "\uff12\uff10\uff11\uff15",
        "20.5",
    ],
)
def test_malformed_season_is_bad_request(text: str) -> None:
    """A season that is not exactly four ASCII digits is a bad request (400)."""
    with pytest.raises(BadRequest) as caught:
        parse_season(text, today=TODAY)
    assert caught.value.status == 400


@pytest.mark.parametrize("text", ["1969", "0000", "2027", "9999"])
def test_season_outside_range_is_unknown(text: str) -> None:
    """A four-digit season before 1970 or after next year is unknown (404)."""
    with pytest.raises(UnknownSeason) as caught:
        parse_season(text, today=TODAY)
    assert isinstance(caught.value, NotFound)
    assert (caught.value.status, caught.value.code) == (404, "unknown_season")


@pytest.mark.parametrize(("text", "season"), [("1970", 1970), ("2015", 2015), ("2026", 2026)])
def test_season_in_range_accepted(text: str, season: int) -> None:
    """Seasons from 1970 up to the current year + 1 are accepted."""
    assert parse_season(text, today=TODAY) == season


def test_season_range_follows_today() -> None:
    """The last season is next year's, as of the `today` given."""
    assert last_season(date(2030, 1, 1)) == 2031
    assert parse_season("2031", today=date(2030, 12, 31)) == 2031
    with pytest.raises(UnknownSeason):
        parse_season("2032", today=date(2030, 12, 31))


# -- parse_week ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    [
        "abc",
        "01",
        "1.5",
        "-1",
        "pre-",
        "pre-01",
        "PRE-1",
        "pre1",
        "pre--1",
        "",
        " 1",
        "1 ",
        "1\n",
        "Wildcard",
        "super-bowl",
        "\uff11",
    ],
)
def test_malformed_week_is_bad_request(slug: str) -> None:
    """A slug that is not pre-N, a plain number or a round name is a bad request (400)."""
    with pytest.raises(BadRequest) as caught:
        parse_week(2015, slug)
    assert (caught.value.status, caught.value.code) == (400, "bad_request")


@pytest.mark.parametrize(
    ("season", "slug"),
    [
        (2015, "pre-7"),
        (2015, "pre-5"),
        (2015, "18"),
        (2015, "19"),
        (2015, "99"),
        (2021, "pre-4"),
        (2021, "19"),
        (2011, "pre-0"),
        (2020, "pre-0"),
    ],
)
def test_absent_week_is_unknown(season: int, slug: str) -> None:
    """A well-formed slug the season does not have is an unknown week (404)."""
    with pytest.raises(UnknownWeek) as caught:
        parse_week(season, slug)
    assert (caught.value.status, caught.value.code) == (404, "unknown_week")


def test_unknown_week_message() -> None:
    """The unknown-week message reads as docs/api.md's example."""
    with pytest.raises(UnknownWeek, match=r"^2015 has no week 'pre-7'$"):
        parse_week(2015, "pre-7")


def test_every_slug_parses_back() -> None:
    """Every slug weeks_of lists, in every season served, parses back to its own week."""
    for season in range(FIRST_SEASON, last_season(TODAY) + 1):
        for ref in weeks_of(season):
            assert parse_week(season, ref.slug) == ref


@pytest.mark.parametrize(
    ("season", "slug", "expected"),
    [
        (2015, "pre-0", WeekRef(2015, "PRE", 0, "pre-0")),
        (2015, "12", WeekRef(2015, "REG", 12, "12")),
        (2015, "wildcard", WeekRef(2015, "POST", 18, "wildcard")),
        (2015, "superbowl", WeekRef(2015, "POST", 22, "superbowl")),
        (2021, "18", WeekRef(2021, "REG", 18, "18")),
        (2021, "wildcard", WeekRef(2021, "POST", 19, "wildcard")),
        (2021, "probowl", WeekRef(2021, "POST", 22, "probowl")),
        (2021, "superbowl", WeekRef(2021, "POST", 23, "superbowl")),
    ],
)
def test_parse_week(season: int, slug: str, expected: WeekRef) -> None:
    """A slug names its scorestrip season type and week number."""
    assert parse_week(season, slug) == expected


# -- find_week and season_type_of ------------------------------------------------------------


@pytest.mark.parametrize(
    ("season", "season_type", "week", "slug"),
    [
        (2015, "PRE", 0, "pre-0"),
        (2015, "PRE", 4, "pre-4"),
        (2015, "REG", 17, "17"),
        (2015, "POST", 18, "wildcard"),
        (2015, "POST", 21, "probowl"),
        (2015, "POST", 22, "superbowl"),
        (2021, "REG", 18, "18"),
        (2021, "POST", 19, "wildcard"),
        (2021, "POST", 23, "superbowl"),
    ],
)
def test_find_week(season: int, season_type: str, week: int, slug: str) -> None:
    """find_week maps a scorestrip season type and week number to its week."""
    assert find_week(season, season_type, week) == WeekRef(season, season_type, week, slug)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("season", "season_type", "week"),
    [
        (2015, "REG", 18),
        (2015, "REG", 0),
        (2015, "PRE", 5),
        (2015, "POST", 17),
        (2015, "POST", 23),
        (2021, "PRE", 4),
        (2021, "POST", 18),
        (2011, "PRE", 0),
        (2020, "PRE", 1),
        (2015, "R", 1),
    ],
)
def test_find_week_absent(season: int, season_type: str, week: int) -> None:
    """find_week returns None for a week the season does not have."""
    assert find_week(season, season_type, week) is None


@pytest.mark.parametrize(
    ("game_type", "season_type"),
    [
        ("PRE", "PRE"),
        ("REG", "REG"),
        ("WC", "POST"),
        ("DIV", "POST"),
        ("CON", "POST"),
        ("PRO", "POST"),
        ("SB", "POST"),
    ],
)
def test_season_type_of(game_type: str, season_type: str) -> None:
    """Each scorestrip gt belongs to its season type."""
    assert season_type_of(game_type) == season_type


def test_post_rounds_in_order() -> None:
    """The postseason rounds are wildcard, divisional, conference, probowl, superbowl."""
    assert list(POST_ROUNDS) == POST


def test_week_ref_reads_and_orders() -> None:
    """A WeekRef prints as season/type/week and is a frozen value."""
    ref = WeekRef(2015, "REG", 12, "12")
    assert str(ref) == "2015/REG/12"
    assert ref == parse_week(2015, "12")
    assert hash(ref) == hash(parse_week(2015, "12"))
    with pytest.raises(AttributeError):
        ref.week = 13  # type: ignore[misc]


def test_canonical_gives_the_ref_the_request_path_parses_to() -> None:
    """An equal copy (a live event's, decoded) maps to parse_path's own object; others stay."""
    parsed = parse_path("2015", "12", today=TODAY)
    copy = WeekRef(season=2015, season_type=parsed.season_type, week=parsed.week, slug="12")
    assert copy == parsed
    assert copy is not parsed
    assert canonical(copy) is parsed
    stranger = WeekRef(season=2015, season_type="REG", week=99, slug="99")
    assert canonical(stranger) is stranger
