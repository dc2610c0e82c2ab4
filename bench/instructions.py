"""Benchmark 6, instructions per cached GET: the app against the bare app, counted, not timed.

On this shared 2-core machine two wrk runs of the same code differ by a third at times, far
more than the margin the cached-GET target leaves. So this benchmark also counts what each
request costs: callgrind counts the instructions a Python process runs while it answers N
cached requests for the week, through aiohttp's real protocol, router and response, from a
stub transport (no socket, no kernel: the same for both, and not counted). The count per
request is the difference between N1 and N2 requests, divided by N2 - N1, so start-up and
warm-up cancel out. Counts of one process agree to within a few hundred instructions in
200,000 from run to run.

The processes are the app as gunicorn's worker builds it (create_app, the JSON protocol, the
access log as deploy/gunicorn.conf.py configures logging, asyncio's event loop) on the
embedded store, and the bare aiohttp app of benchmark 1 sending the same bytes (in a process
that built the app first, for those bytes). callgrind runs them about 50 times slower, so
the app's time-based batching (access-log writes, metric flushes, the hub's sweeps) is
stretched by as much, to run as often per request as it does at full speed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging.config
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bench.context import Context
from bench.procs import PYTHON
from bench.report import Section
from bench.stats import verdict

REQUEST: Final = b"GET /api/2015/12 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
KINDS: Final = {
    "app+log": "nflscores as shipped (access log on)",
    "app": "nflscores, access log off",
    "bare": "(a) bare aiohttp, the same bytes",
}
#: Requests counted: the figure is (count at N2 - count at N1) / (N2 - N1).
N1, N2 = 300, 1300
#: How much slower a process runs under callgrind, to stretch the app's timers by.
SLOWDOWN: Final = 50.0
TARGET: Final = 0.9
#: The response headers aiohttp writes itself; the bare app is given all the others.
OWN_HEADERS: Final = frozenset({"date", "content-length", "content-type", "connection"})


class StubTransport(asyncio.Transport):
    """A transport that takes every write and counts them; nothing reaches a socket."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.last = b""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Keep the bytes written last and count the write."""
        self.writes += 1
        self.last = bytes(data)

    def writelines(self, list_of_data: Any) -> None:
        """Keep the bytes written last, joined, and count the write."""
        self.write(b"".join(list_of_data))

    def is_closing(self) -> bool:
        """Never closing."""
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """Answer for a loopback peer."""
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def close(self) -> None:
        """Nothing to close."""

    def pause_reading(self) -> None:
        """Nothing to pause."""

    def resume_reading(self) -> None:
        """Nothing to resume."""

    def get_write_buffer_size(self) -> int:
        """Every write has left at once."""
        return 0


Ask = Callable[[], Awaitable[bytes]]


async def connection(app: web.Application) -> Ask:
    """Return a function that sends the week's request on one kept-alive connection."""
    runner = web.AppRunner(app)
    await runner.setup()
    server = runner.server
    assert server is not None
    protocol = server()
    transport = StubTransport()
    protocol.connection_made(transport)

    async def ask() -> bytes:
        before = transport.writes
        protocol.data_received(REQUEST)
        while transport.writes == before:  # noqa: ASYNC110  (a poll of the loop, by design)
            await asyncio.sleep(0)
        return transport.last

    return ask


def toggle_counting(on: bool) -> None:
    """Have callgrind count this process's instructions from now on, or stop counting."""
    command = ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while child.poll() is None:  # callgrind takes the command while this process runs code
        sum(range(1000))


def stretch_timers() -> None:
    """Run the app's time-based batching as often per request as at full speed."""
    from nflscores.live import hub  # noqa: PLC0415
    from nflscores.web import accesslog, tallies  # noqa: PLC0415

    for module, name in (
        (tallies, "FLUSH_INTERVAL_S"),
        (hub, "CHECK_INTERVAL_S"),
        (hub, "PROGRESS_INTERVAL_S"),
    ):
        setattr(module, name, getattr(module, name) * SLOWDOWN)
    accesslog.ACCESS_LINES._delay_s *= SLOWDOWN


