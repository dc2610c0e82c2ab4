"""The replay's ESPN scoreboard as pure rendering: the captures' shape, teams by era, the
calendar, the live day on the scorestrip feed's path, and the packaged ESPN ids."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from nflscores.domain.calendar import EASTERN
from nflscores.domain.weeks import WeekRef, find_week, weeks_of
from nflscores.replay import data
from nflscores.replay.data import GameRecord, game_by_espn_id, invented_espn_id
from nflscores.replay.espn import (
    event_json,
    final_week_scoreboard,
    games_on,
    week_scoreboard,
)
from nflscores.replay.espn_calendar import (
    calendar_json,
    espn_week,
    season_calendar,
    week_at,
    week_of_espn,
)
from nflscores.replay.espn_game import game_at, week_games
from nflscores.replay.espn_teams import espn_team
from nflscores.replay.feed import live_document
from nflscores.replay.live import final_after, week_lines
from nflscores.replay.plan import plan_game
from nflscores.replay.situation import game_snaps, situation_at

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CAPTURES = SHARED / "espn"
needs_captures = pytest.mark.skipif(
    not CAPTURES.is_dir(), reason="the real ESPN captures (../shared/data/espn) are absent"
)
#: Status names by scorestrip `q`, as the ESPN scoreboard must tell the same moment.
STATUS_OF_Q = {
    "P": {"STATUS_SCHEDULED"},
    "1": {"STATUS_IN_PROGRESS", "STATUS_END_PERIOD"},
    "2": {"STATUS_IN_PROGRESS"},
    "H": {"STATUS_HALFTIME"},
    "3": {"STATUS_IN_PROGRESS", "STATUS_END_PERIOD"},
    "4": {"STATUS_IN_PROGRESS", "STATUS_END_PERIOD"},
    "5": {"STATUS_IN_PROGRESS"},
    "F": {"STATUS_FINAL"},
    "FO": {"STATUS_FINAL"},
}


def week(season: int, season_type: str, number: int) -> WeekRef:
    """Return a week that exists."""
    ref = find_week(season, season_type, number)
    assert ref is not None
    return ref


def scoreboards() -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (file name, body) of every real scoreboard capture (not the summary)."""
    for path in sorted(CAPTURES.glob("*.json")):
        body = json.loads(path.read_bytes())
        if "events" in body:
            yield path.name, body


def capture(name: str) -> dict[str, Any]:
    """Return the real scoreboard capture whose file name starts with `name`."""
    return next(body for file, body in scoreboards() if file.startswith(name))


def final(ref: WeekRef, seed: int = 0) -> dict[str, Any]:
    """Return the replay's scoreboard of a week as it ended."""
    body: dict[str, Any] = json.loads(final_week_scoreboard(ref, seed))
    return body


