"""Every real ESPN capture in ../shared/data/espn/ maps field by field.

Expected values are worked out here from each capture's JSON (read with the stdlib) and from
the facts ../shared/data/espn/SOURCES.md states, never taken from the parser under test.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nflscores.domain.errors import UpstreamBadResponse
from nflscores.domain.models import Game, Week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.espn_parser import parse_event, parse_scoreboard
from nflscores.sources.history import known_ids
from tests.support import SHARED_DATA

CAPTURES = SHARED_DATA / "espn"
pytestmark = pytest.mark.skipif(
    not CAPTURES.is_dir(), reason="../shared/data/espn is absent (real captures live outside)"
)

EASTERN = ZoneInfo("America/New_York")
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
CHEESE = "cheese-industries+Angular-NFL-Scoreboard__data-example.json"
TEAMTRACKER = "vasqued2+ha-teamtracker__tests__tt__nfl.json"
PRECOG = (
    "mutantamoeba+precog__tests__cassettes__espn__espn_nfl_scoreboard.yaml"
    "__embedded_response_body.json"
)
DASHBOARD = "timlatona+daily-dashboard__nfl_data.json"
JFLYNN = "jflynn87+games__data.txt.json"
SUMMARY = "smythmyke+bragging_rights__espn_nfl_summary.json"

#: capture -> the week it holds (SOURCES.md).
SCOREBOARDS = {
    CHEESE: WeekRef(2021, "REG", 13, "13"),
    TEAMTRACKER: WeekRef(2022, "REG", 1, "1"),
    PRECOG: WeekRef(2025, "REG", 14, "14"),
    DASHBOARD: WeekRef(2025, "REG", 13, "13"),
    JFLYNN: WeekRef(2021, "REG", 15, "15"),
}
#: Every capture is 2021-2025: ESPN's codes differ from the service's in two clubs only.
CODES = {"LAR": "LA", "WSH": "WAS"}
STATUS_OF_NAME = {
    "STATUS_SCHEDULED": "scheduled",
    "STATUS_IN_PROGRESS": "in_progress",
    "STATUS_HALFTIME": "halftime",
    "STATUS_END_PERIOD": "in_progress",
}


def raw(name: str) -> dict[str, Any]:
    """Return a capture read with the standard library."""
    data: dict[str, Any] = json.loads((CAPTURES / name).read_bytes())
    return data


def parsed(name: str, *, live: bool = False) -> Week:
    """Return a capture as the parser reads it, asked for by its week or as the live week."""
    ref = None if live else SCOREBOARDS[name]
    return parse_scoreboard((CAPTURES / name).read_bytes(), fetched_at=FETCHED_AT, ref=ref)


def code(abbreviation: str) -> str:
    """Return the service's code of an ESPN abbreviation, 2021-2025."""
    return CODES.get(abbreviation, abbreviation)


def expected_status(event: dict[str, Any]) -> str:
    """Return the API status of a raw event, from its status name and period."""
    name = event["status"]["type"]["name"]
    if name == "STATUS_FINAL":
        return "final_overtime" if event["status"]["period"] > 4 else "final"
    return STATUS_OF_NAME[name]


def by_espn_id(week: Week) -> dict[str, Game]:
    """Return a week's games by ESPN id."""
    return {game.ids.espn or "": game for game in week.games}


