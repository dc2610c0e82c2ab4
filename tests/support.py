"""Helpers the tests share: real processes that stop with the test, fixtures, shared data."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application, Request

from devtools.procs import free_port, redis_server_argv, wait_for_port

__all__ = [
    "Client",
    "MakeClient",
    "MakeServer",
    "fixture",
    "free_port",
    "nflscores_command",
    "redis_server_argv",
    "running",
    "scorestrip_capture",
    "shared_data",
    "until",
]

#: pytest-aiohttp's clients and its client and server factories (aiohttp_client, aiohttp_server).
Client = TestClient[Request, Application]
MakeClient = Callable[..., Awaitable[Client]]
MakeServer = Callable[..., Awaitable[TestServer]]

ROOT = Path(__file__).resolve().parent.parent
#: Documents written for the tests from the formats, no real capture (each folder's README.md).
DATA = Path(__file__).resolve().parent / "data"
#: Hand-written ESPN scoreboards (the format of docs/espn.md, no real capture).
ESPN_FIXTURES = DATA / "espn"
#: Real captures and public data sets, beside the checkout and never in it (SOURCES.md there).
SHARED_DATA = ROOT / ".." / "shared" / "data"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def shared_data(*parts: str) -> Path:
    """Return a path under ../shared/data; skip the test when that folder is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"no {SHARED_DATA.resolve()}: the real captures live beside the checkout")
    return SHARED_DATA.joinpath(*parts)


def scorestrip_capture(name: str) -> bytes:
    """Return a real scorestrip capture from ../shared/data/scorestrip; skip without it."""
    return shared_data("scorestrip", name).read_bytes()


def fixture(*parts: str) -> bytes:
    """Return the bytes of a document written for the tests (under tests/data)."""
    return DATA.joinpath(*parts).read_bytes()


def nflscores_command(*args: str) -> list[str]:
    """Return the argv that runs the nflscores CLI with this interpreter."""
    return [sys.executable, "-m", "nflscores", *args]


@contextlib.contextmanager
def running(
    argv: Sequence[str],
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    timeout: float = 20.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a process for the block's duration; wait for its port; stop it afterwards."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        list(argv), env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
    )
    try:
        if port is not None:
            wait_for_port(port, timeout=timeout, proc=proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


async def until(
    check: Callable[[], bool | Awaitable[bool]], *, within: float = 10.0, every: float = 0.02
) -> None:
    """Return once check() holds (a plain or an async check); raise TimeoutError after `within`."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(every)
