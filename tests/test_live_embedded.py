"""The embedded default: no Redis configured, one process polls, stores and streams everything."""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess

import pytest

from nflscores.settings import Settings
from nflscores.store import MemoryBackend
from nflscores.web.app import create_app
from nflscores.web.appkeys import BACKEND, HUB
from tests.live_support import EVENT_STREAM, LiveFeedServer, SseReader, cin_score, live_xml
from tests.support import Client, MakeClient, MakeServer, nflscores_command, until


@pytest.fixture
async def embedded(
    feed: LiveFeedServer, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> Client:
    """Return a client of the app configured without Redis, polling the scripted feed."""
    upstream = await aiohttp_server(feed.app())
    settings = Settings(
        upstream_url=str(upstream.make_url("")).rstrip("/"),
        upstream_retries=0,
        poll_live_interval_s=0.05,
        poll_idle_interval_s=0.05,
    )
    return await aiohttp_client(create_app(settings))


async def open_stream(client: Client, *, last_event_id: str | None = None) -> SseReader:
    """Open the live stream; return a reader past its `retry:` frame."""
    headers = dict(EVENT_STREAM)
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    response = await client.get("/api/livescore", headers=headers)
    assert response.status == 200
    reader = SseReader(response)
    assert (await reader.frame()).raw == b"retry: 3000\n\n"
    return reader


async def test_one_process_polls_and_streams_on_the_in_process_store(
    embedded: Client, feed: LiveFeedServer
) -> None:
    """Without Redis the app polls by itself: a feed change reaches the stream and the week API."""
    assert isinstance(embedded.app[BACKEND], MemoryBackend)
    reader = await open_stream(embedded)
    assert cin_score((await reader.event()).data) == 3
    feed.body = live_xml(cin=9)
    update = await reader.event()
    assert cin_score(update.data) == 9
    week = await embedded.get("/api/2014/10")
    assert week.status == 200
    assert await week.read() == update.data


async def test_reconnect_replays_the_in_process_history(
    embedded: Client, feed: LiveFeedServer
) -> None:
    """Last-Event-ID replays exactly the missed events from the in-process history too."""
    reader = await open_stream(embedded)
    await reader.event()
    feed.body = live_xml(cin=5)
    seen = await reader.event()
    reader.response.close()
    hub = embedded.app[HUB]

    def latest_score_is(wanted: int) -> bool:
        return hub.latest is not None and cin_score(hub.latest.body) == wanted

    for score in (6, 8):
        feed.body = live_xml(cin=score)
        await until(functools.partial(latest_score_is, score))
    again = await open_stream(embedded, last_event_id=seen.id)
    assert [cin_score(frame.data) for frame in await again.events(2)] == [6, 8]


async def test_an_upstream_outage_is_survived_in_process(
    embedded: Client, feed: LiveFeedServer
) -> None:
    """While the feed fails the stream stays open; the next change after it recovers arrives."""
    reader = await open_stream(embedded)
    await reader.event()
    feed.failing = True
    await feed.served_again(times=3)
    feed.failing = False
    feed.body = live_xml(cin=17)
    assert cin_score((await reader.event()).data) == 17


@pytest.mark.slow
async def test_poll_command_refuses_to_run_without_redis() -> None:
    """`nflscores poll` with no NFLSCORES_REDIS_URL says why and exits 2 instead of polling."""
    env = {name: value for name, value in os.environ.items() if name != "NFLSCORES_REDIS_URL"}
    result = await asyncio.to_thread(
        subprocess.run,
        nflscores_command("poll"),
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert b"NFLSCORES_REDIS_URL is not set" in result.stderr
