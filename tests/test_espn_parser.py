"""The ESPN parser on hand-written scoreboards: every mapping rule, the live week, drift.

The fixtures in tests/data/espn/ follow docs/espn.md; expected values are written out
here from the fixture's JSON, never taken from the parser under test.
"""

from __future__ import annotations

import gc
import logging
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from nflscores.domain.encoding import decode_week, encode_week
from nflscores.domain.errors import NoLiveWeek, UpstreamBadResponse
from nflscores.domain.models import Game, GameIds, Situation, Venue, Week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.espn_parser import (
    MAX_DOCUMENT_BYTES,
    parse_scoreboard,
    read_scoreboard,
    service_code,
    stable_id,
)
from tests.espn_support import FETCHED_AT, changed, event_of, fixture_bytes

LIVE = "2022-REG-05-live.json"
WEEK_5 = WeekRef(2022, "REG", 5, "5")


def live_week() -> Week:
    """Return the hand-made 2022 week 5 game day, asked for by its week."""
    return parse_scoreboard(fixture_bytes(LIVE), fetched_at=FETCHED_AT, ref=WEEK_5)


def game(week: Week, espn_id: str) -> Game:
    """Return the week's game of an ESPN event id."""
    return next(g for g in week.games if g.ids.espn == espn_id)


# -- status, quarter, clock ------------------------------------------------------------------

#: ESPN id -> (status, quarter, clock, raw_status, (away score, home score)), from the fixture.
STATUSES: dict[str, tuple[str, int | None, str | None, str | None, tuple[Any, Any]]] = {
    "401990001": ("final_overtime", None, None, None, (12, 9)),
    "401990002": ("final", None, None, None, (27, 22)),
    "401990003": ("in_progress", 4, "00:48", None, (24, 26)),
    "401990004": ("in_progress", 2, "12:52", None, (7, 21)),
    "401990005": ("in_progress", 3, "04:07", None, (12, 21)),
    "401990006": ("halftime", None, None, None, (17, 14)),
    "401990007": ("in_progress", 1, "00:00", None, (3, 0)),
    "401990008": ("suspended", None, None, "STATUS_DELAYED", (10, 13)),
    "401990009": ("suspended", None, None, "STATUS_SUSPENDED", (6, 3)),
    "401990010": ("suspended", None, None, "STATUS_POSTPONED", (None, None)),
    "401990011": ("suspended", None, None, "STATUS_CANCELED", (None, None)),
    "401990012": ("scheduled", None, None, None, (None, None)),
    "401990013": ("scheduled", None, None, None, (None, None)),
}


@pytest.mark.parametrize("espn_id", sorted(STATUSES))
def test_status_quarter_clock_and_scores(espn_id: str) -> None:
    """Each ESPN status maps to the API's status, quarter, MM:SS clock, raw status and scores."""
    status, quarter, clock, raw, scores = STATUSES[espn_id]
    found = game(live_week(), espn_id)
    assert (found.status, found.quarter, found.clock, found.raw_status) == (
        status,
        quarter,
        clock,
        raw,
    )
    assert (found.away.score, found.home.score) == scores


def test_a_game_called_off_mid_way_keeps_its_score() -> None:
    """A canceled game with line scores (stopped after kickoff) keeps the score it had."""

    def stopped(data: dict[str, Any]) -> None:
        competitors = event_of(data, "401990011")["competitions"][0]["competitors"]
        competitors[0].update(score="3", linescores=[{"value": 3.0}])
        competitors[1].update(score="7", linescores=[{"value": 7.0}])

    week = parse_scoreboard(changed(LIVE, stopped), fetched_at=FETCHED_AT, ref=WEEK_5)
    found = game(week, "401990011")
    assert (found.status, found.raw_status) == ("suspended", "STATUS_CANCELED")
    assert (found.away.score, found.home.score) == (7, 3)
    assert (found.away.linescore, found.home.linescore) == ((7,), (3,))


