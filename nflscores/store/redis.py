"""The Redis backend: redis.asyncio on one server, a Sentinel group or a Cluster, with scripts.

How each mode is reached is redis-py's own: `Sentinel(...).master_for(...)` asks the Sentinels
for the primary on every new connection (a connection to a demoted primary fails with
ReadOnlyError and is dropped), and `RedisCluster` follows the slot map and its changes. Every
call fails with CacheUnavailable once redis-py's short retries are spent; the callers (the
request path, the poller's and the hub's loops) back off and try again, and so follow a
failover by themselves.

Replication (see the README's "Scaling"): on a Sentinel group the poller's publish waits up
to WAIT_TIMEOUT_MS for one replica to acknowledge it (`WAIT`). An event a primary acknowledged
and then lost in a failover is replaced by the next one, whose id is above it: every event is a
whole snapshot, so a client that saw the lost one and one that did not converge on the next.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final, ParamSpec, TypeVar

import redis.asyncio as redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterNode, ClusterPubSub, RedisCluster
from redis.asyncio.connection import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import AbstractBackoff
from redis.driver_info import DriverInfo
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from nflscores import __version__
from nflscores.backoff import Backoff
from nflscores.domain.errors import CacheUnavailable
from nflscores.store.base import Event, parse_event_id
from nflscores.store.urls import (
    ClusterTarget,
    PlainTarget,
    RedisTarget,
    SentinelTarget,
    parse_redis_url,
)

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: How long a new subscription may take to be confirmed before the store counts as down.
SUBSCRIBE_TIMEOUT_S: Final = 5.0
#: On a Sentinel group, how long a publish waits for a replica to acknowledge it.
WAIT_TIMEOUT_MS: Final = 250
WAIT_REPLICAS: Final = 1
#: redis-py's own retries of a call whose connection failed: short, because the callers back
#: off themselves; long enough to ride over one dropped connection to a new primary.
RETRIES: Final = 3
RETRY_BASE_S: Final = 0.05
RETRY_CAP_S: Final = 0.5
#: How long a sharded subscription's reader waits for a message before looking again.
SHARDED_POLL_S: Final = 1.0

_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# Taking a lock one already holds succeeds (and renews it): redis-py may send the call again
# after a connection dropped, and the first one may have gone through.
_ACQUIRE: Final = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
# KEYS: stream, lease, channel (one hash slot). ARGV: token, data, maxlen, publish command
# (PUBLISH, or SPUBLISH on a Cluster), and the id the new one must be above (ms, seq).
# The id is the server's clock, but above that floor and the stream's newest: a primary
# promoted without the last entries still gives ids above every id a client has seen.
_PUBLISH: Final = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return false end
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seq = 0
local floor_ms, floor_seq = tonumber(ARGV[5]), tonumber(ARGV[6])
if floor_ms > ms or (floor_ms == ms and floor_seq >= seq) then
  ms, seq = floor_ms, floor_seq + 1
end
local id = string.format('%.0f-%.0f', ms, seq)
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if newest then
  local last_ms, last_seq = string.match(newest[1], '^(%d+)-(%d+)$')
  last_ms, last_seq = tonumber(last_ms), tonumber(last_seq)
  if last_ms > ms or (last_ms == ms and last_seq >= seq) then id = '*' end
end
id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], id, 'd', ARGV[2], 'p', ARGV[1])
redis.call(ARGV[4], KEYS[3], id .. '\\n' .. ARGV[2])
return id
"""
# KEYS: stream. ARGV: id. The events after the id, or false when the stream does not hold it.
_EVENTS_AFTER: Final = """
if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1], 'COUNT', 1) == 0 then return false end
return redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+')
"""