def competitors(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return an event's competitors by homeAway."""
    return {c["homeAway"]: c for c in event["competitions"][0]["competitors"]}


def keys_within(mine: Any, real: Any, path: str = "") -> list[str]:
    """Return the paths of keys the replay writes that the real capture does not have."""
    if isinstance(mine, dict) and isinstance(real, dict):
        extra = [f"{path}.{key}" for key in mine if key not in real]
        for key in mine.keys() & real.keys():
            extra += keys_within(mine[key], real[key], f"{path}.{key}")
        return extra
    if isinstance(mine, list) and isinstance(real, list) and mine and real:
        return keys_within(mine[0], real[0], f"{path}[0]")
    return []


@needs_captures
def test_final_weeks_serve_the_captured_games_under_their_real_ids() -> None:
    """For each captured week in the data: the same event ids, dates, team ids and codes, and
    for every game final in the capture the same score, winner, status and period."""
    # nflverse lists this Saturday night game at 20:20; ESPN's scoreboard says 20:15.
    listed_elsewhere = {"401326540"}
    compared = 0
    for name, real in scoreboards():
        ref = week_of_espn(real["season"]["year"], real["season"]["type"], real["week"]["number"])
        assert ref is not None
        if not data.games_of(ref):
            continue  # 2025 week 14 was not played when nflverse's file was taken
        mine = {event["id"]: event for event in final(ref)["events"]}
        assert mine.keys() == {event["id"] for event in real["events"]}, name
        for event in real["events"]:
            replayed = mine[event["id"]]
            if event["id"] not in listed_elsewhere:
                assert replayed["date"] == event["date"]
            assert replayed["shortName"] == event["shortName"]
            ours, theirs = competitors(replayed), competitors(event)
            for side in ("home", "away"):
                assert ours[side]["team"]["id"] == theirs[side]["team"]["id"]
                assert ours[side]["team"]["abbreviation"] == theirs[side]["team"]["abbreviation"]
            if event["status"]["type"]["completed"]:
                compared += 1
                for side in ("home", "away"):
                    assert ours[side]["score"] == theirs[side]["score"]
                    assert ours[side]["winner"] == theirs[side]["winner"]
                status, real_status = replayed["status"], event["status"]
                assert status["period"] == real_status["period"]
                assert status["type"]["detail"] == real_status["type"]["detail"]
    assert compared >= 30


@needs_captures
def test_records_and_byes_match_the_captures() -> None:
    """Records after a final (2025 week 13, with an OT final) and a week's byes read as ESPN's."""
    real = capture("timlatona")
    mine = {event["id"]: event for event in final(week(2025, "REG", 13))["events"]}
    for event in real["events"]:
        if not event["status"]["type"]["completed"]:
            continue
        for side, theirs in competitors(event).items():
            ours = competitors(mine[event["id"]])[side]
            assert [r["summary"] for r in ours["records"]] == [
                r["summary"] for r in theirs["records"]
            ]
    byes = capture("cheese")["week"]["teamsOnBye"]
    replayed = final(week(2021, "REG", 13))["week"]["teamsOnBye"]
    assert sorted(t["id"] for t in replayed) == sorted(t["id"] for t in byes)
    assert "teamsOnBye" not in final(week(2021, "REG", 15))["week"]


@needs_captures
def test_every_field_written_exists_in_the_real_captures() -> None:
    """The replay writes no key ESPN's scoreboard does not have, at any level, live or final;
    and it writes every key the service reads. (The 2025 captures show today's format.)"""
    real, real_final = capture("mutantamoeba"), capture("timlatona")
    ref = week(2022, "REG", 1)
    games = data.games_of(ref)
    origin = min(game.kickoff for game in games)
    live: dict[str, Any] = json.loads(
        week_scoreboard(ref, week_games(games, 0, origin + timedelta(minutes=60)))
    )
    in_play = next(e for e in live["events"] if e["status"]["type"]["state"] == "in")
    real_in_play = next(e for e in real["events"] if e["status"]["type"]["state"] == "in")
    assert keys_within(in_play, real_in_play) == []
    assert keys_within(final(ref)["events"][0], real_final["events"][-1]) == []
    assert keys_within({k: v for k, v in live.items() if k != "events"}, real) == []
    competition = in_play["competitions"][0]
    assert {"id", "date", "season", "week", "status", "competitions"} <= in_play.keys()
    assert {"competitors", "situation", "status"} <= competition.keys()
    assert {"down", "distance", "yardLine", "possession", "isRedZone", "downDistanceText"} <= (
        competition["situation"].keys()
    )
    for competitor in competition["competitors"]:
        assert {"homeAway", "team", "score", "linescores", "records"} <= competitor.keys()


@pytest.mark.parametrize(
    ("code", "season", "abbreviation", "team_id", "display"),
    [
        ("STL", 2015, "STL", "14", "St. Louis Rams"),
        ("LA", 2016, "LAR", "14", "Los Angeles Rams"),
        ("SD", 2016, "SD", "24", "San Diego Chargers"),
        ("LAC", 2017, "LAC", "24", "Los Angeles Chargers"),
        ("OAK", 2019, "OAK", "13", "Oakland Raiders"),
        ("LV", 2020, "LV", "13", "Las Vegas Raiders"),
        ("JAC", 2015, "JAX", "30", "Jacksonville Jaguars"),
        ("WAS", 2019, "WSH", "28", "Washington Redskins"),
        ("WAS", 2021, "WSH", "28", "Washington"),
        ("WAS", 2022, "WSH", "28", "Washington Commanders"),
    ],
)
def test_team_codes_and_names_follow_espn_by_era(
    code: str, season: int, abbreviation: str, team_id: str, display: str
) -> None:
    """ESPN's code, id and name of a club in a season: one id per franchise across moves."""
    team = espn_team(code, season)
    assert (team.abbreviation, team.id, team.display_name) == (abbreviation, team_id, display)


def test_scoreboards_name_clubs_by_era_in_the_served_weeks() -> None:
    """The Rams are STL in 2015 and LAR in 2016 on the scoreboard, always team 14."""
    for season, code in ((2015, "STL"), (2016, "LAR")):
        events = final(week(season, "REG", 1))["events"]
        rams = [
            c["team"]
            for event in events
            for c in event["competitions"][0]["competitors"]
            if c["team"]["id"] == "14"
        ]
        assert [team["abbreviation"] for team in rams] == [code]


def test_week_numbers_map_both_ways_for_every_week() -> None:
    """Every week of 1999-2026 has one ESPN (season type, week) that names it back."""
    for season in range(1999, 2027):
        for ref in weeks_of(season):
            assert week_of_espn(season, *espn_week(ref)) == ref
    assert espn_week(week(2014, "PRE", 0)) == (1, 1)
    assert espn_week(week(2021, "POST", 19)) == (3, 1)
    assert espn_week(week(2015, "POST", 22)) == (3, 5)
    assert week_of_espn(2015, 2, 18) is None


def test_calendar_weeks_are_in_order_and_hold_their_games() -> None:
    """Each season's weeks follow each other minute to minute; every game of 1999-2025 except
    the COVID reschedules falls in its own week's span."""
    outside = []
    for season in data.seasons():
        weeks = season_calendar(season)
        for before, after in pairwise(weeks):
            assert after.start - before.end == timedelta(minutes=1)
        spans = {week.ref: week for week in weeks}
        for ref in weeks_of(season):
            for game in data.games_of(ref):
                if not spans[ref].holds(game.kickoff):
                    outside.append(game.eid)
    assert {eid[:4] for eid in outside} <= {"2020"}
    assert len(outside) <= 3


@needs_captures
@pytest.mark.parametrize("name", ["vasqued2", "timlatona"])
def test_calendar_matches_espn_for_the_regular_season(name: str) -> None:
    """Weeks 2-17 of the 2022 and 2025 regular seasons start and end when ESPN's do."""
    real = capture(name)
    season = real["season"]["year"]
    regular = next(part for part in real["leagues"][0]["calendar"] if part["value"] == "2")
    mine = next(part for part in calendar_json(season) if part["value"] == "2")
    assert [e["value"] for e in mine["entries"]] == [e["value"] for e in regular["entries"]]
    for ours, theirs in list(zip(mine["entries"], regular["entries"], strict=True))[1:17]:
        assert (ours["startDate"], ours["endDate"], ours["label"]) == (
            theirs["startDate"],
            theirs["endDate"],
            theirs["label"],
        )


def test_calendar_lists_season_types_with_the_values_espn_uses() -> None:
    """2015 lists preseason 1-5, regular 1-17, postseason 1-5 and an off season; 2020 none."""
    parts = {part["value"]: part for part in calendar_json(2015)}
    assert [e["value"] for e in parts["1"]["entries"]] == ["1", "2", "3", "4", "5"]
    assert [e["value"] for e in parts["2"]["entries"]] == [str(n) for n in range(1, 18)]
    assert [e["label"] for e in parts["3"]["entries"]][0::4] == ["Wild Card", "Super Bowl"]
    assert parts["4"]["label"] == "Off Season"
    assert "1" not in {part["value"] for part in calendar_json(2020)}
    assert week_at(datetime(2015, 11, 29, 18, tzinfo=UTC)) == week(2015, "REG", 12)
    assert week_at(datetime(2016, 6, 1, tzinfo=UTC)) is None


def test_espn_ids_are_packaged_for_the_games_nflverse_maps() -> None:
    """Every REG and POST game has its ESPN id but the 14 nflverse gives to another game;
    preseason games and those get the invented id; the lookup finds both kinds."""
    games = data.all_games()
    season_games = [g for g in games if g.game_type != "PRE"]
    missing = [g.eid for g in season_games if g.espn is None]
    assert len(missing) == 14
    assert {eid[:4] for eid in missing} <= {str(year) for year in range(2000, 2011)}
    assert len({g.espn for g in games if g.espn}) == len(season_games) - 14
    assert all(g.espn is None for g in games if g.game_type == "PRE")
    hall_of_fame = next(g for g in games if g.eid == "2014080300")
    assert hall_of_fame.espn_id == invented_espn_id("2014080300") == "92014080300"
    assert game_by_espn_id("92014080300") == hall_of_fame
    assert game_by_espn_id("400000000") is None


@needs_captures
def test_captured_espn_ids_name_the_same_games_in_the_packaged_data() -> None:
    """Every captured event the data holds maps by ESPN id to its eid, teams and kickoff."""
    found = 0
    for _, real in scoreboards():
        for event in real["events"]:
            record = game_by_espn_id(event["id"])
            if record is None:
                continue
            found += 1
            sides = competitors(event)
            season = record.season
            assert espn_team(record.home, season).id == sides["home"]["team"]["id"]
            assert espn_team(record.away, season).id == sides["away"]["team"]["id"]
            assert record.kickoff.date() == game_day(event["date"])
    assert found >= 60


def game_day(utc: str) -> date:
    """Return the US/Eastern date of an ESPN `date`."""
    return datetime.strptime(utc, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC).astimezone(EASTERN).date()


def live_moments(ref: WeekRef, seed: int) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """Yield (ss.xml, ESPN scoreboard) of a live week at the same virtual minute, minute by
    minute while any game runs."""
    games = data.games_of(ref)
    origin = min(game.kickoff for game in games)
    last = max(
        (g.kickoff - origin).total_seconds() / 60 + final_after(plan_game(g, seed)) for g in games
    )
    for minute in range(-2, int(last) + 2):
        now = origin + timedelta(minutes=minute)
        lines = week_lines(games, seed, now)
        if not any(line.in_play or line.q == "H" for line in lines) and minute % 60:
            continue
        espn = json.loads(week_scoreboard(ref, week_games(games, seed, now)))
        yield live_document(ref, lines, game_day=True), espn


def feed_games(body: bytes) -> dict[str, dict[str, str]]:
    """Return the <g> attributes of a feed by eid."""
    return {
        str(g.get("eid")): {str(k): str(v) for k, v in g.attrib.items()}
        for g in etree.fromstring(body).iter("g")
    }


@pytest.mark.slow
@pytest.mark.parametrize("ref", [week(2015, "REG", 12), week(2021, "REG", 15)], ids=str)
def test_live_day_in_espn_shape_tells_the_scorestrip_feeds_moment(ref: WeekRef) -> None:
    """At every virtual minute the ESPN scoreboard has ss.xml's scores, status, quarter, clock,
    team with the ball and red zone; its line scores add up to the score and its situation
    is a plausible down, distance and spot on the right side of the 20."""
    records = {g.espn_id: g for g in data.games_of(ref)}
    seen: set[str] = set()
    for xml, espn in live_moments(ref, seed=5):
        feed = feed_games(xml)
        for event in espn["events"]:
            record = records[event["id"]]
            g = feed[record.eid]
            status, sides = event["status"], competitors(event)
            seen.add(status["type"]["name"])
            assert status["type"]["name"] in STATUS_OF_Q[g["q"]]
            assert (sides["home"]["score"], sides["away"]["score"]) == (g["hs"], g["vs"])
            for side in sides.values():
                points = [int(p["value"]) for p in side.get("linescores", [])]
                assert sum(points) == int(side["score"])
            situation = event["competitions"][0].get("situation")
            if g["q"] in {"1", "2", "3", "4", "5"}:
                minutes, seconds = g["k"].split(":")
                assert status["displayClock"] == f"{int(minutes)}:{seconds}"
                assert status["period"] == int(g["q"])
                assert situation is not None
                holder = (
                    record.home
                    if sides["home"]["team"]["id"] == situation["possession"]
                    else record.away
                )
                assert espn_team(holder, record.season).id == situation["possession"]
                assert holder == g["p"]
                assert situation["isRedZone"] == (g["rz"] == "1")
                assert 1 <= situation["down"] <= 4
                assert 1 <= situation["distance"] <= 99
                assert 0 <= situation["homeTimeouts"] <= 3
                assert 0 <= situation["awayTimeouts"] <= 3
                at_home = holder == record.home
                to_goal = 100 - situation["yardLine"] if at_home else situation["yardLine"]
                assert (to_goal <= 20) == situation["isRedZone"]
            else:
                assert situation is None
    assert {"STATUS_SCHEDULED", "STATUS_IN_PROGRESS", "STATUS_HALFTIME", "STATUS_FINAL"} <= seen


def test_live_day_is_a_pure_function_of_week_seed_and_minute() -> None:
    """Recomputed with a cold cache the scoreboard agrees; another seed tells another story
    with the same finals."""
    ref = week(2015, "REG", 12)
    games = data.games_of(ref)
    origin = min(game.kickoff for game in games)
    moments = [origin + timedelta(minutes=m) for m in (-10, 30, 95, 140, 4400)]
    first = [week_scoreboard(ref, week_games(games, 7, t)) for t in moments]
    plan_game.cache_clear()
    game_snaps.cache_clear()
    again = [week_scoreboard(ref, week_games(games, 7, t)) for t in moments]
    other = [week_scoreboard(ref, week_games(games, 8, t)) for t in moments]
    assert first == again
    assert first != other
    finals = [json.loads(final_week_scoreboard(ref, seed)) for seed in (7, 8)]
    assert [
        [c["score"] for e in f["events"] for c in e["competitions"][0]["competitors"]]
        for f in finals
    ] == [
        [c["score"] for e in finals[0]["events"] for c in e["competitions"][0]["competitors"]]
    ] * 2


def played(predicate: str) -> GameRecord:
    """Return the first played game matching a named condition."""
    conditions: dict[str, Callable[[GameRecord], bool]] = {
        "regular": lambda g: g.played and not g.overtime,
        "overtime": lambda g: g.played and g.overtime and g.home_score != g.away_score,
    }
    return next(g for g in data.all_games() if conditions[predicate](g))


def test_statuses_at_the_breaks_halftime_and_finals() -> None:
    """End of the 1st quarter, halftime, a final, overtime in play and Final/OT read as ESPN's."""
    regular, overtime = played("regular"), played("overtime")

    def status(record: GameRecord, minute: float) -> dict[str, Any]:
        body: dict[str, Any] = event_json(game_at(record, 0, minute))["status"]
        return body

    end_of_first = status(regular, 44.999)
    assert (end_of_first["type"]["name"], end_of_first["type"]["detail"]) == (
        "STATUS_END_PERIOD",
        "End of 1st Quarter",
    )
    assert status(regular, 100)["type"]["name"] == "STATUS_HALFTIME"
    assert status(regular, -1)["period"] == 0
    done = status(regular, 10_000)
    assert (done["type"]["name"], done["type"]["detail"], done["period"]) == (
        "STATUS_FINAL",
        "Final",
        4,
    )
    in_overtime = status(overtime, 60 * 3 + 15 + 3)
    assert (in_overtime["period"], in_overtime["type"]["shortDetail"][-2:]) == (5, "OT")
    done_ot = status(overtime, 10_000)
    assert (done_ot["period"], done_ot["type"]["detail"]) == (5, "Final/OT")
    event = event_json(game_at(overtime, 0, 10_000))
    assert [len(c["linescores"]) for c in event["competitions"][0]["competitors"]] == [5, 5]


def test_situation_follows_the_drive_and_the_red_zone_of_the_plan() -> None:
    """Over a whole game the situation's team is the drive's and inside-the-20 is the plan's
    red zone; downs run 1-4 and reset on a new drive."""
    record = played("regular")
    plan = plan_game(record, 2)
    minute = 0.0
    while minute < plan.length:
        situation = situation_at(record, 2, minute)
        assert situation is not None
        drive = next(d for d in reversed(plan.drives) if d.start <= minute)
        assert situation.team == drive.team
        red = drive.red_zone_from is not None and minute >= drive.red_zone_from
        assert situation.red_zone == red
        assert 1 <= situation.down <= 4
        minute += 0.1


def test_a_day_lists_its_games_under_their_week() -> None:
    """Thanksgiving 2015 has the three Thursday games of week 12."""
    day = datetime(2015, 11, 26).date()
    assert {g.eid for g in games_on(day)} == {"2015112600", "2015112601", "2015112602"}
    assert {g.week for g in games_on(day)} == {12}


@pytest.mark.skipif(
    not (SHARED / "games.csv").is_file(), reason="nflverse's games.csv (../shared/data) is absent"
)
def test_packaged_espn_ids_are_nflverses_but_the_ones_spelling_another_game() -> None:
    """Each game of nflverse's games.csv carries its `espn` id in the packaged data, except the
    14 whose id spells another game's date or home club."""
    games = {g.eid: g for g in data.all_games()}
    with (SHARED / "games.csv").open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["gsis"]]
    differing = [
        row["old_game_id"] for row in rows if games[row["old_game_id"]].espn != row["espn"]
    ]
    assert len(rows) > 7000
    assert len(differing) == 14
    assert all(games[eid].espn is None for eid in differing)
