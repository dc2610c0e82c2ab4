"""Delta events (`?events=games`): pure forms, then the real app on real Redis, byte for byte."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from nflscores.domain.encoding import dumps, encode_week, loads
from nflscores.domain.models import Week
from nflscores.domain.weeks import parse_week
from nflscores.live.diff import changed_games
from nflscores.live.events import LiveEvent
from nflscores.live.frames import http_chunk
from nflscores.settings import Settings
from nflscores.web.app import create_app
from tests.live_support import (
    EVENT_STREAM,
    IN_PLAY_GAME,
    Publisher,
    SseReader,
    live_body,
    live_week,
    open_stream,
)

Client = TestClient[Request, Application]
MakeClient = Callable[..., Awaitable[Client]]


def delta_bytes(event_id: str, body: bytes, *game_ids: str) -> bytes:
    """Return the exact `game` frame for those games of a published week body."""
    week: dict[str, Any] = loads(body)
    games = [game for game in week["games"] if game["id"] in game_ids]
    data = dumps({"season": week["season"], "slug": week["slug"], "games": games})
    return b"id: " + event_id.encode() + b"\nevent: game\ndata: " + data + b"\n\n"


def update_bytes(event_id: str, body: bytes) -> bytes:
    """Return the exact `update` frame of a published week body."""
    return b"id: " + event_id.encode() + b"\nevent: update\ndata: " + body + b"\n\n"


def week_11() -> Week:
    """Return the live games as another week's (week 11)."""
    week = live_week()
    return dataclasses.replace(week, ref=parse_week(week.season, "11"))


def other_week() -> bytes:
    """Return the live games as another week's snapshot (week 11)."""
    return encode_week(week_11())


def restamped(body: bytes) -> bytes:
    """Return the same games under a later updated_at: nothing a viewer sees changed."""
    week: dict[str, Any] = loads(body)
    week["updated_at"] = "2014-11-07T02:05:00Z"
    return dumps(week)


# Pure: what changed, and the wire forms.


def test_changed_games_lists_only_games_that_differ() -> None:
    """A score change lists that game alone; the same games list none."""
    before, after = live_week(cin=3), live_week(cin=10)
    assert [game.id for game in changed_games(before, after) or ()] == [IN_PLAY_GAME]
    assert changed_games(before, live_week(cin=3)) == ()


def test_changed_games_is_none_when_only_a_snapshot_tells() -> None:
    """Nothing before, another week, or a game gone: no delta (None)."""
    week = live_week()
    assert changed_games(None, week) is None
    assert changed_games(week, week_11()) is None
    assert changed_games(week, dataclasses.replace(week, games=week.games[1:])) is None
    # A game added is a delta: the client adds it.
    fewer = dataclasses.replace(week, games=week.games[1:])
    assert [game.id for game in changed_games(fewer, week) or ()] == [week.games[0].id]


def test_delta_form_is_the_changed_games_encoded_once() -> None:
    """A linked event's delta form is the exact `game` frame, built once for every client."""
    first = LiveEvent("1-0", live_body(cin=3))
    body = live_body(cin=10)
    event = LiveEvent("2-0", body)
    event.follow(first)
    wire = event.wire(frozenset(), chunked=False, delta=True)
    assert wire == delta_bytes("2-0", body, IN_PLAY_GAME)
    assert event.wire(frozenset(), chunked=False, delta=True) is wire
    assert event.wire(frozenset(), chunked=True, delta=True) == http_chunk(wire)
    # Snapshot clients get the whole week as before.
    assert event.wire(frozenset(), chunked=False) == update_bytes("2-0", body)


def test_delta_form_falls_back_to_the_snapshot_or_to_nothing() -> None:
    """Unlinked or another week: the snapshot; no change for the client's teams: no bytes."""
    body = live_body(cin=10)
    alone = LiveEvent("2-0", body)
    alone.follow(None)
    assert alone.wire(frozenset(), chunked=False, delta=True) == update_bytes("2-0", body)
    event = LiveEvent("2-0", body)
    event.follow(LiveEvent("1-0", live_body(cin=3)))
    assert event.wire(frozenset({"KC"}), chunked=True, delta=True) == b""
    cin_only = event.wire(frozenset({"CIN"}), chunked=False, delta=True)
    assert cin_only == delta_bytes("2-0", body, IN_PLAY_GAME)


# The real app.


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    """Return conftest's live tunables but the default client buffer (the delta tests' own)."""
    return dataclasses.replace(
        settings, sse_retry_ms=3000, sse_heartbeat_s=15.0, sse_write_timeout_s=2.0
    )


async def open_deltas(
    client: Client, *, query: str = "", headers: dict[str, str] | None = None
) -> SseReader:
    """Open the stream in delta mode and return a reader after the `retry:` frame."""
    return await open_stream(client, query="?events=games" + query, headers=headers)


async def test_delta_client_gets_the_snapshot_then_only_changed_games(
    live: Client, publisher: Publisher
) -> None:
    """?events=games: the `update` snapshot on connect, then `game` frames, exact bytes."""
    first = live_body(cin=3)
    first_id = await publisher.publish(first)
    reader = await open_deltas(live)
    assert (await reader.event()).raw == update_bytes(first_id, first)
    for score in (10, 17):
        body = live_body(cin=score)
        event_id = await publisher.publish(body)
        assert (await reader.event()).raw == delta_bytes(event_id, body, IN_PLAY_GAME)


