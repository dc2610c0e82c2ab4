"""GET /api/livescore on the real app and real Redis, events published as the poller does."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer

from nflscores import metrics
from nflscores.domain.encoding import loads
from nflscores.live.listener import Listener, State
from nflscores.settings import Settings
from nflscores.store import parse_event_id
from nflscores.web.app import create_app
from nflscores.web.appkeys import HUB, SETTINGS
from tests.live_support import (
    EVENT_STREAM,
    IN_PLAY_GAME,
    Publisher,
    SseReader,
    cin_score,
    live_body,
    open_stream,
)
from tests.support import Client, MakeClient, until
from tests.upstream import ScriptedUpstream


async def test_requests_not_asking_for_events_are_redirected_to_the_index(live: Client) -> None:
    """Without text/event-stream in Accept, /api/livescore is a 302 to /api/ (as in the talk)."""
    for accept in (None, "text/html", "*/*", "application/json, text/plain"):
        headers = {} if accept is None else {"Accept": accept}
        response = await live.get("/api/livescore", headers=headers, allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"] == "/api/"


async def test_stream_headers_and_first_bytes_are_exact(live: Client, publisher: Publisher) -> None:
    """docs/api.md headers, then `retry:` and an `update` with the snapshot, byte for byte."""
    body = live_body()
    event_id = await publisher.publish(body)
    response = await live.get(
        "/api/livescore", headers={"Accept": "text/html, text/event-stream;q=0.9"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    expected = (
        b"retry: 3000\n\nid: " + event_id.encode() + b"\nevent: update\ndata: " + body + b"\n\n"
    )
    async with asyncio.timeout(10):
        assert await response.content.readexactly(len(expected)) == expected
    response.close()


async def test_events_arrive_in_order_with_increasing_ids(
    live: Client, publisher: Publisher
) -> None:
    """Every published event reaches the client once, in order, ids strictly increasing."""
    await publisher.publish(live_body(cin=0))
    reader = await open_stream(live)
    assert cin_score((await reader.event()).data) == 0
    published = [await publisher.publish(live_body(cin=score)) for score in range(1, 11)]
    frames = await reader.events(10)
    assert [frame.id for frame in frames] == published
    assert [cin_score(frame.data) for frame in frames] == list(range(1, 11))
    keys = [key for frame in frames if (key := parse_event_id(frame.id or "")) is not None]
    assert len(keys) == len(frames)
    assert keys == sorted(keys)
    assert len(set(keys)) == 10


@pytest.mark.parametrize("how", ["header", "query"])
async def test_reconnect_with_last_event_id_gets_exactly_the_missed_events(
    live: Client, publisher: Publisher, how: str
) -> None:
    """Back with Last-Event-ID (or ?last_event_id=), a client gets what it missed, then more."""
    await publisher.publish(live_body(cin=0))
    reader = await open_stream(live)
    await reader.event()
    seen = await publisher.publish(live_body(cin=1))
    assert (await reader.event()).id == seen
    reader.response.close()
    missed = [await publisher.publish(live_body(cin=score)) for score in (2, 3, 4)]

    if how == "header":
        again = await open_stream(live, headers={"Last-Event-ID": seen})
    else:
        again = await open_stream(live, query=f"?last_event_id={seen}")
    frames = await again.events(3)
    assert [frame.id for frame in frames] == missed
    assert [cin_score(frame.data) for frame in frames] == [2, 3, 4]
    after = await publisher.publish(live_body(cin=5))
    assert (await again.event()).id == after


async def test_a_process_that_never_saw_the_id_replays_from_the_redis_history(
    live_settings: Settings, aiohttp_client: MakeClient, publisher: Publisher
) -> None:
    """A worker started after the events (a restart) replays the missed ones from the stream."""
    ids = [await publisher.publish(live_body(cin=score)) for score in range(6)]
    fresh = await aiohttp_client(create_app(live_settings))
    reader = await open_stream(fresh, headers={"Last-Event-ID": ids[2]})
    frames = await reader.events(3)
    assert [frame.id for frame in frames] == ids[3:]


@pytest.mark.parametrize("last_id", ["1-0", "not-an-id", "99999999999999-0"])
async def test_an_id_no_longer_held_gets_the_current_snapshot(
    live: Client, publisher: Publisher, last_id: str
) -> None:
    """An expired, unknown or malformed id is answered with the snapshot, id and all."""
    for score in range(3):
        newest = await publisher.publish(live_body(cin=score))
    reader = await open_stream(live, headers={"Last-Event-ID": last_id})
    snapshot = await reader.event()
    assert snapshot.id == newest
    assert cin_score(snapshot.data) == 2


async def test_team_filter_sends_only_those_teams_games(live: Client, publisher: Publisher) -> None:
    """?team=cin,KC sends each event with only the games those teams play."""
    await publisher.publish(live_body(cin=0))
    reader = await open_stream(live, query="?team=cin,KC")
    first = loads((await reader.event()).data)
    assert [game["id"] for game in first["games"]] == [IN_PLAY_GAME, "2014110901"]
    await publisher.publish(live_body(cin=7))
    update = loads((await reader.event()).data)
    assert [game["home"]["score"] for game in update["games"]] == [7, None]

    bad = await live.get("/api/livescore?team=N1", headers=EVENT_STREAM)
    assert bad.status == 400
    assert (await bad.json())["error"]["code"] == "bad_request"


async def quiet_stream(
    live_settings: Settings, aiohttp_client: MakeClient, publisher: Publisher
) -> SseReader:
    """Open a stream on an app that pings every 0.1 s; return it after its snapshot."""
    await publisher.publish(live_body())
    client = await aiohttp_client(
        create_app(dataclasses.replace(live_settings, sse_heartbeat_s=0.1))
    )
    reader = await open_stream(client)
    await reader.event()
    return reader


async def test_heartbeat_comments_keep_the_stream_alive(
    live_settings: Settings, aiohttp_client: MakeClient, publisher: Publisher
) -> None:
    """With nothing to send, `: ping` comments still arrive."""
    reader = await quiet_stream(live_settings, aiohttp_client, publisher)
    assert (await reader.frame()).raw == b": ping\n\n"
    assert (await reader.frame()).raw == b": ping\n\n"


async def test_a_failed_sweep_is_logged_and_the_heartbeats_go_on(
    live_settings: Settings,
    aiohttp_client: MakeClient,
    publisher: Publisher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One failure in the hub's sweep must not end it: every stream would go unpinged."""
    reader = await quiet_stream(live_settings, aiohttp_client, publisher)
    failed: list[Listener] = []
    heartbeat = Listener.heartbeat

    def fail_once(listener: Listener) -> None:
        if not failed:
            failed.append(listener)
            raise RuntimeError("a sweep's failure")
        heartbeat(listener)

    monkeypatch.setattr(Listener, "heartbeat", fail_once)
    with caplog.at_level(logging.ERROR, logger="nflscores.live.hub"):
        assert (await reader.frame()).raw == b": ping\n\n"
        assert (await reader.frame()).raw == b": ping\n\n"
    assert len(failed) == 1
    assert any("sweep failed" in record.message for record in caplog.records)


