"""Live scores across real processes: pollers, app processes and restarts, on one real Redis."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from nflscores.cache.entries import WeekCache
from nflscores.domain.encoding import loads
from nflscores.domain.errors import CacheUnavailable
from nflscores.live.poller import Poller
from nflscores.live.tasks import cancel_and_wait
from nflscores.settings import Settings
from nflscores.sources.base import open_source
from nflscores.store import RedisBackend, keys
from nflscores.web.app import create_app
from tests.live_support import (
    EVENT_STREAM,
    LiveFeedServer,
    Publisher,
    SseReader,
    cin_score,
    live_body,
    live_history,
    live_xml,
)
from tests.support import (
    MakeClient,
    MakeServer,
    free_port,
    nflscores_command,
    redis_server_argv,
    running,
    until,
)

pytestmark = pytest.mark.slow


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP client session for the test's streams."""
    async with aiohttp.ClientSession() as session:
        yield session


def app_env(redis_url: str) -> dict[str, str]:
    """Return the environment of an app process on the test Redis."""
    return {
        "NFLSCORES_REDIS_URL": redis_url,
        # The stream never asks the upstream; nothing listens here.
        "NFLSCORES_UPSTREAM_URL": f"http://127.0.0.1:{free_port()}",
        "NFLSCORES_LOG_LEVEL": "WARNING",
    }


async def open_stream(
    session: aiohttp.ClientSession, port: int, *, last_event_id: str | None = None
) -> SseReader:
    """Open the live stream of the app on port; return a reader past its `retry:` frame."""
    headers = dict(EVENT_STREAM)
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    response = await session.get(f"http://127.0.0.1:{port}/api/livescore", headers=headers)
    assert response.status == 200
    reader = SseReader(response)
    assert (await reader.frame()).raw.startswith(b"retry: ")
    return reader


async def stream_scores(backend: RedisBackend) -> list[int | None]:
    """Return CIN's score in every event of the history, oldest first."""
    return [cin_score(body) for _, body in await live_history(backend)]


async def test_two_pollers_publish_each_change_once_and_one_takes_over_when_killed(
    aiohttp_server: MakeServer, redis_url: str, backend: RedisBackend, tmp_path: Path
) -> None:
    """Two `nflscores poll` processes: every change once; kill -9 the holder, the other goes on."""
    feed = LiveFeedServer()
    upstream = await aiohttp_server(feed.app())
    env = {
        "NFLSCORES_REDIS_URL": redis_url,
        "NFLSCORES_UPSTREAM_URL": str(upstream.make_url("")).rstrip("/"),
        "NFLSCORES_POLL_LIVE_INTERVAL_S": "0.05",
        "NFLSCORES_POLL_IDLE_INTERVAL_S": "0.05",
    }
    poll = nflscores_command("poll", "--lease-ttl", "1")
    with (
        running(poll, env=env, log=tmp_path / "poller-a.log") as first,
        running(poll, env=env, log=tmp_path / "poller-b.log") as second,
    ):

        async def published(count: int) -> bool:
            return len(await stream_scores(backend)) >= count

        await until(lambda: published(1))
        for count, score in enumerate((7, 14), start=2):
            feed.body = live_xml(cin=score)
            await until(functools.partial(published, count))
        await feed.served_again(times=10)
        assert await stream_scores(backend) == [3, 7, 14]

        holder = (await backend.get(keys.POLLER_LEASE) or b"").decode()
        holder_pid = int(holder.split(":")[1])
        assert holder_pid in (first.pid, second.pid)
        survivor = second if holder_pid == first.pid else first
        os.kill(holder_pid, signal.SIGKILL)
        feed.body = live_xml(cin=21)
        await until(lambda: published(4))
        await feed.served_again(times=10)
        assert await stream_scores(backend) == [3, 7, 14, 21]
        assert survivor.poll() is None
        lease = (await backend.get(keys.POLLER_LEASE) or b"").decode()
        assert lease.split(":")[1] == str(survivor.pid)


