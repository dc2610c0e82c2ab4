"""One process of the SSE load fleet: up to ~19,000 streams from its own loopback sources.

`python -m bench.loadgen.fleet --port P --clients N --source 127.0.0.2 [--source ...]
--out F` opens N streams (Accept: text/event-stream) on --path, each socket bound to one of its
source addresses so that a fleet of processes never runs out of source ports, and talks to the
orchestrator by lines:

- stdout `ready <json>` once every connection attempt has finished (with the connect rate);
- stdin `stats`: stdout `stats <json>`, the streams open now, dropped, pings seen;
- stdin `last <id>`: the last event published; stdout `done` once every open stream has it;
- stdin `stop`: close everything, write the results to --out and exit.

Every event with an `id:` is counted per stream, whatever its `event:` type (`update` or
`game`), and only once: an id not newer than the stream's last counts as a repeat. Its latency
is its arrival time (the kernel's receive timestamp, see Stream) minus the milliseconds of its
id, a Redis stream id stamped by the Redis server on this same clock when the event was
published. Latencies go to `<out>.lat` (and, to when this process read them, `<out>.ulat`) as
raw doubles per event id (the JSON says where each one's run starts), not as JSON numbers:
100,000 clients times a dozen events is over a million figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import os
import resource
import socket
import struct
import sys
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from bench.loadgen.sse import ChunkedDecoder
from nflscores.domain import teams

#: Linux's IP_BIND_ADDRESS_NO_PORT: pick the source port at connect(), per destination.
IP_BIND_ADDRESS_NO_PORT = 24
MAX_HEAD = 16_384
#: Linux's SO_TIMESTAMPNS (and SCM_TIMESTAMPNS): each read carries its arrival time.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
TIMESPEC = struct.Struct("@qq")
ANCILLARY_BYTES = socket.CMSG_SPACE(TIMESPEC.size)
READ_BYTES = 262_144
#: Descriptors a process keeps for itself (stdio, the event loop, the pipes).
SPARE_FILES = 64


def id_key(event_id: bytes) -> tuple[int, int]:
    """Return a Redis stream id `ms-seq` as a tuple that orders like the ids do."""
    ms, _, seq = event_id.partition(b"-")
    return int(ms), int(seq or 0)


PING = b": ping\n\n"


def one_chunk(data: bytes) -> bytes | None:
    """Return the chunk's data when data is exactly one whole HTTP chunk, else None."""
    eol = data.find(b"\r\n", 0, 10)
    if eol <= 0:
        return None
    try:
        size = int(data[:eol], 16)
    except ValueError:
        return None
    start = eol + 2
    if size == 0 or len(data) != start + size + 2:
        return None
    return data[start : start + size]


class Scanner:
    """Find complete events' ids and heartbeat comments in an SSE body, fed any slices."""

    __slots__ = ("_buffer", "_id", "pings")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._id: bytes | None = None
        self.pings = 0

    @property
    def idle(self) -> bool:
        """Return True between events: nothing of a half-read event is held."""
        return not self._buffer and self._id is None

    def feed(self, data: bytes) -> list[bytes]:
        """Return the ids of the events data completes; count `: ping` comments."""
        buf = self._buffer
        buf += data
        done: list[bytes] = []
        pos = 0
        while True:
            nl = buf.find(b"\n", pos)
            if nl < 0:
                break
            end = nl - 1 if nl > pos and buf[nl - 1] == 0x0D else nl
            if end == pos:
                if self._id is not None:
                    done.append(self._id)
                    self._id = None
            elif buf.startswith(b"id:", pos):
                self._id = bytes(buf[pos + 3 : end]).strip()
            elif buf.startswith(b": ping", pos):
                self.pings += 1
            pos = nl + 1
        del buf[:pos]
        return done