@pytest.mark.slow  # waits out real heartbeats
async def test_heartbeats_of_many_streams_are_spread_over_the_interval(
    live_settings: Settings, aiohttp_client: MakeClient, publisher: Publisher
) -> None:
    """Streams are pinged in phases: not all at one instant, each within one heartbeat."""
    await publisher.publish(live_body())
    heartbeat = 1.0  # two phases, 0.25 s apart, each visited every half heartbeat
    client = await aiohttp_client(
        create_app(dataclasses.replace(live_settings, sse_heartbeat_s=heartbeat))
    )
    readers = [await open_stream(client) for _ in range(4)]
    for reader in readers:
        await reader.event()
    loop = asyncio.get_running_loop()

    async def ping_times(reader: SseReader) -> list[float]:
        times = []
        for _ in range(2):
            assert (await reader.frame()).raw == b": ping\n\n"
            times.append(loop.time())
        return times

    pinged = await asyncio.gather(*(ping_times(reader) for reader in readers))
    firsts = sorted(times[0] for times in pinged)
    assert firsts[-1] - firsts[0] >= 0.15
    assert all(second - first <= heartbeat + 0.2 for first, second in pinged)


@pytest.mark.slow  # waits out real heartbeats
async def test_a_stream_that_events_keep_busy_gets_no_pings(
    live_settings: Settings, aiohttp_client: MakeClient, publisher: Publisher
) -> None:
    """An event is as good as a ping: pings come only after half a heartbeat of silence."""
    await publisher.publish(live_body(cin=0))
    client = await aiohttp_client(
        create_app(dataclasses.replace(live_settings, sse_heartbeat_s=1.0))
    )
    reader = await open_stream(client)
    await reader.event()
    for score in range(1, 16):  # an event every 0.1 s for 1.5 s: more than a heartbeat
        await publisher.publish(live_body(cin=score))
        await asyncio.sleep(0.1)
    frames = [await reader.frame() for _ in range(15)]
    assert all(frame.raw != b": ping\n\n" for frame in frames)
    assert (await reader.frame(within=1.5)).raw == b": ping\n\n"


