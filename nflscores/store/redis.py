"""The Redis backend: redis.asyncio with a blocking pool and server-side scripts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from functools import wraps
from typing import Any, Final, ParamSpec, TypeVar

import redis.asyncio as redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from nflscores.domain.errors import CacheUnavailable
from nflscores.store.base import Event, parse_event_id

P = ParamSpec("P")
T = TypeVar("T")

#: How long a new subscription may take to be confirmed before the store counts as down.
SUBSCRIBE_TIMEOUT_S: Final = 5.0

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
# KEYS: stream, lease. ARGV: token, data, maxlen, channel.
_PUBLISH: Final = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'd', ARGV[2])
redis.call('PUBLISH', ARGV[4], id .. '\\n' .. ARGV[2])
return id
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
        except RedisError as exc:
            raise CacheUnavailable(f"Redis failed: {exc}") from exc

    return wrapper


class RedisBackend:
    """A Backend on one redis.asyncio client per process."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._publish = client.register_script(_PUBLISH)

    @classmethod
    def from_url(cls, url: str, *, max_connections: int) -> RedisBackend:
        """Return a backend whose pool waits for a free connection instead of failing."""
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=5,
            socket_connect_timeout=3,
            health_check_interval=30,
        )
        return cls(redis.Redis(connection_pool=pool))

    @property
    def client(self) -> redis.Redis:
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
        return bool(await self._client.set(key, token, px=ttl_ms, nx=True))

    @_unavailable
    async def renew(self, key: str, token: str, *, ttl_ms: int) -> bool:
        return bool(await self._renew(keys=[key], args=[token, ttl_ms]))

    @_unavailable
    async def release(self, key: str, token: str) -> bool:
        return bool(await self._release(keys=[key], args=[token]))

    @_unavailable
    async def publish_event(
        self, stream: str, channel: str, data: bytes, *, maxlen: int, lease: str, token: str
    ) -> str | None:
        event_id = await self._publish(keys=[stream, lease], args=[token, data, maxlen, channel])
        return None if event_id is None else _text(event_id)

    @_unavailable
    async def events_after(self, stream: str, after_id: str) -> list[Event] | None:
        if parse_event_id(after_id) is None:
            return None
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.xrange(stream, min=after_id, max=after_id, count=1)
            pipe.xrange(stream, min=f"({after_id}")
            held, entries = await pipe.execute()
        if not held:
            return None
        return [_event(entry) for entry in entries]

    @_unavailable
    async def last_event(self, stream: str) -> Event | None:
        entries: Any = await self._client.xrevrange(stream, count=1)
        return _event(entries[0]) if entries else None

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
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
        await self._client.connection_pool.disconnect()


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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event(entry: tuple[Any, dict[Any, Any]]) -> Event:
    event_id, fields = entry
    return _text(event_id), fields[b"d"]
