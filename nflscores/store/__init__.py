"""The store behind the cache, the live events and the locks: Redis, or an in-process twin.

Both implement `Backend`; one contract test suite runs against each. Every method raises
`CacheUnavailable` when the store cannot be reached, never a client library's own error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nflscores.store.base import Backend, Event, parse_event_id
from nflscores.store.memory import MemoryBackend
from nflscores.store.redis import RedisBackend, RedisTimeouts

if TYPE_CHECKING:  # settings read their default lifetimes from this package's keys
    from nflscores.settings import Settings

__all__ = ["Backend", "Event", "MemoryBackend", "RedisBackend", "open_backend", "parse_event_id"]


def open_backend(settings: Settings) -> Backend:
    """Return the Redis backend when a URL is configured, else the in-process one."""
    if settings.redis_url:
        return RedisBackend.from_url(
            settings.redis_url,
            max_connections=settings.redis_max_connections,
            timeouts=RedisTimeouts(
                connect_s=settings.redis_connect_timeout_s,
                socket_s=settings.redis_socket_timeout_s,
                pool_s=settings.redis_pool_timeout_s,
                health_check_interval_s=settings.redis_health_check_interval_s,
            ),
        )
    return MemoryBackend()
