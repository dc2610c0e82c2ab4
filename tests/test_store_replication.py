"""Sentinel replication: a publish waits for a replica, and an event a failover lost comes back."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import cast

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestServer

from nflscores.cache.entries import WeekCache
from nflscores.domain.errors import CacheUnavailable
from nflscores.live.poller import Poller
from nflscores.settings import Settings
from nflscores.sources.base import open_source
from nflscores.store import RedisBackend, keys, parse_event_id
from tests.live_support import LiveFeedServer, live_xml
from tests.redis_ha import SentinelGroup, sentinel_group
from tests.support import until

pytestmark = pytest.mark.slow

STREAM = "{test}:stream"
CHANNEL = "{test}:channel"
LEASE = "{test}:lease"
TOKEN = "holder"


@pytest.fixture
async def on_sentinel(shared_sentinel_group: SentinelGroup) -> AsyncIterator[RedisBackend]:
    """Return a backend on the shared Sentinel group, its database emptied first."""
    primary = aioredis.Redis(port=shared_sentinel_group.primary_port())
    await primary.flushall()
    await primary.aclose()
    backend = RedisBackend.from_url(shared_sentinel_group.url, max_connections=4)
    await backend.acquire(LEASE, TOKEN, ttl_ms=60_000)
    yield backend
    await backend.aclose()


def replica_port(group: SentinelGroup) -> int:
    """Return the port of the group's replica."""
    (port,) = set(group.nodes) - {group.primary_port()} - group.killed
    return port


async def test_a_published_event_is_on_the_replica_when_publish_returns(
    on_sentinel: RedisBackend, shared_sentinel_group: SentinelGroup
) -> None:
    """publish_event returns once a replica holds the event (WAIT), not before."""
    event_id = await on_sentinel.publish_event(
        STREAM, CHANNEL, b"x", maxlen=10, lease=LEASE, token=TOKEN
    )
    replica = aioredis.Redis(port=replica_port(shared_sentinel_group))
    try:
        entries = cast("list[tuple[bytes, dict[bytes, bytes]]]", await replica.xrange(STREAM))
    finally:
        await replica.aclose()
    assert [entry_id.decode() for entry_id, _ in entries] == [event_id]


async def test_an_event_no_replica_acknowledged_goes_out_with_a_warning(
    on_sentinel: RedisBackend,
    shared_sentinel_group: SentinelGroup,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the replica stalled, the event is still published, and the risk is logged."""
    replica = shared_sentinel_group.nodes[replica_port(shared_sentinel_group)]
    replica.send_signal(signal.SIGSTOP)
    try:
        event_id = await on_sentinel.publish_event(
            STREAM, CHANNEL, b"x", maxlen=10, lease=LEASE, token=TOKEN
        )
    finally:
        replica.send_signal(signal.SIGCONT)
    assert event_id is not None
    assert await on_sentinel.last_event(STREAM) == (event_id, b"x")
    assert any("a failover now could lose it" in record.getMessage() for record in caplog.records)


async def test_after_a_failover_that_lost_an_event_the_poller_publishes_it_again_above_it(
    feed: LiveFeedServer, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> None:
    """The replica promoted lacks the last event: it goes out again, under a higher id."""
    server = await aiohttp_server(feed.app())
    with sentinel_group() as group:
        settings = Settings(
            redis_url=group.url,
            upstream_url=str(server.make_url("")).rstrip("/"),
            upstream_retries=0,
            poll_live_interval_s=0.0,
            poll_idle_interval_s=0.0,
        )
        backend = RedisBackend.from_url(group.url, max_connections=4)
        try:
            async with open_source(settings) as upstream:
                poller = Poller(
                    backend=backend,
                    feed=upstream,
                    cache=WeekCache(backend, settings),
                    settings=settings,
                )
                await poller.step()
                kept = await backend.last_event(keys.LIVE_STREAM)
                replica = group.nodes[replica_port(group)]
                replica.send_signal(signal.SIGSTOP)
                # Cut the replication link while the replica cannot reconnect: what follows
                # never reaches it.
                primary = aioredis.Redis(port=group.primary_port())
                await primary.client_kill_filter(_type="replica")
                await primary.aclose()
                feed.body = live_xml(cin=10)
                await poller.step()  # acknowledged by the primary only
                lost = await backend.last_event(keys.LIVE_STREAM)
                await asyncio.to_thread(group.kill_primary)
                replica.send_signal(signal.SIGCONT)
                await asyncio.to_thread(group.wait_for_failover)

                assert kept is not None
                assert lost is not None
                await until(lambda: newest_is(backend, kept[0]), within=30)
                await until(lambda: stepped_past(poller, backend, lost[0]), within=30)
                again = await backend.last_event(keys.LIVE_STREAM)
        finally:
            await backend.aclose()
    assert again is not None
    assert again[1] == lost[1]
    assert parse_event_id(again[0]) > parse_event_id(lost[0])  # type: ignore[operator]


async def newest_is(backend: RedisBackend, event_id: str) -> bool:
    """Return True once the store answers and its newest event has this id."""
    try:
        newest = await backend.last_event(keys.LIVE_STREAM)
    except CacheUnavailable:
        return False
    return newest is not None and newest[0] == event_id


async def stepped_past(poller: Poller, backend: RedisBackend, event_id: str) -> bool:
    """Step the poller; return True once the newest event's id is above event_id."""
    await poller.step()
    try:
        newest = await backend.last_event(keys.LIVE_STREAM)
    except CacheUnavailable:
        return False
    key = None if newest is None else parse_event_id(newest[0])
    return key is not None and key > parse_event_id(event_id)  # type: ignore[operator]