def test_final_overtime_from_the_detail_alone() -> None:
    """A final whose period is missing is still overtime when its detail reads Final/OT."""

    def drop_period(data: dict[str, Any]) -> None:
        del event_of(data, "401990001")["status"]["period"]

    week = parse_scoreboard(changed(LIVE, drop_period), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert game(week, "401990001").status == "final_overtime"


def test_overtime_in_play_is_quarter_five() -> None:
    """A game in its fifth (or later) period is in overtime: quarter 5."""

    def overtime(data: dict[str, Any]) -> None:
        event_of(data, "401990003")["status"]["period"] = 6

    week = parse_scoreboard(changed(LIVE, overtime), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert game(week, "401990003").quarter == 5


def test_clock_from_seconds_when_the_display_clock_is_missing() -> None:
    """Without displayClock the clock is made from ESPN's seconds, still MM:SS."""

    def no_display(data: dict[str, Any]) -> None:
        del event_of(data, "401990005")["status"]["displayClock"]

    week = parse_scoreboard(changed(LIVE, no_display), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert game(week, "401990005").clock == "04:07"


# -- possession, red zone, situation ---------------------------------------------------------


def test_possession_is_the_code_of_the_team_id_espn_names() -> None:
    """ESPN's possession team id becomes the team code; the red zone flag is kept."""
    week = live_week()
    assert (game(week, "401990003").possession, game(week, "401990003").red_zone) == ("NO", False)
    assert (game(week, "401990005").possession, game(week, "401990005").red_zone) == ("CHI", True)


def test_red_zone_without_possession() -> None:
    """Between plays ESPN drops possession and the text but keeps the red zone flag."""
    found = game(live_week(), "401990004")
    assert (found.possession, found.red_zone) == (None, True)
    assert found.situation == Situation(home_timeouts=3, away_timeouts=1)


def test_situation_of_a_game_in_play() -> None:
    """Down, distance, yard line, text and timeouts come from ESPN's situation."""
    assert game(live_week(), "401990005").situation == Situation(
        down=2,
        distance=4,
        yard_line="MIN 4",
        text="2nd & Goal at MIN 4",
        home_timeouts=2,
        away_timeouts=3,
    )


def test_halftime_keeps_the_situation_but_no_possession() -> None:
    """At halftime there is a situation (the game is in play) but no clock or possession."""
    found = game(live_week(), "401990006")
    assert (found.possession, found.red_zone) == (None, None)
    assert found.situation is not None
    assert found.situation.text == "1st & 10 at CLE 25"


def test_possession_of_an_unknown_team_id_is_none() -> None:
    """A possession id that is neither team's is no possession, not an ESPN id."""

    def stranger(data: dict[str, Any]) -> None:
        event_of(data, "401990003")["competitions"][0]["situation"]["possession"] = "99"

    week = parse_scoreboard(changed(LIVE, stranger), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert game(week, "401990003").possession is None


@pytest.mark.parametrize("espn_id", ["401990001", "401990012", "401990008"])
def test_no_live_detail_outside_play(espn_id: str) -> None:
    """Finals, scheduled and held games have no possession, red zone or situation."""
    found = game(live_week(), espn_id)
    assert (found.possession, found.red_zone, found.situation) == (None, None, None)


def test_a_situation_with_wrongly_typed_parts_keeps_the_rest() -> None:
    """A detail of the situation with an unexpected type reads as null; the game stays."""

    def odd(data: dict[str, Any]) -> None:
        situation = event_of(data, "401990005")["competitions"][0]["situation"]
        situation["down"] = "2"
        situation["homeTimeouts"] = None

    week = parse_scoreboard(changed(LIVE, odd), fetched_at=FETCHED_AT, ref=WEEK_5)
    found = game(week, "401990005")
    assert found.situation == Situation(
        yard_line="MIN 4", text="2nd & Goal at MIN 4", away_timeouts=3
    )


# -- kickoff, day, order, type ---------------------------------------------------------------


def test_kickoff_in_new_york_time_with_its_offset() -> None:
    """ESPN's UTC date becomes America/New_York local time; the day follows the local date."""
    week = live_week()
    thursday = game(week, "401990001")  # 2022-10-06T00:15Z
    assert thursday.kickoff.isoformat() == "2022-10-05T20:15:00-04:00"
    assert thursday.day == "Wed"
    london = game(week, "401990002")  # 2022-10-09T13:30Z
    assert (london.kickoff.isoformat(), london.day) == ("2022-10-09T09:30:00-04:00", "Sun")


def test_winter_kickoff_has_the_standard_time_offset() -> None:
    """A January kickoff is on Eastern Standard Time (-05:00)."""
    week = parse_scoreboard(
        fixture_bytes("2019-POST-01.json"),
        fetched_at=FETCHED_AT,
        ref=WeekRef(2019, "POST", 18, "wildcard"),
    )
    assert [g.kickoff.isoformat() for g in week.games] == [
        "2020-01-04T16:35:00-05:00",
        "2020-01-04T20:15:00-05:00",
    ]
    assert [g.day for g in week.games] == ["Sat", "Sat"]


def test_games_sorted_by_kickoff_then_id() -> None:
    """Games come in kickoff order, ties broken by id, whatever order ESPN listed them in."""
    games = live_week().games
    assert [g.ids.espn for g in games] == [
        "401990001", "401990002", "401990003", "401990004", "401990005", "401990006",
        "401990007", "401990008", "401990009", "401990010", "401990011", "401990012",
        "401990013",
    ]  # fmt: skip
    assert list(games) == sorted(games, key=lambda g: (g.kickoff, g.id))

    def reverse(data: dict[str, Any]) -> None:
        data["events"].reverse()

    reversed_week = parse_scoreboard(changed(LIVE, reverse), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert reversed_week.games == games


@pytest.mark.parametrize(
    ("name", "ref", "game_type"),
    [
        ("2021-PRE-01.json", WeekRef(2021, "PRE", 0, "pre-0"), "PRE"),
        (LIVE, WEEK_5, "REG"),
        ("2019-POST-01.json", WeekRef(2019, "POST", 18, "wildcard"), "WC"),
        ("2021-POST-04.json", WeekRef(2021, "POST", 22, "probowl"), "PRO"),
        ("2025-POST-05.json", WeekRef(2025, "POST", 23, "superbowl"), "SB"),
    ],
)
def test_game_type_of_each_kind_of_week(name: str, ref: WeekRef, game_type: str) -> None:
    """Every game gets scorestrip's game type of its week (PRE, REG, WC, PRO, SB)."""
    week = parse_scoreboard(fixture_bytes(name), fetched_at=FETCHED_AT, ref=ref)
    assert week.games
    assert {g.game_type for g in week.games} == {game_type}
    assert (week.season, week.season_type, week.week, week.slug) == (
        ref.season,
        ref.season_type,
        ref.week,
        ref.slug,
    )


# -- teams -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abbreviation", "season", "code"),
    [
        ("LAR", 2015, "STL"),
        ("LAR", 2016, "LA"),
        ("LAR", 2025, "LA"),
        ("WSH", 2015, "WAS"),
        ("WSH", 2025, "WAS"),
        ("JAX", 2015, "JAC"),
        ("JAX", 2016, "JAX"),
        ("LAC", 2016, "SD"),
        ("LAC", 2017, "LAC"),
        ("LV", 2019, "OAK"),
        ("LV", 2020, "LV"),
        ("NE", 2015, "NE"),
        ("AFC", 2021, "AFC"),
        ("TBD", 2021, "TBD"),
    ],
)
def test_espn_abbreviations_become_the_services_era_codes(
    abbreviation: str, season: int, code: str
) -> None:
    """ESPN's abbreviation becomes the code the service used that season (docs/api.md)."""
    assert service_code(abbreviation, season) == code


@pytest.mark.parametrize(
    ("name", "ref", "sides"),
    [
        (
            "2015-REG-10.json",
            WeekRef(2015, "REG", 10, "10"),
            [("STL", "rams", "JAC", "jaguars"), ("SD", "chargers", "OAK", "raiders"),
             ("NO", "saints", "WAS", "redskins")],
        ),
        (
            "2016-REG-02.json",
            WeekRef(2016, "REG", 2, "2"),
            [("JAX", "jaguars", "SD", "chargers"), ("SEA", "seahawks", "LA", "rams")],
        ),
        (
            "2019-POST-01.json",
            WeekRef(2019, "POST", 18, "wildcard"),
            [("BUF", "bills", "HOU", "texans"), ("LAC", "chargers", "OAK", "raiders")],
        ),
        (
            "2021-POST-04.json",
            WeekRef(2021, "POST", 22, "probowl"),
            [("NFC", "nfc", "AFC", "afc")],
        ),
    ],
)  # fmt: skip
def test_teams_and_nicknames_of_their_era(
    name: str, ref: WeekRef, sides: list[tuple[str, str, str, str]]
) -> None:
    """Each side reads the era's code and scorestrip's nickname (ESPN's name for others)."""
    week = parse_scoreboard(fixture_bytes(name), fetched_at=FETCHED_AT, ref=ref)
    assert [
        (g.away.team, g.away.nickname, g.home.team, g.home.nickname) for g in week.games
    ] == sides


def test_2022_codes_and_nicknames() -> None:
    """In 2022 ESPN's WSH, LAR, LV and LAC read WAS, LA, LV and LAC; Washington's commanders."""
    week = live_week()
    teams = {(g.away.team, g.home.team) for g in week.games}
    assert {("TEN", "WAS"), ("SF", "LA"), ("LV", "KC"), ("LAC", "CLE")} <= teams
    assert game(week, "401990011").home.nickname == "commanders"


# -- the richer fields -----------------------------------------------------------------------


def test_line_scores_and_records() -> None:
    """Line scores are per quarter (overtime a 5th entry); the record is ESPN's total one."""
    week = live_week()
    overtime = game(week, "401990001")
    assert (overtime.away.linescore, overtime.home.linescore) == ((3, 3, 0, 3, 3), (0, 3, 3, 3, 0))
    assert (overtime.away.record, overtime.home.record) == ("2-2-1", "2-3")
    assert game(week, "401990012").home.linescore is None


def test_record_is_none_without_records() -> None:
    """A competitor without records has a null record."""

    def no_records(data: dict[str, Any]) -> None:
        for competitor in event_of(data, "401990002")["competitions"][0]["competitors"]:
            del competitor["records"]

    week = parse_scoreboard(changed(LIVE, no_records), fetched_at=FETCHED_AT, ref=WEEK_5)
    found = game(week, "401990002")
    assert (found.home.record, found.away.record) == (None, None)


def test_venue_and_neutral_site() -> None:
    """The venue's name and city, and whether the site is neutral."""
    week = live_week()
    assert game(week, "401990002").venue == Venue("Tottenham Hotspur Stadium", "London", True)
    assert game(week, "401990003").venue == Venue("Stadium", "City", False)


def test_byes_from_teams_on_bye() -> None:
    """The week's teamsOnBye become the byes, as team codes, sorted."""
    assert live_week().byes == ("ARI", "BAL", "CAR", "CIN", "DAL", "PHI")


def test_byes_of_a_whole_week_without_teams_on_bye() -> None:
    """Without teamsOnBye, a regular week whose games hold every club but a few has those byes."""
    bye_teams = ("ARI", "BAL", "CAR", "CIN", "DAL", "PHI")

    def forget(data: dict[str, Any]) -> None:
        del data["week"]["teamsOnBye"]

    week = parse_scoreboard(changed(LIVE, forget), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert week.byes == bye_teams
    partial = parse_scoreboard(
        fixture_bytes("2015-REG-10.json"), fetched_at=FETCHED_AT, ref=WeekRef(2015, "REG", 10, "10")
    )
    assert partial.byes is None


def test_byes_are_null_outside_the_regular_season_without_teams_on_bye() -> None:
    """A postseason week that ESPN lists no byes for has null byes."""
    week = parse_scoreboard(
        fixture_bytes("2019-POST-01.json"),
        fetched_at=FETCHED_AT,
        ref=WeekRef(2019, "POST", 18, "wildcard"),
    )
    assert week.byes is None


def test_source_is_espn() -> None:
    """A week read from ESPN says so."""
    assert live_week().source == "espn"


def test_unknown_games_get_an_id_from_their_espn_id() -> None:
    """A game the history does not know is `espn-<ESPN id>`, with only its ESPN id known."""
    found = game(live_week(), "401990003")
    assert found.id == stable_id("401990003") == "espn-401990003"
    assert (found.gsis, found.ids) == (None, GameIds(espn="401990003"))


def test_known_games_get_their_eid_and_gsis() -> None:
    """A game the history knows is served under its eid, with its gsis, whichever source."""
    history = {"401990003": GameIds(eid="2022100900", gsis=58800, espn="401990003")}
    week = parse_scoreboard(fixture_bytes(LIVE), fetched_at=FETCHED_AT, ref=WEEK_5, ids=history.get)
    found = game(week, "401990003")
    assert (found.id, found.gsis) == ("2022100900", 58800)
    assert found.ids == GameIds(eid="2022100900", gsis=58800, espn="401990003")
    assert game(week, "401990004").id == "espn-401990004"


# -- JSON ------------------------------------------------------------------------------------


def test_week_encodes_every_field_and_decodes_back() -> None:
    """The ESPN week's JSON has every richer field (null where unknown) and reads back equal."""
    week = live_week()
    body = encode_week(week)
    assert decode_week(body) == week
    data = orjson.loads(body)
    assert (data["source"], data["byes"]) == ("espn", ["ARI", "BAL", "CAR", "CIN", "DAL", "PHI"])
    by_id = {g["id"]: g for g in data["games"]}
    red_zone = by_id["espn-401990005"]
    assert red_zone["ids"] == {"eid": None, "gsis": None, "espn": "401990005"}
    assert red_zone["situation"] == {
        "down": 2, "distance": 4, "yard_line": "MIN 4", "text": "2nd & Goal at MIN 4",
        "home_timeouts": 2, "away_timeouts": 3,
    }  # fmt: skip
    assert red_zone["venue"] == {"name": "Stadium", "city": "City", "neutral_site": False}
    assert red_zone["away"] == {
        "team": "CHI", "nickname": "bears", "score": 12, "linescore": [0, 3, 9], "record": "2-2",
    }  # fmt: skip
    scheduled = by_id["espn-401990012"]
    assert (scheduled["situation"], scheduled["home"]["linescore"]) == (None, None)
    assert scheduled["home"]["score"] is None


def test_old_copies_without_richer_fields_still_decode() -> None:
    """A cached week written before the richer fields existed reads with nulls for them."""
    data = orjson.loads(encode_week(live_week()))
    for key in ("source", "byes"):
        del data[key]
    for item in data["games"]:
        for key in ("ids", "situation", "venue"):
            del item[key]
        for side in ("home", "away"):
            del item[side]["linescore"], item[side]["record"]
    week = decode_week(orjson.dumps(data))
    assert (week.source, week.byes) == (None, None)
    assert all(g.ids == GameIds() and g.situation is None for g in week.games)
    assert all(g.home.linescore is None and g.away.record is None for g in week.games)


# -- the live week ---------------------------------------------------------------------------


def test_live_week_from_the_header() -> None:
    """Without an asked week, the week is the one ESPN's header names."""
    week = parse_scoreboard(fixture_bytes(LIVE), fetched_at=FETCHED_AT)
    assert (week.season, week.season_type, week.week, week.slug) == (2022, "REG", 5, "5")


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("2021-PRE-01.json", WeekRef(2021, "PRE", 0, "pre-0")),
        ("2019-POST-01.json", WeekRef(2019, "POST", 18, "wildcard")),
        ("2021-POST-04.json", WeekRef(2021, "POST", 22, "probowl")),
        ("2025-POST-05.json", WeekRef(2025, "POST", 23, "superbowl")),
    ],
)
def test_live_week_of_each_season_type(name: str, ref: WeekRef) -> None:
    """ESPN's preseason 1 is pre-0; postseason weeks follow the calendar's regular season."""
    week = parse_scoreboard(fixture_bytes(name), fetched_at=FETCHED_AT)
    assert (week.season, week.season_type, week.week, week.slug) == (
        ref.season,
        ref.season_type,
        ref.week,
        ref.slug,
    )


def test_off_season_is_no_live_week() -> None:
    """ESPN's off-season (season type 4) means nothing is live: NoLiveWeek, not an error."""
    with pytest.raises(NoLiveWeek):
        parse_scoreboard(fixture_bytes("2025-OFF.json"), fetched_at=FETCHED_AT)


def test_live_week_from_the_calendar_without_a_header() -> None:
    """A live scoreboard without its header is placed by the calendar at the fetch time."""
    board = read_scoreboard(fixture_bytes("2022-REG-05-no-header.json"), fetched_at=FETCHED_AT)
    assert board.week.slug == "5"
    later = datetime(2022, 10, 13, 12, 0, tzinfo=UTC)
    week = parse_scoreboard(fixture_bytes("2022-REG-05-no-header.json"), fetched_at=later)
    assert week.slug == "6"


def test_live_week_from_the_event_without_header_or_calendar() -> None:
    """Without a header or calendar, the first event's season and week place the week."""

    def strip(data: dict[str, Any]) -> None:
        del data["leagues"]

    body = changed("2022-REG-05-no-header.json", strip)
    week = parse_scoreboard(body, fetched_at=FETCHED_AT)
    assert (week.season, week.slug) == (2022, "5")


def test_nothing_to_place_the_week_by_is_a_bad_response() -> None:
    """Events with no header, calendar or event week cannot be placed: a bad response."""

    def strip(data: dict[str, Any]) -> None:
        del data["leagues"]
        for event in data["events"]:
            del event["week"]

    with pytest.raises(UpstreamBadResponse, match="which season and week"):
        parse_scoreboard(changed("2022-REG-05-no-header.json", strip), fetched_at=FETCHED_AT)


def test_an_answer_for_another_week_is_a_bad_response() -> None:
    """ESPN answering with a week other than the one asked for is refused, not cached."""
    with pytest.raises(UpstreamBadResponse, match="asked for week 2022/REG/6"):
        parse_scoreboard(
            fixture_bytes(LIVE), fetched_at=FETCHED_AT, ref=WeekRef(2022, "REG", 6, "6")
        )


def test_empty_week_has_no_games() -> None:
    """A scoreboard with no events is a week without games (the API's 404 no_games)."""

    def empty(data: dict[str, Any]) -> None:
        data["events"] = []

    week = parse_scoreboard(changed(LIVE, empty), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert week.games == ()


# -- drift -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Service Unavailable</body></html>", "HTML"),
        (b"", "not JSON"),
        (b'{"events": [', "not JSON"),
        (b"[]", "the document is a list, not an object"),
        (b'"events"', "the document is a string"),
        (b"{}", "no 'events'"),
        (b'{"events": {}}', "'events' of the scoreboard is an object, not a list"),
        (b'{"events": null}', "'events' of the scoreboard is null"),
    ],
)
def test_not_a_scoreboard(body: bytes, message: str) -> None:
    """A body that is not a scoreboard raises UpstreamBadResponse naming what was wrong."""
    with pytest.raises(UpstreamBadResponse, match=message):
        parse_scoreboard(body, fetched_at=FETCHED_AT, ref=WEEK_5)


def _rename_events(data: dict[str, Any]) -> None:
    data["items"] = data.pop("events")


def _year_as_text(data: dict[str, Any]) -> None:
    data["season"]["year"] = "2022"


def _week_number_as_text(data: dict[str, Any]) -> None:
    data["week"]["number"] = "5"


def _every_competition_renamed(data: dict[str, Any]) -> None:
    for event in data["events"]:
        event["competition"] = event.pop("competitions")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_rename_events, "no 'events'"),
        (_year_as_text, "'year' of the scoreboard's season is a string, not a number"),
        (_week_number_as_text, "'number' of the scoreboard's week is a string, not a number"),
        (_every_competition_renamed, "no event of the scoreboard reads: .*no 'competitions'"),
    ],
)
def test_schema_drift_of_the_week_is_a_bad_response(change: Any, message: str) -> None:
    """A renamed or retyped field of the week raises UpstreamBadResponse naming it."""
    with pytest.raises(UpstreamBadResponse, match=message):
        parse_scoreboard(changed(LIVE, change), fetched_at=FETCHED_AT, ref=WEEK_5)