def check_event(event: dict[str, Any], game: Game) -> None:
    """Assert one parsed game carries its raw event's fields, as docs/api.md maps them."""
    competition = event["competitions"][0]
    sides = {c["homeAway"]: c for c in competition["competitors"]}
    state = event["status"]["type"]["state"]
    status = expected_status(event)
    in_play = status == "in_progress"
    kickoff = datetime.fromisoformat(event["date"])
    assert game.kickoff == kickoff
    assert game.kickoff.tzinfo == EASTERN
    assert game.kickoff.utcoffset() in {timedelta(hours=-4), timedelta(hours=-5)}
    assert game.day == kickoff.astimezone(EASTERN).strftime("%a")
    assert game.id == f"espn-{event['id']}"
    assert game.status == status
    assert game.quarter == (event["status"]["period"] if in_play else None)
    minutes, seconds = event["status"]["displayClock"].split(":")
    assert game.clock == (f"{int(minutes):02d}:{seconds}" if in_play else None)
    situation = competition.get("situation") if in_play else None
    possessing = [
        c for c in sides.values() if situation and c["team"]["id"] == situation.get("possession")
    ]
    assert game.possession == (code(possessing[0]["team"]["abbreviation"]) if possessing else None)
    assert game.red_zone == (situation["isRedZone"] if situation else None)
    if situation is None:
        assert game.situation is None
    else:
        assert game.situation is not None
        down = situation.get("down")
        assert game.situation.down == (down if down in {1, 2, 3, 4} else None)
        assert game.situation.text == situation.get("downDistanceText")
        assert game.situation.yard_line == situation.get("possessionText")
        assert game.situation.home_timeouts == situation.get("homeTimeouts")
        assert game.situation.away_timeouts == situation.get("awayTimeouts")
    for side_name, side in (("home", game.home), ("away", game.away)):
        competitor = sides[side_name]
        assert side.team == code(competitor["team"]["abbreviation"])
        assert side.score == (None if state == "pre" else int(competitor["score"]))
        lines = [int(line["value"]) for line in competitor.get("linescores", [])]
        assert side.linescore == (None if state == "pre" or not lines else tuple(lines))
        totals = [r["summary"] for r in competitor.get("records", []) if r["type"] == "total"]
        assert side.record == (totals[0] if totals else None)
    assert game.venue is not None
    assert game.venue.name == competition["venue"]["fullName"]
    assert game.venue.city == competition["venue"]["address"]["city"]
    assert game.venue.neutral_site == competition["neutralSite"]


@pytest.mark.parametrize("name", sorted(SCOREBOARDS))
def test_every_event_maps_field_by_field(name: str) -> None:
    """Each event of a capture becomes one game carrying exactly its fields."""
    week = parsed(name)
    events = raw(name)["events"]
    games = by_espn_id(week)
    assert sorted(games) == sorted(event["id"] for event in events)
    for event in events:
        check_event(event, games[event["id"]])
    assert list(week.games) == sorted(week.games, key=lambda g: (g.kickoff, g.id))
    assert week.source == "espn"


@pytest.mark.parametrize("name", sorted(SCOREBOARDS))
def test_the_live_week_is_the_one_the_capture_holds(name: str) -> None:
    """Read as the current week, a capture is the week SOURCES.md says it holds."""
    assert parsed(name, live=True) == parsed(name)


@pytest.mark.parametrize("name", sorted(SCOREBOARDS))
def test_byes(name: str) -> None:
    """Byes are the capture's teamsOnBye, or none when all 32 clubs play."""
    week = parsed(name)
    on_bye = raw(name)["week"].get("teamsOnBye")
    if on_bye is None:
        assert len(week.games) == 16
        assert week.byes == ()
    else:
        assert week.byes == tuple(sorted(code(team["abbreviation"]) for team in on_bye))
        assert len(week.games) * 2 + len(on_bye) == 32


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        (CHEESE, {"in_progress": 7, "scheduled": 6, "final": 1}),
        (TEAMTRACKER, {"in_progress": 8, "scheduled": 6, "final": 2}),
        (PRECOG, {"in_progress": 8, "scheduled": 5, "final": 1}),
        (DASHBOARD, {"final": 14, "final_overtime": 1, "scheduled": 1}),
        (JFLYNN, {"final": 15, "final_overtime": 1}),
    ],
)
def test_status_counts_of_sources_md(name: str, counts: dict[str, int]) -> None:
    """Each capture has the statuses SOURCES.md counts (overtime finals apart)."""
    statuses = [game.status for game in parsed(name).games]
    assert {status: statuses.count(status) for status in set(statuses)} == counts


def matchup(week: Week, away: str, home: str) -> Game:
    """Return the week's game of two team codes."""
    return next(g for g in week.games if (g.away.team, g.home.team) == (away, home))


def test_overtime_finals() -> None:
    """DEN@WAS (2025 week 13) and KC@LAC (2021 week 15) are overtime finals with 5 periods."""
    for name, away, home in ((DASHBOARD, "DEN", "WAS"), (JFLYNN, "KC", "LAC")):
        game = matchup(parsed(name), away, home)
        assert game.status == "final_overtime"
        assert game.home.linescore is not None
        assert len(game.home.linescore) == 5