class Fleet:
    """Everything this process measures, and which streams still wait for the last event."""

    def __init__(self) -> None:
        self.connect_s = array("d")
        self.statuses: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.dropped = 0
        self.repeats = 0
        #: Events read whole in one chunk, by type (`game` deltas, `update` snapshots).
        self.kinds: Counter[str] = Counter()
        self.stopping = False
        self.streams: list[Stream] = []
        #: Event id -> (kernel arrival times, times this process read them).
        self.arrivals: dict[bytes, tuple[array[float], array[float]]] = {}
        self.last: tuple[int, int] | None = None
        self.missing: set[Stream] = set()
        self.all_have_last = asyncio.Event()

    def expect(self, last: bytes) -> None:
        """Start waiting until every open stream has received the event `last` (or newer)."""
        self.last = key = id_key(last)
        self.all_have_last.clear()
        self.missing = {s for s in self.streams if s.open and s.last_key < key}
        self.settle(None)

    def settle(self, stream: Stream | None) -> None:
        """Note that a stream has the last event, or has closed and never will."""
        if stream is not None:
            self.missing.discard(stream)
        if not self.missing and self.last is not None:
            self.all_have_last.set()


class Stream:
    """One SSE connection read straight off its socket, each read stamped by the kernel.

    The socket asks for SO_TIMESTAMPNS, so every read carries the time its bytes reached the
    socket: on loopback, the moment the server's write delivered them. That is the receive
    time counted, so a load process starved of CPU (it shares the cores with the server)
    does not add its own delay to the server's figures; when this process read the bytes is
    kept too, as the client-observed latency.
    """

    __slots__ = (
        *("chunks", "failure", "fleet", "head", "last_key", "open", "scanner", "sock"),
        "status",
    )

    def __init__(self, fleet: Fleet, sock: socket.socket) -> None:
        self.fleet = fleet
        self.sock = sock
        self.head: bytearray | None = bytearray()
        self.chunks: ChunkedDecoder | None = None
        self.scanner = Scanner()
        self.status: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.last_key = (0, -1)
        self.open = True
        self.failure = ""

    def readable(self) -> None:
        """Read what the socket holds (the event loop calls this when it has bytes)."""
        try:
            data, ancillary, _, _ = self.sock.recvmsg(READ_BYTES, ANCILLARY_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self.lost(exc)
            return
        if not data:
            self.lost(None)
            return
        now = time.time()
        stamped = now
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                seconds, nanos = TIMESPEC.unpack_from(value)
                stamped = seconds + nanos / 1e9
        self.received(data, stamped, now)

    def received(self, data: bytes, stamped: float, now: float) -> None:
        """Parse what arrived: the response head, then chunks and events."""
        if self.head is not None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > MAX_HEAD and not self.status.done():
                    self.failure = "response head too large"
                    self.status.set_result(0)
                return
            self._read_head(bytes(self.head[:end]))
            data = bytes(self.head[end + 4 :])
            self.head = None
        chunks, scanner = self.chunks, self.scanner
        if chunks is not None:
            if chunks.idle and scanner.idle:
                frame = one_chunk(data)
                if frame == PING:
                    scanner.pings += 1
                    return
                if frame is not None and frame.startswith(b"id: ") and frame.endswith(b"\n\n"):
                    # The server writes each event as one chunk: the common case, parsed fast.
                    delta = frame.find(b"\nevent: game\n", 0, 80) >= 0
                    self.fleet.kinds["game" if delta else "update"] += 1
                    self._arrived(frame[4 : frame.index(b"\n")], stamped, now)
                    return
            data = chunks.feed(data)
        for event_id in scanner.feed(data):
            self._arrived(event_id, stamped, now)

    def _arrived(self, event_id: bytes, stamped: float, now: float) -> None:
        fleet = self.fleet
        key = id_key(event_id)
        if key <= self.last_key:
            fleet.repeats += 1
            return
        self.last_key = key
        times = fleet.arrivals.get(event_id)
        if times is None:
            times = fleet.arrivals[event_id] = (array("d"), array("d"))
        times[0].append(stamped)
        times[1].append(now)
        if fleet.last is not None and key >= fleet.last:
            fleet.settle(self)

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

    def lost(self, exc: Exception | None) -> None:
        """The server closed the stream (or it broke): count it, stop reading."""
        if self.open and self.head is None and not self.fleet.stopping:
            self.fleet.dropped += 1
        self.close()
        self.fleet.settle(self)
        if not self.status.done():
            self.failure = (
                f"closed before the response head ({type(exc).__name__ if exc else 'EOF'})"
            )
            self.status.set_result(0)

    def close(self) -> None:
        """Stop reading and close the socket."""
        if self.open:
            self.open = False
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()


def team_pairs() -> list[str]:
    """Return every `?team=` pair of two of the 32 clubs of today (496 distinct filters)."""
    return [f"{a},{b}" for a, b in itertools.combinations(sorted(teams.FRANCHISES), 2)]


class Connector:
    """Open streams to one server, a bounded number at a time."""

    def __init__(self, fleet: Fleet, port: int, *, in_flight: int, limit_s: float):
        self.fleet = fleet
        self.port = port
        self.slots = asyncio.Semaphore(in_flight)
        self.limit_s = limit_s

    def request(self, path: str) -> bytes:
        """Return the request that opens one stream on path."""
        return (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
        ).encode()

    async def open(self, source: str, request: bytes) -> None:
        """Connect from source, send the request and wait for the response head."""
        loop = asyncio.get_running_loop()
        fleet = self.fleet
        async with self.slots:
            started = time.perf_counter()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            stream: Stream | None = None
            try:
                sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                sock.bind((source, 0))
                sock.setblocking(False)
                async with asyncio.timeout(self.limit_s):
                    await loop.sock_connect(sock, ("127.0.0.1", self.port))
                    stream = Stream(fleet, sock)
                    loop.add_reader(sock.fileno(), stream.readable)
                    sock.send(request)
                    status = await stream.status
            except (OSError, TimeoutError) as exc:
                if stream is not None:
                    stream.close()
                else:
                    sock.close()
                fleet.failures[type(exc).__name__] += 1
                return
            if status == 0:
                fleet.failures[stream.failure] += 1
                return
            fleet.statuses[str(status)] += 1
            if status == 200:
                fleet.connect_s.append(time.perf_counter() - started)
                fleet.streams.append(stream)
            else:
                stream.close()


def cpu_s() -> float:
    """Return this process's CPU seconds so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def lower_priority(nice: int) -> None:
    """Put this process below the servers in the scheduler's eyes.

    The kernel stamps each read's arrival, so this process's own waits for CPU do not count,
    and it should not take CPU from the servers. Where Linux groups processes by session for
    scheduling (autogroup), a niceness orders processes inside their group only, and groups
    share the CPU evenly: the servers (a session of their own) would get half the machine
    however nice the fleet is. So the fleet, started in a session of its own, lowers its
    group's priority too. Each load process is a group: at niceness 10 (a weight of 110
    against the servers' 1024) seven of them still held 43% of the cores under a fan-out's
    load; at 19 (a weight of 15) they hold 9%.
    """
    os.nice(nice)
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text(f"{nice}\n")


def raise_file_limit(needed: int) -> int:
    """Raise the soft open-file limit to the hard one; return it (fail when too low)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if needed + SPARE_FILES > soft:
        raise SystemExit(f"fleet: {needed} sockets need more than the open-file limit {soft}")
    return soft


def snapshot(fleet: Fleet) -> dict[str, Any]:
    """Return the figures the `stats` command prints."""
    open_streams = [s for s in fleet.streams if s.open]
    pings = [s.scanner.pings for s in open_streams]
    return {
        "open": len(open_streams),
        "dropped": fleet.dropped,
        "pings_min": min(pings, default=0),
        "pings_max": max(pings, default=0),
        "cpu_s": cpu_s(),
    }


def write_results(fleet: Fleet, out: Path, extra: dict[str, Any]) -> None:
    """Write the JSON results and the latencies beside them (`<out>.lat`)."""
    offsets: dict[str, list[int]] = {}
    position = 0
    with open(f"{out}.lat", "wb") as lat, open(f"{out}.ulat", "wb") as read_lat:
        for event_id, (stamped_at, read_at) in fleet.arrivals.items():
            published = id_key(event_id)[0] / 1000
            array("d", (t - published for t in stamped_at)).tofile(lat)
            array("d", (t - published for t in read_at)).tofile(read_lat)
            offsets[event_id.decode()] = [position, len(stamped_at)]
            position += len(stamped_at)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_bytes(
        orjson.dumps(
            {
                **extra,
                "connect_s": list(fleet.connect_s),
                "statuses": dict(fleet.statuses),
                "failures": dict(fleet.failures),
                "dropped": fleet.dropped,
                "repeats": fleet.repeats,
                "kinds": dict(fleet.kinds),
                "open_at_stop": sum(s.open for s in fleet.streams),
                "pings_min": min((s.scanner.pings for s in fleet.streams), default=0),
                "latencies": offsets,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "max_rss_kib": usage.ru_maxrss,
            }
        )
    )


def read_latencies(out: Path, *, observed: bool = False) -> dict[str, array[float]]:
    """Return one fleet process's latencies by event id (orchestrator side).

    Publish to the kernel's arrival time at the socket; `observed`: to when the load process
    read them.
    """
    results = orjson.loads(out.read_bytes())
    raw = array("d")
    with open(f"{out}.ulat" if observed else f"{out}.lat", "rb") as lat:
        raw.frombytes(lat.read())
    return {key: raw[start : start + n] for key, (start, n) in results["latencies"].items()}


async def report_done(fleet: Fleet) -> None:
    """Print `done` once every open stream has received the last event."""
    await fleet.all_have_last.wait()
    print("done", flush=True)


async def main(args: argparse.Namespace) -> None:
    """Open the streams, report ready, follow the orchestrator's commands; write figures."""
    limit = raise_file_limit(args.clients)
    lower_priority(args.nice)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    fleet = Fleet()
    connector = Connector(fleet, args.port, in_flight=args.in_flight, limit_s=args.limit)
    requests = [connector.request(args.path)]
    if args.team_pairs:
        pairs = team_pairs()
        requests = [
            connector.request(f"{args.path}?team={pairs[(args.first + i) % len(pairs)]}")
            for i in range(min(args.clients, len(pairs)))
        ]
    started, cpu_before = time.perf_counter(), cpu_s()
    async with asyncio.TaskGroup() as group:
        for i in range(args.clients):
            source, request = args.source[i % len(args.source)], requests[i % len(requests)]
            group.create_task(connector.open(source, request))
    connect_wall = time.perf_counter() - started
    connected = len(fleet.connect_s)
    # Every stream is made: a collection of the generations they fill would pause this
    # process for tens of milliseconds mid-event, and be counted as the server's latency.
    gc.freeze()
    gc.disable()
    extra = {
        "connect_wall_s": connect_wall,
        "connect_rate": connected / connect_wall if connect_wall > 0 else 0.0,
        "connect_cpu_s": cpu_s() - cpu_before,
        "file_limit": limit,
    }
    summary = {"ok": connected, "statuses": fleet.statuses, "failures": fleet.failures, **extra}
    print("ready " + orjson.dumps(summary).decode(), flush=True)
    reporter: asyncio.Task[None] | None = None
    while line := (await reader.readline()).decode().strip():
        command, _, value = line.partition(" ")
        if command == "last":
            fleet.expect(value.encode())
            if reporter is not None:
                reporter.cancel()
            reporter = asyncio.create_task(report_done(fleet))
        elif command == "stats":
            print("stats " + orjson.dumps(snapshot(fleet)).decode(), flush=True)
        elif command == "stop":
            break
    if reporter is not None:
        reporter.cancel()
    fleet.stopping = True
    write_results(fleet, Path(args.out), extra)
    for stream in fleet.streams:
        stream.close()


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/api/livescore")
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--source", action="append", required=True, help="127.0.0.x to bind")
    parser.add_argument("--in-flight", type=int, default=64, help="connects at once")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds to connect one")
    parser.add_argument("--nice", type=int, default=19, help="scheduling niceness to add")
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--team-pairs", action="store_true", help="each stream filters on its own pair of teams"
    )
    parser.add_argument("--first", type=int, default=0, help="the first stream's pair, by index")
    return parser.parse_args()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main(parse_args()))