async def replay_upstream() -> str:
    """Start the replay upstream in this process; return its URL."""
    from nflscores.replay.app import ReplayConfig, create_replay_app  # noqa: PLC0415

    runner = web.AppRunner(create_replay_app(ReplayConfig()))
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def bare_app(answer: bytes) -> web.Application:
    """Return the bare app of benchmark 1, sending the body and headers of the app's answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n")[1:]:
        name, _, value = line.partition(": ")
        if name.lower() not in OWN_HEADERS:
            headers[name] = value
    headers["Content-Type"] = "application/json"

    async def week(request: web.Request) -> web.Response:
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/api/{season}/{week}", week)
    return app


async def answer_requests(kind: str, requests: int) -> None:
    """Warm the app (or the bare one), then answer `requests` requests while counted."""
    from nflscores.logs import logging_config  # noqa: PLC0415
    from nflscores.settings import Settings  # noqa: PLC0415
    from nflscores.web.app import create_app  # noqa: PLC0415

    stretch_timers()
    settings = Settings(
        upstream_url=await replay_upstream(), log_level="INFO" if kind == "app+log" else "WARNING"
    )
    logging.config.dictConfig(logging_config(settings))
    ask = await connection(create_app(settings))
    for _ in range(3):
        answer = await ask()
    if kind == "bare":
        ask = await connection(bare_app(answer))
    for _ in range(200):
        await ask()
    toggle_counting(True)
    for _ in range(requests):
        await ask()
    toggle_counting(False)


def count(kind: str, requests: int, workdir: Path) -> int:
    """Return the instructions callgrind counted for `requests` requests of one kind."""
    out = workdir / f"callgrind.{kind}.{requests}"
    argv = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
        PYTHON, "-m", "bench.instructions", kind, str(requests),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(
        argv, env=env, check=True, timeout=600, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for line in out.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"callgrind wrote no totals to {out}")


def per_request(kind: str, workdir: Path) -> float:
    """Return the instructions one request of the kind costs."""
    return (count(kind, N2, workdir) - count(kind, N1, workdir)) / (N2 - N1)


def run(ctx: Context) -> Section:
    """Count the instructions per cached GET of the app and the bare app."""
    section = Section("6. Instructions per cached GET, counted")
    section.text(__doc__.split("\n\n", 1)[1].replace("\n", " ") if __doc__ else "")
    name = "cached GET, instructions per request: nflscores as shipped >= 0.9x the bare app's"
    if ctx.plan.name == "quick":
        section.text("Not run by --quick: each count takes about ten seconds under callgrind.")
        ctx.summary.append([name, "-", "n/a (--quick)"])
        return section
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        section.text("Not available: valgrind is not installed (make bench installs it).")
        ctx.summary.append([name, "-", "n/a (no valgrind)"])
        return section
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as directory:
        counts = {kind: per_request(kind, Path(directory)) for kind in KINDS}
    ctx.raw["instructions"] = counts
    bare = counts["bare"]
    section.table(
        ["process", "instructions per request", "the bare app's count / this one's"],
        [[KINDS[kind], f"{value:,.0f}", f"{bare / value:.3f}x"] for kind, value in counts.items()],
    )
    shipped = bare / counts["app+log"]
    result = verdict(shipped, at_least=TARGET)
    quiet = bare / counts["app"]
    section.text(
        f"Counted this way, the app as shipped answers {shipped:.3f}x as many requests per "
        f"instruction as the bare app (target {TARGET}x: {result}), {quiet:.3f}x with the access "
        "log off."
    )
    ctx.summary.append([name, f"{shipped:.3f}x", result])
    return section


def main() -> None:
    """Answer counted requests: `python -m bench.instructions KIND N` (under callgrind)."""
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("requests", type=int)
    args = parser.parse_args()
    # On the event loop the shipped worker runs (nflscores.web.worker.Worker: asyncio's own).
    asyncio.run(answer_requests(args.kind, args.requests))
    sys.stdout.flush()
    os._exit(0)  # the upstream and the connections need no tidy end under callgrind


if __name__ == "__main__":
    main()