async def test_live_events_refresh_the_week_api(
    live: Client, publisher: Publisher, scripted: ScriptedUpstream
) -> None:
    """GET of the live week answers the newest event's JSON, without asking the upstream."""
    await publisher.publish(live_body(cin=0))
    reader = await open_stream(live)
    await reader.event()
    body = live_body(cin=21)
    await publisher.publish(body)
    await reader.event()
    response = await live.get("/api/2014/10")
    assert response.status == 200
    assert await response.read() == body
    assert scripted.requests[("2014", "REG", "10")] == 0


async def test_a_client_that_leaves_is_dropped_at_once(live: Client, publisher: Publisher) -> None:
    """When a client disconnects, its stream is removed without waiting for a write."""
    await publisher.publish(live_body())
    hub = live.app[HUB]
    reader = await open_stream(live)
    await reader.event()
    assert len(hub.listeners) == 1
    reader.response.close()
    await until(lambda: not hub.listeners, within=5)


def awaiting(task: asyncio.Task[object]) -> list[str]:
    """Return the names down a task's chain of awaits: each coroutine, then what it awaits."""
    names: list[str] = []
    awaited: object = task.get_coro()
    while awaited is not None:
        code = getattr(awaited, "cr_code", None)
        names.append(type(awaited).__name__ if code is None else code.co_name)
        awaited = getattr(awaited, "cr_await", None)
    return names


async def test_an_idle_stream_waits_in_its_handler_on_a_bare_future(
    live: Client, publisher: Publisher
) -> None:
    """An idle stream's task holds the handler's frame and a future: no coroutine of the
    listener's (each would be held by every open stream); a queued event still goes out."""
    await publisher.publish(live_body(cin=0))
    reader = await open_stream(live)
    await reader.event()
    chains = [awaiting(task) for task in asyncio.all_tasks()]
    (chain,) = [chain for chain in chains if "livescore" in chain]
    # The handler is the innermost coroutine; what it awaits is the future itself (through
    # the future's iterator, C asyncio's FutureIter).
    assert chain[-2] == "livescore"
    assert chain[-1] in {"Future", "FutureIter"}
    after = await publisher.publish(live_body(cin=1))
    assert (await reader.event()).id == after


async def test_hub_fills_the_gap_after_its_subscription_drops(
    live: Client, publisher: Publisher, redis_url: str
) -> None:
    """Events published while the hub's Redis subscription is down still reach clients, once."""
    await publisher.publish(live_body(cin=0))
    reader = await open_stream(live)
    await reader.event()
    admin = aioredis.Redis.from_url(redis_url)
    try:
        assert await admin.client_kill_filter(_type="pubsub") >= 1
        during = [await publisher.publish(live_body(cin=score)) for score in (1, 2, 3)]
    finally:
        await admin.aclose()
    frames = await reader.events(3)
    assert [frame.id for frame in frames] == during
    after = await publisher.publish(live_body(cin=4))
    assert (await reader.event()).id == after


