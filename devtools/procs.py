"""Loopback ports and the private redis-server the tests and the benchmarks start."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path


class ProgramMissing(RuntimeError):
    """A program the caller needs is not installed."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    port: int, *, timeout: float, proc: subprocess.Popen[bytes] | None = None, name: str = ""
) -> None:
    """Return once 127.0.0.1:port accepts; raise ChildProcessError when proc exits first and
    TimeoutError when nothing listens in time."""
    what = name or (str(proc.args) if proc is not None else f"127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ChildProcessError(f"{what} exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def redis_server_binary() -> str:
    """Return the redis-server executable; raise ProgramMissing when it is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ProgramMissing("redis-server is not installed: run `make setup` (or .ci/run)")
    return binary


def redis_server_argv(port: int, workdir: str | Path, *extra: str) -> list[str]:
    """Return the argv of a private, diskless redis-server on 127.0.0.1:port."""
    return [
        redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(workdir), *extra,
    ]  # fmt: skip
