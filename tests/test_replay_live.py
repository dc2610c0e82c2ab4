"""The live game day: a pure function of (week, seed, virtual time) that ends on real finals."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from lxml import etree

from nflscores.domain.weeks import WeekRef, find_week
from nflscores.replay import data
from nflscores.replay.clock import ReplayClock
from nflscores.replay.data import GameRecord
from nflscores.replay.feed import live_document
from nflscores.replay.live import final_after, line_at, week_lines
from nflscores.replay.plan import INCREMENTS, MIN_GAP_MIN, REGULATION_MIN, plan_game
from nflscores.sources.scorestrip import parse_scorestrip

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
#: Where each scorestrip `q` sits in a game's life; F and FO both end it.
PHASE = {"P": 0, "1": 1, "2": 2, "H": 3, "3": 4, "4": 5, "5": 6, "F": 7, "FO": 7}
STEPS = frozenset({0, *INCREMENTS})


def attributes(element: etree._Element) -> dict[str, str]:
    """Return an element's attributes as text."""
    return {str(name): str(value) for name, value in element.attrib.items()}


def week_of(record: GameRecord) -> WeekRef:
    """Return the week a game belongs to."""
    ref = find_week(record.season, record.season_type, record.week)
    assert ref is not None
    return ref


def first(predicate: str) -> WeekRef:
    """Return the week of the first game matching a named condition."""
    games = data.all_games()
    conditions = {
        "overtime tie": lambda g: g.overtime and g.home_score == g.away_score,
        "overtime won by 1": lambda g: (
            g.overtime and abs((g.home_score or 0) - (g.away_score or 0)) == 1
        ),
        "overtime in the postseason": lambda g: g.overtime and g.season_type == "POST",
    }
    return week_of(next(g for g in games if conditions[predicate](g)))


