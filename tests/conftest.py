"""Fixtures: a real redis-server of the tests' own, a clean database for each test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis

from tests.support import free_port, redis_server_binary, running


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """Start a private redis-server on a free port (or use NFLSCORES_TEST_REDIS_URL)."""
    given = os.environ.get("NFLSCORES_TEST_REDIS_URL")
    if given:
        yield given
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        argv = [
            redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", workdir,
        ]
        with running(argv, port=port):
            yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
async def redis_url(redis_server_url: str) -> AsyncIterator[str]:
    """Return the test Redis URL with its database emptied before and after the test."""
    client = aioredis.Redis.from_url(redis_server_url)
    await client.flushdb()
    yield redis_server_url
    await client.flushdb()
    await client.aclose()
