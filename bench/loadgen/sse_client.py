"""A lean SSE load client: raw asyncio protocols, thousands of sockets, few CPU cycles.

`python -m bench.loadgen.sse_client --port P --clients N --source 127.0.0.2 --out F` opens N
streams from the given loopback source addresses and talks to the orchestrator by lines:

- stdout `ready <json>` once every connection attempt has finished;
- stdin `last <id>`: the last event published; stdout `done` once every open stream has it;
- stdin `stop`: close everything, write the results to --out as JSON and exit.

An event's latency is its receive time minus the milliseconds of its id: the ids are Redis
stream ids, stamped by the Redis server (on this same clock) when the event was published.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, cast

import orjson

from bench.loadgen.sse import ChunkedDecoder, EventIds

#: Linux's IP_BIND_ADDRESS_NO_PORT: pick the source port at connect(), per destination.
IP_BIND_ADDRESS_NO_PORT = 24
MAX_HEAD = 16_384


class Run:
    """Everything one process measures, and who is still waiting for the last event."""

    def __init__(self) -> None:
        self.connect_s: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.dropped = 0
        self.stopping = False
        self.streams: list[Stream] = []
        self.received: dict[bytes, list[float]] = {}
        self.last: bytes | None = None
        self.missing: set[Stream] = set()
        self.all_have_last = asyncio.Event()

    def expect(self, last: bytes) -> None:
        """Start waiting until every open stream has received the event `last`."""
        self.last = last
        self.missing = {s for s in self.streams if s.open and s.last_id != last}
        self._check()

    def settle(self, stream: Stream) -> None:
        """Note that a stream has the last event, or has closed and never will."""
        if self.last is not None:
            self.missing.discard(stream)
            self._check()

    def _check(self) -> None:
        if not self.missing:
            self.all_have_last.set()


class Stream(asyncio.Protocol):
    """One SSE connection: parse the head, then record each event id's arrival time."""

    def __init__(self, run: Run, request: bytes) -> None:
        self.run = run
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.head = bytearray()
        self.in_body = False
        self.chunks: ChunkedDecoder | None = None
        self.ids = EventIds()
        self.status: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.last_id = b""
        self.open = False
        #: Why the stream ended before its response head, when it did.
        self.failure = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but offer its methods.
        self.transport = cast(asyncio.Transport, transport)
        self.open = True
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.in_body:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > MAX_HEAD and not self.status.done():
                    self.failure = "response head too large"
                    self.status.set_result(0)
                return
            self._read_head(bytes(self.head[:end]))
            data = bytes(self.head[end + 4 :])
            self.head.clear()
            self.in_body = True
        if self.chunks is not None:
            data = self.chunks.feed(data)
        run = self.run
        for event_id in self.ids.feed(data):
            run.received.setdefault(event_id, []).append(now)
            self.last_id = event_id
            if event_id == run.last:
                run.settle(self)

    def _read_head(self, head: bytes) -> None:
        status_line, *lines = head.split(b"\r\n")
        parts = status_line.split(b" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        for line in lines:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
                self.chunks = ChunkedDecoder()
        if not self.status.done():
            self.status.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.open and self.in_body and not self.run.stopping:
            self.run.dropped += 1
        self.open = False
        self.run.settle(self)
        if not self.status.done():
            self.failure = (
                f"closed before the response head ({type(exc).__name__ if exc else 'EOF'})"
            )
            self.status.set_result(0)


class Connector:
    """Open streams to one server, a bounded number at a time."""

    def __init__(self, run: Run, port: int, path: str, *, in_flight: int, limit_s: float) -> None:
        self.run = run
        self.port = port
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
        ).encode()
        self.slots = asyncio.Semaphore(in_flight)
        self.limit_s = limit_s

    async def open(self, source: str) -> None:
        """Connect from source, send the request and wait for the response head."""
        loop = asyncio.get_running_loop()
        run = self.run
        async with self.slots:
            started = time.perf_counter()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            stream: Stream | None = None
            try:
                sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                sock.bind((source, 0))
                sock.setblocking(False)
                async with asyncio.timeout(self.limit_s):
                    await loop.sock_connect(sock, ("127.0.0.1", self.port))
                    _, stream = await loop.create_connection(
                        lambda: Stream(run, self.request), sock=sock
                    )
                    status = await stream.status
            except (OSError, TimeoutError) as exc:
                if stream is not None and stream.transport is not None:
                    stream.transport.abort()
                sock.close()
                run.failures[type(exc).__name__] += 1
                return
            if status == 0:
                run.failures[stream.failure] += 1
                return
            run.statuses[str(status)] += 1
            if status == 200:
                run.connect_s.append(time.perf_counter() - started)
                run.streams.append(stream)
            elif stream.transport is not None:
                stream.transport.close()


async def report_done(run: Run) -> None:
    """Print `done` once every open stream has received the last event."""
    await run.all_have_last.wait()
    print("done", flush=True)


def results(run: Run, connect_wall_s: float) -> dict[str, Any]:
    """Return what the orchestrator reads back."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "connect_s": run.connect_s,
        "connect_wall_s": connect_wall_s,
        "statuses": dict(run.statuses),
        "failures": dict(run.failures),
        "dropped": run.dropped,
        "open_at_stop": sum(s.open for s in run.streams),
        "received": {k.decode(): v for k, v in run.received.items()},
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_kib": usage.ru_maxrss,
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Open the streams, report ready, follow the orchestrator's commands; return figures."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    run = Run()
    connector = Connector(run, args.port, args.path, in_flight=args.in_flight, limit_s=args.limit)
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for i in range(args.clients):
            group.create_task(connector.open(args.source[i % len(args.source)]))
    connect_wall = time.perf_counter() - started
    summary = {"ok": len(run.connect_s), "statuses": run.statuses, "failures": run.failures}
    print("ready " + orjson.dumps(summary).decode(), flush=True)
    reporter: asyncio.Task[None] | None = None
    try:
        while line := (await reader.readline()).decode().strip():
            command, _, value = line.partition(" ")
            if command == "last":
                run.expect(value.encode())
                reporter = asyncio.create_task(report_done(run))
            elif command == "stop":
                break
    finally:
        if reporter is not None:
            reporter.cancel()
    run.stopping = True
    figures = results(run, connect_wall)
    for stream in run.streams:
        if stream.transport is not None:
            stream.transport.abort()
    return figures


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/api/livescore")
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--source", action="append", required=True, help="127.0.0.x to bind")
    parser.add_argument("--in-flight", type=int, default=100, help="connects at once")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds to connect")
    parser.add_argument("--out", required=True)
    return parser.parse_args()


if __name__ == "__main__":
    import uvloop

    arguments = parse_args()
    Path(arguments.out).write_bytes(orjson.dumps(uvloop.run(main(arguments))))
