"""Helpers the tests share: free ports and real processes that stop with the test."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Documents written for the tests from the formats, no real capture (each folder's README.md).
DATA = Path(__file__).resolve().parent / "data"
#: Hand-written ESPN scoreboards (the format of ../shared/ESPN.md, no real capture).
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


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    port: int, *, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once something accepts connections on 127.0.0.1:port; raise after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


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


def redis_server_argv(port: int, workdir: str | Path) -> list[str]:
    """Return the argv of a private, diskless redis-server on 127.0.0.1:port."""
    return [
        redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(workdir),
    ]  # fmt: skip


def redis_server_binary() -> str:
    """Return the redis-server executable; fail loudly, never skip, when it is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run `make setup` (or .ci/run)")
    return binary