async def test_snapshot_clients_beside_delta_clients_still_get_whole_weeks(
    live: Client, publisher: Publisher
) -> None:
    """Without ?events=games (or with ?events=update) every change is the whole week."""
    await publisher.publish(live_body(cin=3))
    readers = []
    for query in ("", "?events=update"):
        response = await live.get("/api/livescore" + query, headers=EVENT_STREAM)
        reader = SseReader(response)
        await reader.frame()
        await reader.event()
        readers.append(reader)
    deltas = await open_deltas(live)
    await deltas.event()
    body = live_body(cin=10)
    event_id = await publisher.publish(body)
    for reader in readers:
        assert (await reader.event()).raw == update_bytes(event_id, body)
    assert (await deltas.event()).raw == delta_bytes(event_id, body, IN_PLAY_GAME)


async def test_another_week_reaches_delta_clients_as_a_snapshot(
    live: Client, publisher: Publisher
) -> None:
    """When the live week changes, delta clients get the new week's whole `update`."""
    await publisher.publish(live_body())
    reader = await open_deltas(live)
    await reader.event()
    body = other_week()
    event_id = await publisher.publish(body)
    assert (await reader.event()).raw == update_bytes(event_id, body)


async def test_an_event_without_visible_changes_sends_delta_clients_nothing(
    live: Client, publisher: Publisher
) -> None:
    """Only updated_at moved: no frame; the next real change comes as the next frame."""
    body = live_body(cin=3)
    await publisher.publish(body)
    reader = await open_deltas(live)
    await reader.event()
    await publisher.publish(restamped(body))
    changed = live_body(cin=10)
    event_id = await publisher.publish(changed)
    assert (await reader.event()).raw == delta_bytes(event_id, changed, IN_PLAY_GAME)


async def test_team_filtered_delta_clients_get_only_their_games(
    live: Client, publisher: Publisher
) -> None:
    """?team=KC&events=games skips a CIN change; ?team=CIN gets it, filtered to CIN's game."""
    await publisher.publish(live_body(cin=3))
    kc = await open_deltas(live, query="&team=KC")
    cin = await open_deltas(live, query="&team=CIN")
    await kc.event()
    await cin.event()
    changed = live_body(cin=10)
    changed_id = await publisher.publish(changed)
    assert (await cin.event()).raw == delta_bytes(changed_id, changed, IN_PLAY_GAME)
    week = other_week()
    week_id = await publisher.publish(week)
    frame = await kc.event()
    assert frame.id == week_id
    assert frame.field("event") == "update"
    assert [game["id"] for game in loads(frame.data)["games"]] == ["2014110901"]


async def test_delta_client_reconnecting_gets_the_missed_deltas(
    live: Client, publisher: Publisher
) -> None:
    """Back with Last-Event-ID, a delta client gets each missed `game` frame, in order."""
    await publisher.publish(live_body(cin=0))
    reader = await open_deltas(live)
    await reader.event()
    seen = await publisher.publish(live_body(cin=1))
    assert (await reader.event()).id == seen
    reader.response.close()
    bodies = [live_body(cin=score) for score in (2, 3, 4)]
    missed = [await publisher.publish(body) for body in bodies]
    again = await open_deltas(live, headers={"Last-Event-ID": seen})
    frames = await again.events(3)
    assert [frame.raw for frame in frames] == [
        delta_bytes(event_id, body, IN_PLAY_GAME)
        for event_id, body in zip(missed, bodies, strict=True)
    ]


async def test_delta_replay_longer_than_the_snapshot_is_one_snapshot(
    live: Client, publisher: Publisher
) -> None:
    """When the missed deltas add up to more than the week, the client gets the week once."""
    seen = await publisher.publish(live_body(cin=0))
    for score in range(1, 21):
        newest_body = live_body(cin=score)
        newest = await publisher.publish(newest_body)
    reader = await open_deltas(live, headers={"Last-Event-ID": seen})
    assert (await reader.event()).raw == update_bytes(newest, newest_body)
    after = live_body(cin=30)
    after_id = await publisher.publish(after)
    assert (await reader.event()).raw == delta_bytes(after_id, after, IN_PLAY_GAME)


async def test_snapshot_client_replay_is_unchanged_by_delta_mode(
    live: Client, publisher: Publisher
) -> None:
    """A snapshot client's replay is still every missed whole week, even when long."""
    seen = await publisher.publish(live_body(cin=0))
    bodies = [live_body(cin=score) for score in range(1, 6)]
    ids = [await publisher.publish(body) for body in bodies]
    response = await live.get("/api/livescore", headers={**EVENT_STREAM, "Last-Event-ID": seen})
    reader = SseReader(response)
    await reader.frame()
    frames = await reader.events(5)
    assert [frame.raw for frame in frames] == [
        update_bytes(event_id, body) for event_id, body in zip(ids, bodies, strict=True)
    ]


async def test_a_fresh_process_replays_a_delta_client_from_the_history(
    live_settings: Settings, aiohttp_client: MakeClient, publisher: Publisher
) -> None:
    """A worker that never saw the id reads the Redis history; the newest snapshot is shorter."""
    bodies = [live_body(cin=score) for score in range(4)]
    ids = [await publisher.publish(body) for body in bodies]
    fresh = await aiohttp_client(create_app(live_settings))
    reader = await open_deltas(fresh, headers={"Last-Event-ID": ids[0]})
    assert (await reader.event()).raw == update_bytes(ids[-1], bodies[-1])


async def test_an_unknown_events_mode_is_a_json_400(live: Client) -> None:
    """?events=everything is a bad request, answered as JSON before any stream starts."""
    response = await live.get("/api/livescore?events=everything", headers=EVENT_STREAM)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "bad_request"
    assert "events" in error["message"]