@pytest.mark.slow
async def test_stalled_client_neither_delays_others_nor_grows_and_is_dropped(
    live: Client, publisher: Publisher
) -> None:
    """A client reading nothing holds a bounded buffer, others get every event; it is cut off."""
    hub = live.app[HUB]
    settings = live.app[SETTINGS]
    await publisher.publish(live_body(cin=0))
    healthy = await open_stream(live)
    await healthy.event()
    dropped_before = metrics.SSE_DROPPED.labels(reason="slow")._value.get()

    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(stalled, (live.server.host, live.server.port))
    await loop.sock_sendall(
        stalled,
        b"GET /api/livescore HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n",
    )
    await until(lambda: len(hub.listeners) == 2)
    try:
        # 40 events of about 180 KB: more than the kernel buffers for a reader that never
        # reads, while the healthy client reads along.
        reading = asyncio.create_task(healthy.events(40, within=20))
        published = [
            await publisher.publish(live_body(cin=score, pad=12_000)) for score in range(1, 41)
        ]
        frames = await reading
        assert [frame.id for frame in frames] == published
        event_bytes = len(frames[-1].raw) + 16
        newest = parse_event_id(published[-1])
        assert newest is not None
        stuck = [listener for listener in hub.listeners if listener.last_key < newest]
        if stuck:  # not cut off yet: what it holds is bounded, whatever was published
            (listener,) = stuck
            limit = 64 * 1024 + (settings.sse_client_buffer + 1) * event_bytes
            assert listener.buffered_bytes <= limit
        await until(lambda: len(hub.listeners) == 1, within=10)
        assert metrics.SSE_DROPPED.labels(reason="slow")._value.get() == dropped_before + 1
        after = await publisher.publish(live_body(cin=99))
        assert (await healthy.event()).id == after
    finally:
        stalled.close()


async def test_shutdown_ends_every_stream_at_once_with_a_reconnect_hint(
    live_settings: Settings, publisher: Publisher
) -> None:
    """Closing the server ends open streams with `retry:` at once instead of waiting on them."""
    await publisher.publish(live_body())
    server = TestServer(create_app(live_settings))
    client: Client = TestClient(server)
    await client.start_server()
    readers = [await open_stream(client) for _ in range(3)]
    for reader in readers:
        await reader.event()
    closing = asyncio.create_task(server.close())
    try:
        for reader in readers:
            # aiohttp would otherwise wait 60 s (its shutdown timeout) for these streams.
            rest = await reader.rest(within=10)
            assert rest.startswith(b": reconnect\nretry: ")
            assert rest.endswith(b"\n\n")
            hint = int(rest.split(b"retry: ")[1].strip())
            assert 250 <= hint <= 1500
    finally:
        await closing
        await client.close()


async def test_shutdown_does_not_wait_on_a_stalled_client(
    live_settings: Settings, publisher: Publisher
) -> None:
    """A client too far behind to read the hint is cut at shutdown, not waited on."""
    await publisher.publish(live_body())
    patient = dataclasses.replace(live_settings, sse_write_timeout_s=60.0)
    server = TestServer(create_app(patient))
    await server.start_server()
    hub = server.app[HUB]
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_connect(stalled, (server.host, server.port))
        await loop.sock_sendall(
            stalled,
            b"GET /api/livescore HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n",
        )
        await until(lambda: len(hub.listeners) == 1)
        (listener,) = hub.listeners
        score = 0
        # Until events queue in the listener: its socket is past the high-water mark (64 KB)
        # and its task waits for it to drain.
        while listener.buffered_bytes < 256 * 1024:
            score += 1
            await publisher.publish(live_body(cin=score, pad=12_000))
            await asyncio.sleep(0.01)
        # With a 60 s write timeout, only cutting the client makes this quick.
        await asyncio.wait_for(server.close(), 10)
        assert listener.state is not State.LIVE
    finally:
        stalled.close()
        await server.close()
