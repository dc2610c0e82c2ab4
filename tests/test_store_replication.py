"""On a Sentinel group a publish waits for a replica, and says so when none acknowledged it."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from nflscores.store import RedisBackend
from tests.redis_ha import SentinelGroup

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
        entries = await replica.xrange(STREAM)
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
