"""Settings, read from the environment once and validated at startup."""

from __future__ import annotations

import functools
import ipaddress
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar
from urllib.parse import urlsplit

from nflscores.store import keys
from nflscores.store.urls import RedisTarget, parse_redis_url

T = TypeVar("T")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_UPSTREAM_URL = "http://127.0.0.1:8081"
#: The formats the service reads weeks from, and each one's base URL when none is set.
SOURCES = {"scorestrip": DEFAULT_UPSTREAM_URL, "espn": "https://site.api.espn.com"}
#: Loopback and the private ranges: a scraper beside the service, as nginx allows.
DEFAULT_METRICS_ALLOW = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot run with."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything that can be configured, each field from `NFLSCORES_<FIELD>`."""

    #: The upstream format: `scorestrip` (the replay, by default) or `espn`.
    source: str = "scorestrip"
    #: The upstream's base URL; empty means the source's default (SOURCES).
    upstream_url: str = ""
    #: None runs on the embedded in-process backend (one process only).
    redis_url: str | None = None
    redis_max_connections: int = 64
    #: How long a new connection to Redis may take to open.
    redis_connect_timeout_s: float = 3.0
    #: How long one Redis command may wait for its reply (never the pub/sub listener's read).
    redis_socket_timeout_s: float = 5.0
    #: How long a caller waits for a free pooled connection before the store counts as down.
    redis_pool_timeout_s: float = 5.0
    #: A pooled connection idle this long is pinged before it is used again.
    redis_health_check_interval_s: float = 30.0
    host: str = "127.0.0.1"
    port: int = 8080
    upstream_connect_timeout_s: float = 3.0
    upstream_timeout_s: float = 10.0
    upstream_retries: int = 2
    upstream_concurrency: int = 32
    #: How long a fetch may wait for one of the concurrent requests before it is a 504/STALE.
    upstream_queue_timeout_s: float = 2.0
    #: An ESPN week is 150-400 KB; a body over this is refused.
    upstream_max_bytes: int = 4 << 20
    final_ttl_s: int = keys.FINAL_TTL_S
    live_ttl_s: int = keys.LIVE_TTL_S
    upcoming_ttl_s: int = keys.UPCOMING_TTL_S
    empty_ttl_s: int = keys.EMPTY_TTL_S
    stale_keep_s: int = keys.STALE_KEEP_S
    poll_live_interval_s: float = 5.0
    poll_idle_interval_s: float = 60.0
    sse_heartbeat_s: float = 15.0
    sse_retry_ms: int = 3000
    sse_client_buffer: int = 8
    sse_write_timeout_s: float = 10.0
    live_history_maxlen: int = keys.LIVE_HISTORY_MAXLEN
    #: A connection whose request headers are not complete this long after its first byte
    #: (or after it opened) is closed (a 408).
    header_read_timeout_s: float = 10.0
    #: The networks (comma-separated CIDRs) whose addresses may read GET /metrics.
    metrics_allow: str = DEFAULT_METRICS_ALLOW
    log_level: str = "INFO"
    log_json: bool = False
    #: One line per request on stderr (at INFO); off when nginx's access log is enough.
    access_log: bool = True
    #: Where gunicorn listens: host:port or unix:/path.
    bind: str = "127.0.0.1:8000"
    #: gunicorn worker processes; None is one per CPU with Redis, else 1 (see `worker_count`).
    workers: int | None = None
    #: Seconds a stopping gunicorn worker has to end its streams.
    graceful_timeout_s: int = 30

    def worker_count(self, cpus: int | None) -> int:
        """Return how many gunicorn workers to run: the setting, or one per CPU with Redis."""
        if self.workers is not None:
            return self.workers
        return (cpus or 1) if self.redis_url else 1

    def __post_init__(self) -> None:
        if not self.upstream_url and self.source in SOURCES:
            object.__setattr__(self, "upstream_url", SOURCES[self.source])

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Return settings from `NFLSCORES_*` variables; raise SettingsError on a bad value."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            name = f"NFLSCORES_{field.name.upper()}"
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            parse = _PARSERS.get(str(field.type))
            if parse is None:
                raise SettingsError(f"{name} has a type settings cannot read: {field.type}")
            values[field.name] = _convert(name, raw, parse)
        settings = cls(**values)
        settings.validate()
        return settings

    def redis_target(self) -> RedisTarget | None:
        """Return where NFLSCORES_REDIS_URL points (None: the in-process store)."""
        if self.redis_url is None:
            return None
        try:
            return parse_redis_url(self.redis_url)
        except ValueError as exc:
            raise SettingsError(
                f"NFLSCORES_REDIS_URL is not a usable Redis URL ({exc}): {self.redis_url!r}"
            ) from None

    def validate(self) -> None:
        """Raise SettingsError when a value is out of range or unusable."""
        if self.source not in SOURCES:
            raise SettingsError(
                f"NFLSCORES_SOURCE must be {' or '.join(SOURCES)}, not {self.source!r}"
            )
        _check_url("NFLSCORES_UPSTREAM_URL", self.upstream_url, ("http", "https"))
        if self.redis_url is not None:
            self.redis_target()
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise SettingsError(f"NFLSCORES_{field.name.upper()} must not be negative")
        if not 0 < self.port < 65536:
            raise SettingsError(f"NFLSCORES_PORT must be 1-65535, not {self.port}")
        positive = (
            "upstream_timeout_s",
            "upstream_concurrency",
            "upstream_max_bytes",
            "redis_max_connections",
            "redis_connect_timeout_s",
            "redis_socket_timeout_s",
            "redis_pool_timeout_s",
            "sse_client_buffer",
            "live_history_maxlen",
            "poll_live_interval_s",
            "poll_idle_interval_s",
            "sse_heartbeat_s",
            "sse_write_timeout_s",
            "graceful_timeout_s",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise SettingsError(f"NFLSCORES_{name.upper()} must be above zero")
        if self.workers is not None and self.workers < 1:
            raise SettingsError(f"NFLSCORES_WORKERS must be at least 1, not {self.workers}")
        if not self.bind.strip():
            raise SettingsError("NFLSCORES_BIND must be host:port or unix:/path")
        try:
            metrics_networks(self.metrics_allow)
        except ValueError as exc:
            raise SettingsError(f"NFLSCORES_METRICS_ALLOW has an unusable network: {exc}") from None
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("NFLSCORES_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")


@functools.lru_cache(maxsize=8)
def metrics_networks(allow: str) -> tuple[IPNetwork, ...]:
    """Return the networks a NFLSCORES_METRICS_ALLOW value names; raise ValueError if unusable."""
    return tuple(ipaddress.ip_network(part.strip()) for part in allow.split(",") if part.strip())


def _check_url(name: str, url: str, schemes: tuple[str, ...]) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- reading the port is what validates it
    except ValueError:
        raise SettingsError(f"{name} is not a valid URL: {url!r}") from None
    # unix:// names a socket path; every other scheme needs a host.
    target = parts.path if parts.scheme == "unix" else parts.hostname
    if parts.scheme not in schemes or not target:
        raise SettingsError(f"{name} must be a {' or '.join(schemes)} URL, not {url!r}")


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def _parse_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "str | None": str,
    "int": int,
    "int | None": int,
    "float": _parse_float,
    "bool": _parse_bool,
}


def _convert(name: str, raw: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} has an unusable value {raw!r}") from None