def _unavailable(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turn the client's connection errors into CacheUnavailable."""

    @wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise CacheUnavailable(f"Redis does not answer: {exc}") from exc
        except (RedisError, RedisClusterException) as exc:
            raise CacheUnavailable(f"Redis failed: {exc}") from exc

    return wrapper


class _BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """Sentinel's pool (connections to the current primary), waiting for a free connection.

    The same waiting pool the single-server backend uses: a burst of requests queues for a
    connection instead of failing with "too many connections".
    """


class _Backoff(AbstractBackoff):
    """redis-py's backoff interface on the service's one backoff (nflscores.backoff)."""

    def __init__(self, backoff: Backoff) -> None:
        self._backoff = backoff

    def compute(self, failures: int) -> float:
        """Return the wait before redis-py's next try of a call."""
        return self._backoff.delay(failures)


def _retry() -> Retry:
    return Retry(_Backoff(Backoff(base_s=RETRY_BASE_S, cap_s=RETRY_CAP_S)), RETRIES)


@dataclass(frozen=True, slots=True)
class RedisTimeouts:
    """How long a Redis connection, a reply and a free pooled connection may take."""

    connect_s: float = 3.0
    #: One command's reply; the pub/sub listener's blocking read is never bounded by it.
    socket_s: float = 5.0
    pool_s: float = 5.0
    health_check_interval_s: float = 30.0


DEFAULT_TIMEOUTS: Final = RedisTimeouts()


# What CLIENT SETINFO tells the server (CLIENT LIST shows "redis-py(nflscores_v...)"), made once:
# left to redis-py, each connection object reads the installed package metadata again.
_DRIVER_INFO: Final = DriverInfo().add_upstream_driver("nflscores", __version__)


def _client_options(max_connections: int, timeouts: RedisTimeouts) -> dict[str, Any]:
    return {
        "driver_info": _DRIVER_INFO,
        "max_connections": max_connections,
        "socket_connect_timeout": timeouts.connect_s,
        "socket_timeout": timeouts.socket_s,
        "health_check_interval": timeouts.health_check_interval_s,
        "retry": _retry(),
    }


class RedisBackend:
    """A Backend on one redis-py client per process: a server, a Sentinel primary or a Cluster."""

    def __init__(
        self,
        client: redis.Redis | RedisCluster,
        *,
        wait_replicas: int = 0,
        sentinel: Sentinel | None = None,
    ) -> None:
        self._client = client
        self._sentinel = sentinel
        self._cluster = isinstance(client, RedisCluster)
        self._wait_replicas = wait_replicas
        self._publish_command = "SPUBLISH" if self._cluster else "PUBLISH"
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._acquire = client.register_script(_ACQUIRE)
        self._publish = client.register_script(_PUBLISH)
        self._events_after = client.register_script(_EVENTS_AFTER)

    @classmethod
    def from_url(
        cls, url: str, *, max_connections: int, timeouts: RedisTimeouts = DEFAULT_TIMEOUTS
    ) -> RedisBackend:
        """Return a backend for NFLSCORES_REDIS_URL; raise ValueError on a malformed one."""
        return cls.from_target(
            parse_redis_url(url), max_connections=max_connections, timeouts=timeouts
        )

    @classmethod
    def from_target(
        cls,
        target: RedisTarget,
        *,
        max_connections: int,
        timeouts: RedisTimeouts = DEFAULT_TIMEOUTS,
    ) -> RedisBackend:
        """Return a backend whose connections wait (a bounded time) for a free one."""
        options = _client_options(max_connections, timeouts)
        if isinstance(target, SentinelTarget):
            credentials = {"username": target.username, "password": target.password}
            sentinel = Sentinel(  # type: ignore[no-untyped-call]
                list(target.sentinels),
                sentinel_kwargs={**credentials, "socket_connect_timeout": timeouts.connect_s},
                **credentials,
            )
            client = sentinel.master_for(
                target.service,
                connection_pool_class=_BlockingSentinelPool,
                db=target.db,
                timeout=timeouts.pool_s,
                **options,
            )
            return cls(client, wait_replicas=WAIT_REPLICAS, sentinel=sentinel)
        if isinstance(target, ClusterTarget):
            cluster = RedisCluster(
                startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
                username=target.username,
                password=target.password,
                **options,
            )
            return cls(cluster)
        assert isinstance(target, PlainTarget)
        # The pool's connections carry the retry policy: redis-py reads it from them.
        pool = BlockingConnectionPool.from_url(target.url, timeout=timeouts.pool_s, **options)
        return cls(redis.Redis(connection_pool=pool))

    @property
    def client(self) -> redis.Redis | RedisCluster:
        """Return the underlying client, for tests and tools."""
        return self._client

    @_unavailable
    async def get(self, key: str) -> bytes | None:
        value: Any = await self._client.get(key)
        return value  # type: ignore[no-any-return]

    @_unavailable
    async def set(self, key: str, value: bytes, *, ttl_ms: int | None = None) -> None:
        await self._client.set(key, value, px=ttl_ms)

    @_unavailable
    async def delete(self, key: str) -> None:
        await self._client.delete(key)

    @_unavailable
    async def acquire(self, key: str, token: str, *, ttl_ms: int) -> bool:
        return bool(await self._acquire(keys=[key], args=[token, ttl_ms]))

    @_unavailable
    async def renew(self, key: str, token: str, *, ttl_ms: int) -> bool:
        return bool(await self._renew(keys=[key], args=[token, ttl_ms]))

    @_unavailable
    async def release(self, key: str, token: str) -> bool:
        return bool(await self._release(keys=[key], args=[token]))

    @_unavailable
    async def publish_event(
        self,
        stream: str,
        channel: str,
        data: bytes,
        *,
        maxlen: int,
        lease: str,
        token: str,
        above: str | None = None,
    ) -> str | None:
        floor_ms, floor_seq = (None if above is None else parse_event_id(above)) or (0, -1)
        keys = [stream, lease, channel]
        args: list[bytes | str | int] = [
            token, data, maxlen, self._publish_command, floor_ms, floor_seq,
        ]  # fmt: skip
        if not self._wait_replicas or not isinstance(self._client, redis.Redis):
            event_id = await self._publish(keys=keys, args=args)
            return None if event_id is None else _text(event_id)
        # WAIT counts the writes of its own connection: one pipeline, one connection.
        async with self._client.pipeline(transaction=False) as pipe:
            await self._publish(keys=keys, args=args, client=pipe)
            pipe.wait(self._wait_replicas, WAIT_TIMEOUT_MS)
            event_id, replicas = await pipe.execute()
        if event_id is None:
            return None
        if replicas < self._wait_replicas:
            log.warning(
                "event %s reached %d replica(s) within %d ms: a failover now could lose it",
                _text(event_id), replicas, WAIT_TIMEOUT_MS,
            )  # fmt: skip
        return _text(event_id)

    @_unavailable
    async def events_after(self, stream: str, after_id: str) -> list[Event] | None:
        if parse_event_id(after_id) is None:
            return None
        entries: Any = await self._events_after(keys=[stream], args=[after_id])
        if entries is None:
            return None
        return [_raw_event(entry) for entry in entries]

    @_unavailable
    async def last_event(self, stream: str) -> Event | None:
        entries: Any = await self._client.xrevrange(stream, count=1)
        return _event(entries[0]) if entries else None

    @_unavailable
    async def all_events(self, stream: str) -> list[Event]:
        entries: Any = await self._client.xrange(stream)
        return [_event(entry) for entry in entries]

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        if isinstance(self._client, RedisCluster):
            async with _sharded(self._client, channel) as messages:
                yield messages
            return
        pubsub = self._client.pubsub()
        try:
            try:
                await pubsub.subscribe(channel)
                await _confirmed(pubsub)
            except (RedisError, OSError, TimeoutError) as exc:
                raise CacheUnavailable(f"Redis refused the subscription: {exc}") from exc
            yield _messages(pubsub)
        finally:
            # Closing a link that already broke may fail too; the caller needs the first error.
            with suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    @_unavailable
    async def ping(self) -> None:
        await self._client.ping()

    async def aclose(self) -> None:
        await self._client.aclose()
        if isinstance(self._client, redis.Redis):
            await self._client.connection_pool.disconnect()
        if self._sentinel is not None:
            for sentinel in self._sentinel.sentinels:
                await sentinel.aclose()


async def _confirmed(pubsub: PubSub) -> None:
    """Return once Redis confirms the subscription, so nothing published later is missed."""
    async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
        while True:
            message = await pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT_S)
            if message is not None and message["type"] == "subscribe":
                return