async def test_two_app_processes_on_one_redis_both_deliver_every_event(
    redis_url: str, backend: RedisBackend, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """Each worker process holds its own subscription and delivers every event, in order."""
    publisher = Publisher(backend)
    first_id = await publisher.publish(live_body(cin=0))
    ports = [free_port(), free_port()]
    with (
        running(
            nflscores_command("serve", "--port", str(ports[0])),
            port=ports[0],
            env=app_env(redis_url),
            log=tmp_path / "app-1.log",
        ),
        running(
            nflscores_command("serve", "--port", str(ports[1])),
            port=ports[1],
            env=app_env(redis_url),
            log=tmp_path / "app-2.log",
        ),
    ):
        readers = [await open_stream(session, port) for port in ports]
        for reader in readers:
            assert (await reader.event()).id == first_id
        ids = [await publisher.publish(live_body(cin=score)) for score in range(1, 21)]
        for reader in readers:
            frames = await reader.events(20)
            assert [frame.id for frame in frames] == ids
            assert [cin_score(frame.data) for frame in frames] == list(range(1, 21))
        subscribers = await backend.client.pubsub_numsub(keys.LIVE_CHANNEL)
        assert subscribers == [(keys.LIVE_CHANNEL.encode(), 2)]


async def test_sigterm_ends_streams_at_once_and_a_restart_loses_nothing(
    redis_url: str, backend: RedisBackend, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """SIGTERM ends streams with a reconnect hint; back with Last-Event-ID, nothing is lost."""
    publisher = Publisher(backend)
    port = free_port()
    serve = nflscores_command("serve", "--port", str(port))
    env = app_env(redis_url)
    await publisher.publish(live_body(cin=0))
    with running(serve, port=port, env=env, log=tmp_path / "app-1.log") as app:
        readers = [await open_stream(session, port) for _ in range(3)]
        seen = [(await reader.event()).id for reader in readers]
        assert len(set(seen)) == 1
        last_seen = seen[0]
        app.send_signal(signal.SIGTERM)
        for reader in readers:
            # run_app waits 60 s for open requests: only ending the streams makes this quick.
            rest = await reader.rest(within=10)
            assert rest.startswith(b": reconnect\nretry: ")
        assert await asyncio.to_thread(app.wait, 10) == 0
    missed = [await publisher.publish(live_body(cin=score)) for score in (1, 2)]
    with running(serve, port=port, env=env, log=tmp_path / "app-2.log"):
        reader = await open_stream(session, port, last_event_id=last_seen)
        assert [frame.id for frame in await reader.events(2)] == missed


@pytest.mark.parametrize("source", ["scorestrip", "espn"])
async def test_demo_runs_everything_in_one_process_and_scores_move(
    session: aiohttp.ClientSession, tmp_path: Path, source: str
) -> None:
    """`nflscores demo [--source espn]` serves the page and a live week whose scores change."""
    port = free_port()
    demo = nflscores_command("demo", "--port", str(port), "--speed", "900", "--source", source)
    env = {"NFLSCORES_LOG_LEVEL": "WARNING"}
    env.update({name: "" for name in os.environ if name.startswith("NFLSCORES_")})
    with running(demo, port=port, env=env, log=tmp_path / "demo.log"):
        page = await session.get(f"http://127.0.0.1:{port}/")
        assert page.status == 200
        assert "/static/app.js" in await page.text()
        script = await session.get(f"http://127.0.0.1:{port}/static/app.js")
        assert script.status == 200
        reader = await open_stream(session, port)
        first = await reader.event()
        assert not any(scores(first.data)), "the replayed week starts before kickoff"
        async with asyncio.timeout(60):
            while not any(scores((await reader.event()).data)):
                pass
        assert loads(first.data)["source"] == source
    assert b"nflscores demo: open http://" in (tmp_path / "demo.log").read_bytes()


async def publish_soon(publisher: Publisher, body: bytes) -> str:
    """Publish once Redis takes commands again (the first may meet a link that broke)."""
    for _ in range(50):
        with contextlib.suppress(CacheUnavailable):
            return await publisher.publish(body)
        await asyncio.sleep(0.1)
    raise TimeoutError("Redis took no command for 5 s after its restart")


def scores(week_json: bytes) -> list[int]:
    """Return every score of a week JSON, 0 for those not known yet."""
    data = loads(week_json)
    return [side["score"] or 0 for game in data["games"] for side in (game["home"], game["away"])]


async def test_poller_and_streams_survive_a_redis_restart_without_repeats_or_gaps(
    aiohttp_server: MakeServer, aiohttp_client: MakeClient, tmp_path: Path
) -> None:
    """Redis restarts empty: poller and hub carry on, and a client sees each change exactly once."""
    feed = LiveFeedServer()
    upstream = await aiohttp_server(feed.app())
    port = free_port()
    settings = Settings(
        redis_url=f"redis://127.0.0.1:{port}/0",
        upstream_url=str(upstream.make_url("")).rstrip("/"),
        upstream_retries=0,
        poll_live_interval_s=0.05,
        poll_idle_interval_s=0.05,
    )
    argv = redis_server_argv(port, tmp_path)
    with contextlib.ExitStack() as processes:
        redis = processes.enter_context(running(argv, port=port))
        client = await aiohttp_client(create_app(settings))
        backend = RedisBackend.from_url(settings.redis_url or "", max_connections=4)
        async with open_source(settings) as live_feed:
            poller = Poller(
                backend=backend,
                feed=live_feed,
                cache=WeekCache(backend, settings),
                settings=settings,
                lease_ttl_s=5,
            )
            polling = asyncio.create_task(poller.run())
            try:
                response = await client.get("/api/livescore", headers=EVENT_STREAM)
                reader = SseReader(response)
                assert (await reader.frame()).raw == b"retry: 3000\n\n"
                assert cin_score((await reader.event()).data) == 3
                feed.body = live_xml(cin=7)
                assert cin_score((await reader.event()).data) == 7

                redis.terminate()
                await asyncio.to_thread(redis.wait, 10)
                feed.body = live_xml(cin=10)  # a change while the store is down
                await asyncio.sleep(0.5)
                processes.enter_context(running(argv, port=port))

                assert cin_score((await reader.event(within=30)).data) == 10
                feed.body = live_xml(cin=14)
                assert cin_score((await reader.event(within=30)).data) == 14
                assert not polling.done()
            finally:
                await cancel_and_wait(polling)
                await client.close()
                await backend.aclose()


@pytest.mark.slow
async def test_every_event_published_right_after_a_redis_restart_reaches_the_stream(
    aiohttp_client: MakeClient, tmp_path: Path
) -> None:
    """Redis restarts empty and two events go out at once: the hub replays both, not the last."""
    port = free_port()
    settings = Settings(
        redis_url=f"redis://127.0.0.1:{port}/0", upstream_url=f"http://127.0.0.1:{free_port()}"
    )
    argv = redis_server_argv(port, tmp_path)
    with contextlib.ExitStack() as processes:
        redis = processes.enter_context(running(argv, port=port))
        client = await aiohttp_client(create_app(settings))
        publisher = Publisher(RedisBackend.from_url(settings.redis_url or "", max_connections=2))
        try:
            await publisher.publish(live_body(cin=3))
            response = await client.get("/api/livescore", headers=EVENT_STREAM)
            reader = SseReader(response)
            await reader.frame()
            assert cin_score((await reader.event()).data) == 3

            redis.terminate()
            await asyncio.to_thread(redis.wait, 10)
            processes.enter_context(running(argv, port=port))
            # Published before the hub is subscribed again: only the history has them.
            for score in (7, 10):
                await publish_soon(publisher, live_body(cin=score))
            frames = await reader.events(2, within=30)
            assert [cin_score(frame.data) for frame in frames] == [7, 10]
        finally:
            await client.close()
            await publisher.backend.aclose()