def test_red_zone_games_in_play() -> None:
    """The captures' red-zone games: LAC@CIN and PHI@NYJ (2021), PIT@CIN at 0:16 (2022)."""
    cheese = parsed(CHEESE)
    assert [(g.away.team, g.home.team) for g in cheese.games if g.red_zone] == [
        ("LAC", "CIN"),
        ("PHI", "NYJ"),
    ]
    pit = matchup(parsed(TEAMTRACKER), "PIT", "CIN")
    assert (pit.red_zone, pit.clock, pit.quarter) == (True, "00:16", 4)


def test_possession_missing_while_in_play() -> None:
    """In 2025 week 14 IND@JAX and PIT@BAL are in play in the red zone without possession."""
    week = parsed(PRECOG)
    for away, home in (("IND", "JAX"), ("PIT", "BAL")):
        game = matchup(week, away, home)
        assert (game.status, game.possession, game.red_zone) == ("in_progress", None, True)
        assert game.situation is not None
        assert (game.situation.text, game.situation.yard_line) == (None, None)


def test_covid_rescheduled_week() -> None:
    """2021 week 15's moved games kick off on the Monday and Tuesday they were played."""
    week = parsed(JFLYNN)
    moved = {
        ("LV", "CLE"): ("2021-12-20T17:00:00-05:00", "Mon"),
        ("WAS", "PHI"): ("2021-12-21T19:00:00-05:00", "Tue"),
        ("SEA", "LA"): ("2021-12-21T19:00:00-05:00", "Tue"),
    }
    for (away, home), (kickoff, day) in moved.items():
        game = matchup(week, away, home)
        assert (game.kickoff.isoformat(), game.day, game.status) == (kickoff, day, "final")


def test_scheduled_games_have_no_score_yet() -> None:
    """ESPN's "0" before kickoff is no score (the 4 pm games of 2022 week 1)."""
    scheduled = [g for g in parsed(TEAMTRACKER).games if g.status == "scheduled"]
    assert len(scheduled) == 6
    assert all(g.home.score is None and g.away.score is None for g in scheduled)


def test_summary_is_not_a_scoreboard() -> None:
    """The per-game summary endpoint's body is refused: it has no events."""
    with pytest.raises(UpstreamBadResponse, match="no 'events'"):
        parse_scoreboard((CAPTURES / SUMMARY).read_bytes(), fetched_at=FETCHED_AT)


def nflverse_ids() -> dict[str, tuple[str, int]]:
    """Return nflverse's games.csv as ESPN id -> (eid, gsis), where it maps one."""
    with (SHARED_DATA / "games.csv").open(newline="") as rows:
        return {
            row["espn"]: (row["old_game_id"], int(row["gsis"]))
            for row in csv.DictReader(rows)
            if row["espn"] and row["gsis"]
        }


@pytest.mark.parametrize(
    ("name", "mapped_games"),
    # nflverse's games.csv maps games up to 2025 week 13: none of week 14 yet.
    [(CHEESE, 14), (TEAMTRACKER, 16), (PRECOG, 0), (DASHBOARD, 16), (JFLYNN, 16)],
)
def test_games_the_history_knows_get_their_eid(name: str, mapped_games: int) -> None:
    """Read with the packaged history, each game nflverse maps is served under its eid and gsis."""
    known = nflverse_ids()
    body = (CAPTURES / name).read_bytes()
    week = parse_scoreboard(body, fetched_at=FETCHED_AT, ref=SCOREBOARDS[name], ids=known_ids)
    mapped = 0
    for game in week.games:
        espn_id = game.ids.espn or ""
        if espn_id in known:
            eid, gsis = known[espn_id]
            assert (game.id, game.gsis, game.ids.eid, game.ids.gsis) == (eid, gsis, eid, gsis)
            mapped += 1
        else:
            assert game.id == f"espn-{espn_id}"
    assert mapped == mapped_games


@pytest.mark.parametrize("name", sorted(SCOREBOARDS))
def test_the_partial_decode_reads_every_game_as_the_whole_tree_does(name: str) -> None:
    """The decoder that skips what the parser does not read loses nothing it does read."""
    ref = SCOREBOARDS[name]
    whole = [parse_event(event, ref=ref, ids=known_ids) for event in raw(name)["events"]]
    body = (CAPTURES / name).read_bytes()
    week = parse_scoreboard(body, fetched_at=FETCHED_AT, ref=ref, ids=known_ids)

    def by_espn_id(game: Game) -> str:
        return game.ids.espn or ""

    assert sorted(week.games, key=by_espn_id) == sorted(whole, key=by_espn_id)
