"""Fixtures: a real redis-server of the tests' own, a clean database for each test."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from nflscores.settings import Settings
from nflscores.store import RedisBackend
from nflscores.web.app import create_app
from tests.espn_upstream import EspnUpstream
from tests.live_support import LiveFeedServer, Publisher
from tests.redis_ha import RedisCluster, SentinelGroup, redis_cluster, sentinel_group
from tests.support import Client, MakeClient, MakeServer, free_port, redis_server_argv, running
from tests.upstream import ScriptedUpstream


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """Start a private redis-server on a free port (or use NFLSCORES_TEST_REDIS_URL)."""
    given = os.environ.get("NFLSCORES_TEST_REDIS_URL")
    if given:
        yield given
        return
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as workdir,
        running(redis_server_argv(port, workdir), port=port),
    ):
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="session")
def shared_sentinel_group() -> Iterator[SentinelGroup]:
    """Start one Sentinel group (primary, replica, three Sentinels) for the tests that share it."""
    with sentinel_group() as group:
        yield group


@pytest.fixture(scope="session")
def shared_redis_cluster() -> Iterator[RedisCluster]:
    """Start one six-node Redis Cluster for the tests that share it (none kills its nodes)."""
    with redis_cluster() as cluster:
        yield cluster


@pytest.fixture
async def redis_url(redis_server_url: str) -> AsyncIterator[str]:
    """Return the test Redis URL with its database emptied before and after the test."""
    client = aioredis.Redis.from_url(redis_server_url)
    await client.flushdb()
    yield redis_server_url
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def scripted() -> ScriptedUpstream:
    """Return the scripted upstream's controls, serving the real captures."""
    return ScriptedUpstream()


@pytest.fixture
async def upstream_url(scripted: ScriptedUpstream, aiohttp_server: MakeServer) -> str:
    """Start the scripted upstream on a real port and return its base URL."""
    server = await aiohttp_server(scripted.app())
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def settings(redis_url: str, upstream_url: str) -> Settings:
    """Return settings pointing at the test Redis and the scripted upstream, with short waits."""
    return Settings(
        redis_url=redis_url,
        upstream_url=upstream_url,
        upstream_timeout_s=1.0,
        upstream_connect_timeout_s=0.5,
        upstream_retries=1,
    )


@pytest.fixture
async def client(settings: Settings, aiohttp_client: MakeClient) -> Client:
    """Return a client of the real application on real Redis and the scripted upstream."""
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    """Return the test settings with stream tunables the live tests rely on."""
    return dataclasses.replace(
        settings,
        sse_retry_ms=3000,
        sse_heartbeat_s=15.0,
        sse_write_timeout_s=2.0,
        sse_client_buffer=4,
    )


@pytest.fixture
def publisher(backend: RedisBackend) -> Publisher:
    """Return a publisher holding the poller lease."""
    return Publisher(backend)


@pytest.fixture
async def live(live_settings: Settings, aiohttp_client: MakeClient) -> Client:
    """Return a client of the real application with the live tunables."""
    return await aiohttp_client(create_app(live_settings))


@pytest.fixture
async def backend(redis_url: str) -> AsyncIterator[RedisBackend]:
    """Return a Redis backend of the test's own, as a separate process would have."""
    backend = RedisBackend.from_url(redis_url, max_connections=8)
    yield backend
    await backend.aclose()


@pytest.fixture
def feed() -> LiveFeedServer:
    """Return the scripted live feed's controls."""
    return LiveFeedServer()


@pytest.fixture
def espn() -> EspnUpstream:
    """Return the ESPN test upstream's controls, serving the hand-made scoreboards."""
    return EspnUpstream()


@pytest.fixture
async def espn_settings(redis_url: str, espn: EspnUpstream, aiohttp_server: MakeServer) -> Settings:
    """Return settings in ESPN mode on the test Redis and the ESPN test upstream."""
    server = await aiohttp_server(espn.app())
    return Settings(
        source="espn",
        redis_url=redis_url,
        upstream_url=str(server.make_url("")).rstrip("/"),
        upstream_timeout_s=2.0,
        upstream_connect_timeout_s=0.5,
        upstream_retries=1,
    )


@pytest.fixture
async def espn_client(
    espn_settings: Settings,
    aiohttp_client: MakeClient,
) -> Client:
    """Return a client of the real application in ESPN mode."""
    return await aiohttp_client(create_app(espn_settings))


@pytest.fixture
def nginx_dir() -> Iterator[Path]:
    """Return a run directory nginx's workers can use (they run as nobody under root)."""
    with tempfile.TemporaryDirectory(prefix="nflscores-nginx-") as workdir:
        path = Path(workdir)
        path.chmod(0o755)
        yield path / "nginx"