async def _messages(pubsub: PubSub) -> AsyncIterator[bytes]:
    """Yield each message's data; raise CacheUnavailable when any may have been lost."""
    try:
        async for message in pubsub.listen():
            kind = message["type"]
            if kind == "message":
                yield message["data"]
            elif kind == "subscribe":
                # redis-py reconnects and resubscribes by itself; what was published in
                # between is lost, so the reader must be told to catch up from the history.
                raise CacheUnavailable("the Redis subscription dropped and was re-established")
    except (RedisError, OSError) as exc:
        raise CacheUnavailable(f"the Redis subscription dropped: {exc}") from exc


@asynccontextmanager
async def _sharded(cluster: RedisCluster, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
    """SSUBSCRIBE on the shard that owns the channel's slot, for the block's duration."""
    pubsub: ClusterPubSub | None = None
    try:
        try:
            # A command on the channel's slot goes through the client's routing, which reads
            # the slot map again after a failover (a subscription alone would keep asking the
            # dead primary). Nothing is stored under the channel's name: this reads nothing.
            await cluster.exists(channel)
            pubsub = cluster.pubsub()
            await pubsub.ssubscribe(channel)
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                while True:
                    message = await pubsub.get_sharded_message(timeout=SHARDED_POLL_S)
                    if message is not None and message["type"] == "ssubscribe":
                        break
        except (RedisError, RedisClusterException, OSError, TimeoutError) as exc:
            raise CacheUnavailable(f"Redis refused the subscription: {exc}") from exc
        yield _sharded_messages(pubsub)
    finally:
        if pubsub is not None:
            with suppress(RedisError, RedisClusterException, OSError):
                await pubsub.aclose()


async def _sharded_messages(pubsub: ClusterPubSub) -> AsyncIterator[bytes]:
    """Yield each sharded message's data; raise CacheUnavailable when any may have been lost."""
    try:
        while True:
            message = await pubsub.get_sharded_message(timeout=SHARDED_POLL_S)
            if message is None:
                continue
            kind = message["type"]
            if kind == "smessage":
                yield message["data"]
            elif kind in ("ssubscribe", "sunsubscribe"):
                # The shard moved (a failover) and redis-py subscribed on the new owner.
                raise CacheUnavailable("the sharded subscription moved to another node")
    except (RedisError, RedisClusterException, OSError) as exc:
        raise CacheUnavailable(f"the Redis subscription dropped: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event(entry: tuple[Any, dict[Any, Any]]) -> Event:
    event_id, fields = entry
    return _text(event_id), fields[b"d"]


def _raw_event(entry: Sequence[Any]) -> Event:
    """Return the event of a stream entry as a script returns it: [id, [field, value, ...]]."""
    event_id, fields = entry
    values = dict(zip(fields[::2], fields[1::2], strict=True))
    return _text(event_id), values[b"d"]