def minutes_in_play(games: tuple[GameRecord, ...], seed: int) -> list[int]:
    """Return every virtual minute, from the first kickoff, when some game is about to run."""
    origin = min(game.kickoff for game in games)
    minutes: set[int] = set()
    for game in games:
        start = int((game.kickoff - origin).total_seconds() // 60)
        end = start + int(final_after(plan_game(game, seed))) + 3
        minutes.update(range(start - 3, end))
    return sorted(minutes)


def replay_week(ref: WeekRef, seed: int) -> dict[str, list[dict[str, str]]]:
    """Step a live week every virtual minute; return each game's <g> attributes in order.

    Each document also goes through the project's parser, which must accept every one.
    """
    games = data.games_of(ref)
    origin = min(game.kickoff for game in games)
    seen: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for minute in minutes_in_play(games, seed):
        now = origin + timedelta(minutes=minute)
        body = live_document(ref, week_lines(games, seed, now), game_day=True)
        week = parse_scorestrip(body, fetched_at=FETCHED)
        assert (week.season, week.season_type, week.week) == (
            ref.season,
            ref.season_type,
            ref.week,
        )
        for element in etree.fromstring(body).iter("g"):
            seen[element.get("eid", "")].append(attributes(element))
    return seen


WEEKS = [
    find_week(2015, "REG", 12),
    find_week(2015, "REG", 4),
    first("overtime tie"),
    first("overtime won by 1"),
    first("overtime in the postseason"),
]


@pytest.mark.slow
@pytest.mark.parametrize("ref", WEEKS, ids=str)
def test_live_week_reaches_every_real_final_in_order(ref: WeekRef) -> None:
    """Stepping each virtual minute: statuses in order, scores only rise by football plays,
    `k`/`p` only in play, overtime only where it was real, and every real final reached."""
    records = {record.eid: record for record in data.games_of(ref)}
    for eid, states in replay_week(ref, seed=0).items():
        record = records[eid]
        quarters = [state["q"] for state in states]
        phases = [PHASE[q] for q in quarters]
        assert phases == sorted(phases), f"{eid} went backwards: {quarters}"
        assert quarters[0] == "P"
        assert quarters[-1] == ("FO" if record.overtime else "F")
        assert {"1", "2", "H", "3", "4"} <= set(quarters)
        assert ("5" in quarters) == record.overtime
        final = states[-1]
        assert (int(final["hs"]), int(final["vs"])) == (record.home_score, record.away_score)
        previous = (0, 0)
        for state in states:
            in_play = state["q"] in {"1", "2", "3", "4", "5"}
            assert ("k" in state, "p" in state) == (in_play, in_play)
            if in_play:
                assert state["p"] in {record.home, record.away}
                assert state["rz"] in {"0", "1"}
                assert "00:00" <= state["k"] <= "15:00"
            if state["q"] == "P":
                assert (state["hs"], state["vs"], state["rz"]) == ("0", "0", "0")
            score = (int(state["hs"]), int(state["vs"]))
            assert score[0] - previous[0] in STEPS
            assert score[1] - previous[1] in STEPS
            previous = score


@pytest.mark.slow
@pytest.mark.parametrize("ref", [first("overtime tie"), find_week(2015, "REG", 4)], ids=str)
def test_overtime_appears_exactly_where_the_real_game_had_it(ref: WeekRef) -> None:
    """A game goes to quarter 5 and ends FO if and only if the real one went to overtime."""
    records = {record.eid: record for record in data.games_of(ref)}
    assert any(record.overtime for record in records.values())
    for eid, states in replay_week(ref, seed=3).items():
        quarters = {state["q"] for state in states}
        assert ("5" in quarters) == records[eid].overtime
        assert ("FO" in quarters) == records[eid].overtime


def test_same_seed_gives_the_same_feed_at_the_same_minute() -> None:
    """The live feed is a pure function of (week, seed, virtual time): recomputed, it agrees."""
    ref = find_week(2015, "REG", 12)
    assert ref is not None
    games = data.games_of(ref)
    origin = min(game.kickoff for game in games)
    moments = [origin + timedelta(minutes=m) for m in (-10, 30, 95, 140, 4400, 4500)]
    first_run = [live_document(ref, week_lines(games, 7, t), game_day=True) for t in moments]
    plan_game.cache_clear()
    second_run = [live_document(ref, week_lines(games, 7, t), game_day=True) for t in moments]
    other_seed = [live_document(ref, week_lines(games, 8, t), game_day=True) for t in moments]
    assert first_run == second_run
    assert first_run != other_seed  # another seed tells another story...
    late = origin + timedelta(days=6)
    assert live_document(ref, week_lines(games, 7, late), game_day=False) == live_document(
        ref, week_lines(games, 8, late), game_day=False
    )  # ...to the same finals


@pytest.mark.slow
def test_every_played_game_has_a_plan_reaching_its_final() -> None:
    """For every game in the data, the plan's plays add up to the real score in valid steps,
    at least a minute apart, tied after regulation when the game went to overtime."""
    for record in data.all_games():
        plan = plan_game(record, 0)
        if not record.played:
            assert plan.plays == ()
            continue
        home = sum(play.points for play in plan.plays if play.team == "home")
        away = sum(play.points for play in plan.plays if play.team == "away")
        assert (home, away) == (record.home_score, record.away_score), record.eid
        assert all(play.points in INCREMENTS for play in plan.plays)
        times = [play.at for play in plan.plays]
        assert all(b - a >= MIN_GAP_MIN - 1e-9 for a, b in pairwise(times))
        assert plan.overtime == record.overtime
        if record.overtime:
            regulation = [play for play in plan.plays if play.at <= REGULATION_MIN]
            assert sum(p.points for p in regulation if p.team == "home") == sum(
                p.points for p in regulation if p.team == "away"
            ), record.eid


def test_game_timeline_has_quarters_halftime_and_a_running_clock() -> None:
    """45 virtual minutes a quarter, halftime from minute 90 to 105, final at 195."""
    record = next(g for g in data.all_games() if g.played and not g.overtime)
    plan = plan_game(record, 0)
    assert [line_at(record, plan, m).q for m in (-1, 0, 44.9, 45, 89.9, 90, 104.9, 105, 194.9)] == [
        "P",
        "1",
        "1",
        "2",
        "2",
        "H",
        "H",
        "3",
        "4",
    ]
    assert line_at(record, plan, 195).q == "F"
    assert (line_at(record, plan, 0).clock, line_at(record, plan, 22.5).clock) == ("15:00", "07:30")
    assert line_at(record, plan, 90).clock is None
    kickoff = line_at(record, plan, 0)
    assert (kickoff.home_score, kickoff.away_score) == (0, 0)


def test_game_without_a_result_never_kicks_off() -> None:
    """A listed game with no known result stays pregame at any moment: nothing is invented."""
    record = next(g for g in data.all_games() if not g.played)
    plan = plan_game(record, 0)
    assert {line_at(record, plan, m).q for m in (-5, 0, 100, 10_000)} == {"P"}


def test_clock_runs_at_its_speed_and_stands_when_frozen() -> None:
    """Virtual minutes advance `speed` times faster than real ones until frozen."""
    real = [1000.0]
    origin = datetime(2015, 11, 26, 12, 30, tzinfo=UTC)
    clock = ReplayClock(origin=origin, speed=60, minute=-5, monotonic=lambda: real[0])
    assert clock.minute() == -5
    real[0] += 30  # half a real minute at 60x is 30 virtual minutes
    assert clock.minute() == 25
    assert clock.now() == origin + timedelta(minutes=25)
    clock.set(100, frozen=True)
    real[0] += 600
    assert clock.minute() == 100
    clock.set(100)
    real[0] += 1
    assert clock.minute() == 101
