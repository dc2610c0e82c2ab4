"""One contract, two stores: every test here runs against MemoryBackend and RedisBackend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from nflscores.domain.errors import CacheUnavailable
from nflscores.store import Backend, MemoryBackend, RedisBackend, parse_event_id
from nflscores.store.memory import SUBSCRIBER_BUFFER
from tests.redis_ha import RedisCluster, SentinelGroup
from tests.support import free_port, until

# One hash tag: on a Cluster the publish script's keys must share a slot.
STREAM = "{test}:stream"
CHANNEL = "{test}:channel"
LEASE = "{test}:lease"
TOKEN = "holder"


@dataclass
class Store:
    """A backend under test and a way to cut its link to the store."""

    backend: Backend
    cut_link: Callable[[], Awaitable[None]]


@pytest.fixture(
    params=[
        "memory",
        "redis",
        # A Sentinel group and a Cluster are processes of their own, started once a session.
        pytest.param("sentinel", marks=pytest.mark.slow),
        pytest.param("cluster", marks=pytest.mark.slow),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """Return each backend in turn: in-process, then on a server, a Sentinel group, a Cluster."""
    if request.param == "memory":
        memory = MemoryBackend()
        yield Store(memory, memory.aclose)
        await memory.aclose()
        return
    if request.param == "redis":
        url = request.getfixturevalue("redis_server_url")
        admins = [aioredis.Redis.from_url(url)]
    elif request.param == "sentinel":
        group: SentinelGroup = request.getfixturevalue("shared_sentinel_group")
        url = group.url
        admins = [aioredis.Redis(port=group.primary_port())]
    else:
        cluster: RedisCluster = request.getfixturevalue("shared_redis_cluster")
        url = cluster.url
        admins = [aioredis.Redis(port=port) for port in cluster.live_ports()]
    for admin in admins:
        with contextlib.suppress(aioredis.ResponseError):  # a cluster replica refuses
            await admin.flushall()
    backend = RedisBackend.from_url(url, max_connections=8)

    async def kill_subscribers() -> None:
        for admin in admins:
            await admin.client_kill_filter(_type="pubsub")

    yield Store(backend, kill_subscribers)
    await backend.aclose()
    for admin in admins:
        await admin.aclose()


async def publish(backend: Backend, data: bytes, *, maxlen: int = 100) -> str:
    """Publish one event as the lease holder and return its id."""
    event_id = await backend.publish_event(
        STREAM, CHANNEL, data, maxlen=maxlen, lease=LEASE, token=TOKEN
    )
    assert event_id is not None
    return event_id


async def test_values_round_trip_and_delete(store: Store) -> None:
    """set then get returns the bytes; a missing or deleted key reads None."""
    backend = store.backend
    assert await backend.get("k") is None
    await backend.set("k", b"\x00value")
    assert await backend.get("k") == b"\x00value"
    await backend.delete("k")
    assert await backend.get("k") is None


async def test_values_expire_after_their_ttl(store: Store) -> None:
    """A value set with ttl_ms is gone after it; one with a long ttl is still there."""
    backend = store.backend
    await backend.set("short", b"1", ttl_ms=50)
    await backend.set("long", b"2", ttl_ms=60_000)

    async def short_gone() -> bool:
        return await backend.get("short") is None

    await until(short_gone, within=5)
    assert await backend.get("long") == b"2"


async def test_lock_has_one_holder_until_released(store: Store) -> None:
    """acquire is exclusive; only the holder renews or releases; then another may take it."""
    backend = store.backend
    assert await backend.acquire("lock", "a", ttl_ms=10_000)
    assert not await backend.acquire("lock", "b", ttl_ms=10_000)
    assert not await backend.renew("lock", "b", ttl_ms=10_000)
    assert not await backend.release("lock", "b")
    assert await backend.renew("lock", "a", ttl_ms=10_000)
    assert await backend.release("lock", "a")
    assert await backend.acquire("lock", "b", ttl_ms=10_000)


async def test_the_holder_taking_its_lock_again_keeps_it(store: Store) -> None:
    """acquire with the holder's own token succeeds (a call sent twice); another's still fails."""
    backend = store.backend
    assert await backend.acquire("lock", "a", ttl_ms=10_000)
    assert await backend.acquire("lock", "a", ttl_ms=10_000)
    assert not await backend.acquire("lock", "b", ttl_ms=10_000)
    assert await backend.release("lock", "a")


async def test_lock_expires_when_not_renewed(store: Store) -> None:
    """A holder that stops renewing loses the lock to the next one after its ttl."""
    backend = store.backend
    assert await backend.acquire("lock", "a", ttl_ms=50)

    async def taken_over() -> bool:
        return await backend.acquire("lock", "b", ttl_ms=10_000)

    await until(taken_over, within=5)
    assert not await backend.renew("lock", "a", ttl_ms=10_000)


async def test_publish_needs_the_lease(store: Store) -> None:
    """Without the lease, publish_event returns None and neither stores nor sends anything."""
    backend = store.backend
    assert await backend.acquire(LEASE, "other", ttl_ms=10_000)
    async with backend.subscribe(CHANNEL) as messages:
        refused = await backend.publish_event(
            STREAM, CHANNEL, b"x", maxlen=10, lease=LEASE, token=TOKEN
        )
        assert refused is None
        assert await backend.last_event(STREAM) is None
        await backend.release(LEASE, "other")
        await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
        accepted = await publish(backend, b"y")
        # The first message that arrives is the accepted one: the refused one never went out.
        assert await anext(messages) == accepted.encode() + b"\ny"


async def test_events_have_increasing_ids_and_read_back_in_order(store: Store) -> None:
    """Ids grow with each event; events_after returns the later ones oldest first."""
    backend = store.backend
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    ids = [await publish(backend, b"event %d" % n) for n in range(5)]
    parsed = [key for key in map(parse_event_id, ids) if key is not None]
    assert len(parsed) == len(ids)
    assert parsed == sorted(parsed)
    assert len(set(ids)) == 5
    assert await backend.events_after(STREAM, ids[1]) == [
        (ids[n], b"event %d" % n) for n in (2, 3, 4)
    ]
    assert await backend.events_after(STREAM, ids[4]) == []
    assert await backend.last_event(STREAM) == (ids[4], b"event 4")


async def test_new_ids_are_above_the_floor_given(store: Store) -> None:
    """An id is above `above` even when the store never held it (lost in a failover)."""
    backend = store.backend
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    first = parse_event_id(await publish(backend, b"a"))
    assert first is not None
    lost = f"{first[0] + 60_000}-7"
    raised = await backend.publish_event(
        STREAM, CHANNEL, b"b", maxlen=100, lease=LEASE, token=TOKEN, above=lost
    )
    assert raised is not None
    assert parse_event_id(raised) > parse_event_id(lost)  # type: ignore[operator]
    after = await publish(backend, b"c")
    assert parse_event_id(after) > parse_event_id(raised)  # type: ignore[operator]


async def test_events_after_an_id_not_held_is_none(store: Store) -> None:
    """A malformed id, an id never issued and an id trimmed away all read as None."""
    backend = store.backend
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    first = await publish(backend, b"first", maxlen=10)
    assert await backend.events_after(STREAM, "not-an-id") is None
    assert await backend.events_after(STREAM, "") is None
    assert await backend.events_after(STREAM, "1-0") is None
    for n in range(300):
        newest = await publish(backend, b"%d" % n, maxlen=10)
    assert await backend.events_after(STREAM, first) is None
    assert await backend.events_after(STREAM, newest) == []


@pytest.mark.slow
async def test_history_is_bounded_by_maxlen(store: Store) -> None:
    """The stream keeps the newest events, at least maxlen, far fewer than were published."""
    backend = store.backend
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    ids = [await publish(backend, b"%d" % n, maxlen=10) for n in range(500)]
    held = None
    for event_id in ids:
        held = await backend.events_after(STREAM, event_id)
        if held is not None:
            break
    assert held is not None
    # Redis trims approximately (whole nodes), the memory store exactly.
    assert 10 <= len(held) + 1 <= 250
    assert [event_id for event_id, _ in held] == ids[-len(held) :]


async def test_empty_stream_has_no_last_event(store: Store) -> None:
    """last_event of a stream nobody wrote to is None, and events_after is None."""
    assert await store.backend.last_event(STREAM) is None
    assert await store.backend.events_after(STREAM, "1-0") is None


async def test_subscriber_gets_every_message_published_after_subscribing(store: Store) -> None:
    """Messages published once the subscription is entered all arrive, in order, as id + data."""
    backend = store.backend
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    async with backend.subscribe(CHANNEL) as messages:
        ids = [await publish(backend, b"data %d" % n) for n in range(20)]
        received = [await anext(messages) for _ in ids]
    assert received == [event_id.encode() + b"\ndata %d" % n for n, event_id in enumerate(ids)]


async def test_two_subscribers_each_get_every_message(store: Store) -> None:
    """Every subscriber of a channel receives each message."""
    backend = store.backend
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    async with backend.subscribe(CHANNEL) as first, backend.subscribe(CHANNEL) as second:
        event_id = await publish(backend, b"both")
        expected = event_id.encode() + b"\nboth"
        assert await anext(first) == expected
        assert await anext(second) == expected


async def test_subscription_raises_when_the_link_drops(store: Store) -> None:
    """A subscriber learns its link dropped (CacheUnavailable), never waits on it forever."""
    async with store.backend.subscribe(CHANNEL) as messages:
        reader = asyncio.ensure_future(anext(messages))
        await asyncio.sleep(0.05)
        await store.cut_link()
        with pytest.raises(CacheUnavailable):
            await asyncio.wait_for(reader, 10)


async def test_memory_subscriber_that_falls_behind_is_cut_off_not_skipped() -> None:
    """The in-process store never drops a message silently: a reader too far behind is told."""
    backend = MemoryBackend()
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    async with backend.subscribe(CHANNEL) as messages:
        for n in range(SUBSCRIBER_BUFFER + 1):
            await publish(backend, b"%d" % n)
        with pytest.raises(CacheUnavailable):
            await anext(messages)


@pytest.mark.slow
async def test_unreachable_redis_raises_cache_unavailable() -> None:
    """Every call on a Redis that does not answer raises CacheUnavailable, not redis errors."""
    backend = RedisBackend.from_url(f"redis://127.0.0.1:{free_port()}/0", max_connections=2)
    try:
        with pytest.raises(CacheUnavailable):
            await backend.ping()
        with pytest.raises(CacheUnavailable):
            await backend.events_after(STREAM, "1-0")
        with pytest.raises(CacheUnavailable):
            async with backend.subscribe(CHANNEL):
                pass
    finally:
        await backend.aclose()


async def test_all_events_returns_the_whole_history_oldest_first(store: Store) -> None:
    """all_events holds every event still kept, in order; an empty stream is an empty list."""
    backend = store.backend
    assert await backend.all_events(STREAM) == []
    await backend.acquire(LEASE, TOKEN, ttl_ms=10_000)
    ids = [await publish(backend, b"%d" % n, maxlen=10) for n in range(3)]
    assert await backend.all_events(STREAM) == [(ids[n], b"%d" % n) for n in range(3)]
