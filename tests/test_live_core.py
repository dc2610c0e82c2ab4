"""The pure core of live scores: change detection, poll intervals, the SSE wire format, filters."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from nflscores.domain.encoding import decode_week, loads
from nflscores.domain.errors import BadRequest
from nflscores.live.diff import diff_weeks
from nflscores.live.events import BadEvent, LiveEvent
from nflscores.live.filters import only_teams, parse_teams
from nflscores.live.frames import event_frame, http_chunk, reconnect_frame, retry_frame
from nflscores.live.poller import poll_interval
from nflscores.sources.scorestrip import parse_scorestrip
from tests.feeds import final_week
from tests.live_support import IN_PLAY_GAME, live_body, live_week

LIVE_S = 5.0
IDLE_S = 60.0


def test_first_copy_is_a_new_week() -> None:
    """With nothing published yet, the first copy of the week is worth publishing."""
    diff = diff_weeks(None, live_week())
    assert diff.changed
    assert diff.new_week


def test_same_games_fetched_later_is_no_change() -> None:
    """A copy that differs only in when it was fetched is not a change."""
    before = live_week()
    after = dataclasses.replace(before, updated_at=before.updated_at + timedelta(seconds=5))
    assert not diff_weeks(before, after).changed


def test_each_watched_field_is_reported_per_game() -> None:
    """Score and clock changes name the game and exactly the fields that moved."""
    diff = diff_weeks(live_week(), live_week(cin=10, clock="00:31"))
    assert not diff.new_week
    assert len(diff.games) == 1
    assert diff.games[0].game_id == IN_PLAY_GAME
    assert diff.games[0].fields == ("clock", "home_score")
    assert diff.summary() == f"{IN_PLAY_GAME}: clock,home_score"


def test_status_possession_and_red_zone_are_changes() -> None:
    """Halftime, a change of possession and the red zone each make a change."""
    week = live_week()
    game = week.games[0]
    moved = dataclasses.replace(game, possession="CLE", red_zone=True)
    halftime = dataclasses.replace(game, status="halftime", quarter=None, clock=None)
    for changed, fields in (
        (moved, ("possession", "red_zone")),
        (halftime, ("status", "quarter", "clock")),
    ):
        after = dataclasses.replace(week, games=(changed, *week.games[1:]))
        assert diff_weeks(week, after).games[0].fields == fields


def test_another_week_or_other_games_are_changes() -> None:
    """A feed that moved to another week, or lists other games, is a change."""
    week = live_week()
    hof = parse_scorestrip(final_week(2014, "PRE", 0), fetched_at=week.updated_at)
    assert diff_weeks(week, hof).new_week
    fewer = dataclasses.replace(week, games=week.games[1:])
    assert [change.fields for change in diff_weeks(week, fewer).games] == [("removed",)]
    assert [change.fields for change in diff_weeks(fewer, week).games] == [("added",)]


def test_poll_interval_adapts_to_the_week() -> None:
    """Seconds while a game is in play, up to the idle interval otherwise, never past a kickoff."""
    live = live_week()
    now = datetime(2014, 11, 7, 2, 0, tzinfo=UTC)
    assert poll_interval(live, now, live_s=LIVE_S, idle_s=IDLE_S) == LIVE_S
    scheduled = dataclasses.replace(
        live, games=tuple(game for game in live.games if game.status == "scheduled")
    )
    first_kickoff = min(game.kickoff for game in scheduled.games)
    long_before = first_kickoff - timedelta(hours=3)
    assert poll_interval(scheduled, long_before, live_s=LIVE_S, idle_s=IDLE_S) == IDLE_S
    just_before = first_kickoff - timedelta(seconds=20)
    assert poll_interval(scheduled, just_before, live_s=LIVE_S, idle_s=IDLE_S) == 20
    after_kickoff = first_kickoff + timedelta(minutes=1)
    assert poll_interval(scheduled, after_kickoff, live_s=LIVE_S, idle_s=IDLE_S) == LIVE_S
    final = dataclasses.replace(
        live,
        games=tuple(dataclasses.replace(game, status="final") for game in live.games),
    )
    assert poll_interval(final, now, live_s=LIVE_S, idle_s=IDLE_S) == IDLE_S


def test_event_frame_bytes() -> None:
    """An event is `id`, `event: update` and one `data` line, ended by a blank line."""
    assert event_frame("1-0", b'{"a":1}') == b'id: 1-0\nevent: update\ndata: {"a":1}\n\n'
    assert event_frame("2-5", b"one\ntwo") == b"id: 2-5\nevent: update\ndata: one\ndata: two\n\n"
    assert retry_frame(3000) == b"retry: 3000\n\n"
    assert reconnect_frame(500) == b": reconnect\nretry: 500\n\n"


def test_http_chunk_frames_a_frame() -> None:
    """A chunk is the length in hex, CRLF, the bytes, CRLF."""
    assert http_chunk(b": ping\n\n") == b"8\r\n: ping\n\n\r\n"
    assert http_chunk(b"x" * 255) == b"ff\r\n" + b"x" * 255 + b"\r\n"


def test_team_filter_parses_codes() -> None:
    """?team= takes comma-separated codes in any case and rejects anything else."""
    assert parse_teams("NE,kc, SEA") == frozenset({"NE", "KC", "SEA"})
    assert parse_teams("") == frozenset()
    for bad in ("N", "NEWE", "N1", "NE;KC", ",".join(["NE"] * 41)):
        with pytest.raises(BadRequest):
            parse_teams(bad)


def test_team_filter_keeps_games_of_either_side() -> None:
    """Only games where a listed team plays at home or away remain."""
    week = live_week()
    kept = only_teams(week, frozenset({"CLE", "KC"}))
    assert [game.id for game in kept.games] == ["2014110600", "2014110901"]
    assert only_teams(week, frozenset()) is week


def test_live_event_encodes_each_wire_form_once() -> None:
    """An event builds each (filter, framing) form once and reuses the same bytes."""
    body = live_body()
    event = LiveEvent("5-1", body)
    plain = event.wire(frozenset(), False)
    assert plain == event_frame("5-1", body)
    assert event.wire(frozenset(), False) is plain
    assert event.wire(frozenset(), True) == http_chunk(plain)
    filtered = event.wire(frozenset({"CIN"}), False)
    data = loads(filtered.split(b"data: ", 1)[1].rstrip(b"\n"))
    assert [game["id"] for game in data["games"]] == [IN_PLAY_GAME]
    assert decode_week(event.body).games == live_week().games


def test_live_event_refuses_what_is_not_an_event() -> None:
    """A bad id or a body that is not a week raises BadEvent, not something else."""
    with pytest.raises(BadEvent):
        LiveEvent("nope", live_body())
    with pytest.raises(BadEvent):
        LiveEvent("1-0", b"{}")
    with pytest.raises(BadEvent):
        LiveEvent.from_message(b"no newline here")
