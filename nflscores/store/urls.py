"""NFLSCORES_REDIS_URL read into where the store is: one server, a Sentinel group or a Cluster.

    redis://[user:pass@]host:port/db                   one server (also rediss://, unix://)
    redis+sentinel://[user:pass@]h:p[,h:p...]/SERVICE[/DB]
                                                       the primary Sentinel names for SERVICE
    redis+cluster://[user:pass@]h:p[,h:p...]           a Redis Cluster, any of its nodes

The password of a Sentinel URL is sent to the Sentinels as well as to the data nodes, as the
charts that run both (Bitnami's, with `auth.sentinel`) set them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote, urlsplit

SENTINEL_SCHEME: Final = "redis+sentinel"
CLUSTER_SCHEME: Final = "redis+cluster"
PLAIN_SCHEMES: Final = ("redis", "rediss", "unix")
SENTINEL_PORT: Final = 26379
REDIS_PORT: Final = 6379

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class PlainTarget:
    """One Redis server, by the URL redis-py reads itself."""

    url: str


@dataclass(frozen=True, slots=True)
class SentinelTarget:
    """The primary of SERVICE, as a group of Sentinels names it."""

    sentinels: tuple[Address, ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class ClusterTarget:
    """A Redis Cluster, found from any of its nodes."""

    nodes: tuple[Address, ...]
    username: str | None = None
    password: str | None = None


RedisTarget = PlainTarget | SentinelTarget | ClusterTarget


def parse_redis_url(url: str) -> RedisTarget:
    """Return where the URL points; raise ValueError saying what is wrong with it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a URL: {url!r}")
    if scheme == SENTINEL_SCHEME:
        return _sentinel(rest)
    if scheme == CLUSTER_SCHEME:
        return _cluster(rest)
    if scheme in PLAIN_SCHEMES:
        _check_plain(url)
        return PlainTarget(url)
    schemes = ", ".join((*PLAIN_SCHEMES, SENTINEL_SCHEME, CLUSTER_SCHEME))
    raise ValueError(f"the scheme must be one of {schemes}, not {scheme!r}")


def _check_plain(url: str) -> None:
    parts = urlsplit(url)
    parts.port  # noqa: B018 -- reading the port is what validates it
    # unix:// names a socket path; every other scheme needs a host.
    if not (parts.path if parts.scheme == "unix" else parts.hostname):
        raise ValueError(f"no host in {url!r}")


def _sentinel(rest: str) -> SentinelTarget:
    netloc, _, path = rest.partition("/")
    username, password, hosts = _userinfo(netloc)
    segments = [unquote(part) for part in path.split("/") if part]
    if not segments or len(segments) > 2:
        raise ValueError("a Sentinel URL ends in /SERVICE or /SERVICE/DB")
    db = 0
    if len(segments) == 2:
        if not segments[1].isdigit():
            raise ValueError(f"the database must be a number, not {segments[1]!r}")
        db = int(segments[1])
    return SentinelTarget(
        sentinels=_addresses(hosts, SENTINEL_PORT),
        service=segments[0],
        db=db,
        username=username,
        password=password,
    )


def _cluster(rest: str) -> ClusterTarget:
    netloc, _, path = rest.partition("/")
    if path.strip("/"):
        raise ValueError("a Cluster URL has no path: a cluster has one database")
    username, password, hosts = _userinfo(netloc)
    return ClusterTarget(nodes=_addresses(hosts, REDIS_PORT), username=username, password=password)


def _userinfo(netloc: str) -> tuple[str | None, str | None, str]:
    userinfo, at, hosts = netloc.rpartition("@")
    if not at:
        return None, None, netloc
    user, colon, password = userinfo.partition(":")
    if not colon:
        # `redis://secret@host` is a password alone, as redis-py reads it too.
        return None, unquote(user) or None, hosts
    return unquote(user) or None, unquote(password) or None, hosts


def _addresses(hosts: str, default_port: int) -> tuple[Address, ...]:
    if not hosts:
        raise ValueError("no host given")
    return tuple(_address(item, default_port) for item in hosts.split(","))


def _address(item: str, default_port: int) -> Address:
    if item.startswith("["):  # [::1]:26379
        host, bracket, tail = item[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise ValueError(f"not a host:port: {item!r}")
        port_text = tail[1:]
    else:
        host, _, port_text = item.partition(":")
    if not host:
        raise ValueError(f"not a host:port: {item!r}")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"the port must be 1-65535 in {item!r}")
    return host, int(port_text)