def _period_as_text(event: dict[str, Any]) -> None:
    event["status"]["period"] = "4"


def _score_not_a_number(event: dict[str, Any]) -> None:
    event["competitions"][0]["competitors"][0]["score"] = "twenty"


def _no_home_team(event: dict[str, Any]) -> None:
    event["competitions"][0]["competitors"][0]["homeAway"] = "away"


def _abbreviation_missing(event: dict[str, Any]) -> None:
    del event["competitions"][0]["competitors"][1]["team"]["abbreviation"]


def _date_unreadable(event: dict[str, Any]) -> None:
    event["date"] = "Sunday at 1"


def _status_name_renamed(event: dict[str, Any]) -> None:
    event["status"]["type"]["statusName"] = event["status"]["type"].pop("name")


def _id_as_number(event: dict[str, Any]) -> None:
    event["id"] = 401990003


def _no_competitions(event: dict[str, Any]) -> None:
    event["competitions"] = []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_period_as_text, "'period' of event 401990003's status is a string, not a number"),
        (_score_not_a_number, "event 401990003 has a score that is not a number: 'twenty'"),
        (_no_home_team, "event 401990003 does not name a home and an away team"),
        (_abbreviation_missing, "a team of event 401990003 has no 'abbreviation'"),
        (_date_unreadable, "event 401990003 has an unreadable date 'Sunday at 1'"),
        (_status_name_renamed, "event 401990003's status type has no 'name'"),
        (_id_as_number, "'id' of an event is a number, not a string"),
        (_no_competitions, "event 401990003 has no competitions"),
    ],
)
def test_one_malformed_event_is_dropped_with_a_warning(
    change: Any, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An event that does not read is left out, with a warning naming why; the others stay."""

    def spoil(data: dict[str, Any]) -> None:
        change(event_of(data, "401990003"))

    with caplog.at_level(logging.WARNING, logger="nflscores.sources.espn_parser"):
        week = parse_scoreboard(changed(LIVE, spoil), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert len(week.games) == len(STATUSES) - 1
    assert "espn-401990003" not in {g.id for g in week.games}
    assert message in caplog.text


def test_a_week_whose_only_event_is_malformed_is_a_bad_response() -> None:
    """When no event reads, the week is a bad response naming the first problem."""

    def spoil(data: dict[str, Any]) -> None:
        data["events"][0]["status"]["period"] = "4"

    with pytest.raises(UpstreamBadResponse, match="'period'"):
        parse_scoreboard(
            changed("2021-PRE-01.json", spoil),
            fetched_at=FETCHED_AT,
            ref=WeekRef(2021, "PRE", 0, "pre-0"),
        )


def test_a_body_over_the_limit_is_refused() -> None:
    """A body over max_bytes is refused before it is parsed; the default limit is a few MB."""
    body = fixture_bytes(LIVE)
    with pytest.raises(UpstreamBadResponse, match="over the"):
        parse_scoreboard(body, fetched_at=FETCHED_AT, ref=WEEK_5, max_bytes=len(body) - 1)
    assert parse_scoreboard(body, fetched_at=FETCHED_AT, ref=WEEK_5, max_bytes=len(body)).games
    padded = body[:-2] + b" " * (5 * 1024 * 1024) + body[-2:]
    assert len(padded) > MAX_DOCUMENT_BYTES
    with pytest.raises(UpstreamBadResponse, match="over the"):
        parse_scoreboard(padded, fetched_at=FETCHED_AT, ref=WEEK_5)


@pytest.mark.parametrize("body", [b"{}", b"[]"])
def test_the_collector_is_on_again_after_a_parse_that_fails(body: bytes) -> None:
    """The parse pauses the cycle collector, and turns it back on however it ends."""
    assert gc.isenabled()
    with pytest.raises(UpstreamBadResponse):
        parse_scoreboard(body, fetched_at=FETCHED_AT, ref=WEEK_5)
    assert gc.isenabled()
    parse_scoreboard(fixture_bytes(LIVE), fetched_at=FETCHED_AT, ref=WEEK_5)
    assert gc.isenabled()


def test_a_parse_leaves_a_paused_collector_paused() -> None:
    """A caller that paused the collector itself finds it still paused."""
    gc.disable()
    try:
        parse_scoreboard(fixture_bytes(LIVE), fetched_at=FETCHED_AT, ref=WEEK_5)
        assert not gc.isenabled()
    finally:
        gc.enable()
