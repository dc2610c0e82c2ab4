"""The Redis backend: redis.asyncio with a blocking pool and server-side scripts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from functools import wraps
from typing import Any, Final, ParamSpec, TypeVar

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from nflscores.backends.base import Event, parse_event_id
from nflscores.errors import CacheUnavailable

P = ParamSpec("P")
T = TypeVar("T")

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
        after = parse_event_id(after_id)
        if after is None:
            return None
        oldest: Any = await self._client.xrange(stream, count=1)
        if not oldest:
            return None
        oldest_id = parse_event_id(_text(oldest[0][0]))
        if oldest_id is None or after < oldest_id:
            return None
        entries: Any = await self._client.xrange(stream, min=f"({after_id}")
        return [_event(entry) for entry in entries]

    @_unavailable
    async def last_event(self, stream: str) -> Event | None:
        entries: Any = await self._client.xrevrange(stream, count=1)
        return _event(entries[0]) if entries else None

    async def subscribe(self, channel: str) -> AsyncIterator[bytes]:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            try:
                await pubsub.subscribe(channel)
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        yield message["data"]
            except (RedisError, OSError) as exc:
                raise CacheUnavailable(f"the Redis subscription dropped: {exc}") from exc
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    @_unavailable
    async def ping(self) -> None:
        await self._client.ping()

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._client.connection_pool.disconnect()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event(entry: tuple[Any, dict[Any, Any]]) -> Event:
    event_id, fields = entry
    return _text(event_id), fields[b"d"]
