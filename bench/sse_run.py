"""One fan-out run: start a stream server, connect N clients, publish events, time every one.

Events go through the project's own publish path (RedisBackend.publish_event, under a lease
bench holds), so the app and both baselines receive the same `<id>\\n<week JSON>` messages.
Latency is receive time minus the Redis stream id's milliseconds (stamped at publish).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

import orjson

from bench import procfs, profiling, targets
from bench.context import Context
from bench.loadgen.fleet import read_latencies
from bench.procs import PYTHON, NotAvailable, Service
from bench.stats import percentile
from nflscores.domain.encoding import dumps, loads
from nflscores.live.poller import publish_live_event
from nflscores.store import RedisBackend, keys

LEASE_TTL_MS = 3_600_000
Starter = Callable[[], AbstractContextManager[Service]]


@dataclass
class Figures:
    """What one fan-out run measured."""

    clients: int
    events: int
    connected: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    open_at_stop: int = 0
    connect_p50_s: float | None = None
    connect_p99_s: float | None = None
    connect_max_s: float | None = None
    connect_wall_s: float | None = None
    latency_p50_s: float | None = None
    latency_p99_s: float | None = None
    latency_max_s: float | None = None
    received: int = 0
    lost: int = 0
    all_done: bool = False
    redis_connections: int = 0
    redis_rejected: int = 0
    #: Host-wide accept-queue overflows while connecting (each a SYN retried a second later).
    listen_overflows: int = 0
    rss_per_conn_idle: float | None = None
    rss_per_conn_after: float | None = None
    split: list[int] = field(default_factory=list)
    server_cpu_s: float = 0.0
    redis_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    error: str | None = None


class LeasedPublisher:
    """Publish to bench's Redis as the poller does, under a poller lease of its own."""

    def __init__(self, redis_url: str) -> None:
        self._backend = RedisBackend.from_url(redis_url, max_connections=4)
        self._token = f"bench-{uuid.uuid4().hex}"

    @contextlib.asynccontextmanager
    async def leased(self) -> AsyncIterator[Self]:
        """Hold the poller lease for the block (nothing else publishes in a benchmark)."""
        if not await self._backend.acquire(keys.POLLER_LEASE, self._token, ttl_ms=LEASE_TTL_MS):
            raise NotAvailable("another process holds the poller lease in bench's Redis")
        try:
            yield self
        finally:
            await self._backend.release(keys.POLLER_LEASE, self._token)
            await self._backend.aclose()


class Publisher(LeasedPublisher):
    """Publish synthetic ~4 KB week events the way the poller does."""

    def __init__(self, redis_url: str, template: bytes) -> None:
        super().__init__(redis_url)
        self._template: dict[str, Any] = loads(template)
        self.size = 0

    async def publish(self, seq: int) -> str:
        """Publish event number seq; return its id."""
        body = dumps(dict(self._template, updated_at=datetime.now(UTC), bench_seq=seq))
        self.size = len(body)
        event_id = await publish_live_event(
            self._backend, body, token=self._token, maxlen=keys.LIVE_HISTORY_MAXLEN
        )
        if event_id is None:
            raise RuntimeError("the poller lease was lost mid-run")
        return event_id


def _log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "wb")


class Clients:
    """The load-client processes of one run, driven by lines on their stdin and stdout."""

    def __init__(self, procs: list[asyncio.subprocess.Process], outs: list[Path]) -> None:
        self.procs = procs
        self.outs = outs

    @staticmethod
    def argv(
        port: int, share: int, index: int, out: Path, path: str, *, first: int | None = None
    ) -> list[str]:
        """Return one client process's command: its share and its own source addresses.

        With first, each stream filters on its own pair of teams, from pair number first on.
        """
        sources = [f"127.0.0.{10 + 2 * index}", f"127.0.0.{11 + 2 * index}"]
        pairs = () if first is None else ("--team-pairs", "--first", str(first))
        return [
            *(PYTHON, "-m", "bench.loadgen.fleet", "--port", str(port), "--path", path),
            *("--clients", str(share), "--source", sources[0], "--source", sources[1]),
            *pairs,
            *("--out", str(out)),
        ]

    @classmethod
    async def start(
        cls,
        ctx: Context,
        port: int,
        n: int,
        workdir: Path,
        *,
        path: str = "/api/livescore",
        team_pairs: bool = False,
    ) -> Clients:
        """Spread n streams over enough processes for the open-file limit (at least 2)."""
        count = max(2, math.ceil(n / ctx.plan.connections_per_client_process))
        procs, outs = [], []
        first = 0
        for i in range(count):
            share = n // count + (1 if i < n % count else 0)
            out = workdir / f"client-{i}.json"
            argv = cls.argv(port, share, i, out, path, first=first if team_pairs else None)
            first += share
            if i == 0:
                command = [*argv[:-1], "<results file>"]
                ctx.record("fan-out: load client (one of several, each its own sources)", command)
            log = _log(workdir / f"client-{i}.log")
            try:
                # A session of its own is a scheduling group of its own (Linux's autogroup):
                # the fleet lowers that group's priority below the servers' (fleet.py).
                proc = await asyncio.create_subprocess_exec(
                    *argv,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=log,
                    start_new_session=True,
                )
            finally:
                log.close()
            procs.append(proc)
            outs.append(out)
        return cls(procs, outs)

    async def _expect(self, word: str, deadline: float) -> None:
        for proc in self.procs:
            assert proc.stdout is not None
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"a load client did not say {word!r} in time")
                raw = await asyncio.wait_for(proc.stdout.readline(), left)
                if not raw:
                    raise RuntimeError(f"a load client exited before saying {word!r}")
                if raw.startswith(word.encode()):
                    break

    async def ready(self, *, within_s: float) -> None:
        """Wait until every process has finished its connection attempts."""
        await self._expect("ready", time.monotonic() + within_s)

    async def stats(self, *, within_s: float = 30.0) -> list[dict[str, Any]]:
        """Return each process's `stats` now: open streams, drops, heartbeats seen."""
        await self.send("stats")
        deadline = time.monotonic() + within_s
        replies = []
        for proc in self.procs:
            assert proc.stdout is not None
            while True:
                raw = await asyncio.wait_for(proc.stdout.readline(), deadline - time.monotonic())
                if not raw:
                    raise RuntimeError("a load client exited before answering stats")
                if raw.startswith(b"stats "):
                    replies.append(orjson.loads(raw[6:]))
                    break
        return replies

    async def send(self, line: str) -> None:
        """Send a command to every process."""
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(line.encode() + b"\n")
            await proc.stdin.drain()

    async def done(self, *, within_s: float) -> bool:
        """Wait until every open stream has the last event; False at the deadline."""
        try:
            await self._expect("done", time.monotonic() + within_s)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> list[dict[str, Any]]:
        """Stop every process and return what each measured."""
        with contextlib.suppress(ConnectionError):
            await self.send("stop")
        results = []
        for proc, out in zip(self.procs, self.outs, strict=True):
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()
            if out.exists():
                result = orjson.loads(out.read_bytes())
                result["latency_by_id"] = read_latencies(out)
                result["observed_by_id"] = read_latencies(out, observed=True)
                results.append(result)
        return results

    async def kill(self) -> None:
        """Kill every process that still runs."""
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


def combine(fig: Figures, results: list[dict[str, Any]], published: list[str]) -> None:
    """Fill the figures from every client process's results."""
    wanted = set(published)
    connects: list[float] = []
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for result in results:
        connects += result["connect_s"]
        statuses.update(result["statuses"])
        failures.update(result["failures"])
        fig.dropped += result["dropped"]
        fig.open_at_stop += result["open_at_stop"]
        fig.client_cpu_s += result["cpu_s"]
        fig.connect_wall_s = max(fig.connect_wall_s or 0.0, result["connect_wall_s"])
        for event_id, values in result["latency_by_id"].items():
            if event_id in wanted:
                latencies += values
    connects.sort()
    latencies.sort()
    fig.connected = len(connects)
    fig.statuses, fig.failures = dict(statuses), dict(failures)
    fig.connect_p50_s, fig.connect_p99_s = percentile(connects, 0.5), percentile(connects, 0.99)
    fig.connect_max_s = connects[-1] if connects else None
    fig.latency_p50_s, fig.latency_p99_s = percentile(latencies, 0.5), percentile(latencies, 0.99)
    fig.latency_max_s = latencies[-1] if latencies else None
    fig.received = len(latencies)
    fig.lost = fig.clients * len(published) - fig.received


def probe(service: Service) -> None:
    """Raise NotAvailable unless the server answers GET /api/livescore with a stream."""
    reply = targets.get(
        service.port, "/api/livescore", {"Accept": "text/event-stream"}, stream=True
    )
    kind = reply.headers.get("content-type", "")
    if reply.status != 200 or "text/event-stream" not in kind:
        raise NotAvailable(f"GET /api/livescore answered {reply.status} {kind}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """How one run goes: clients, events, pauses, where it writes."""

    clients: int
    events: int
    interval_s: float
    hold_s: float
    drain_s: float
    workdir: Path
    profile_to: Path | None = None
    path: str = "/api/livescore"
    #: Each client asks for `?team=` with its own pair of teams (496 distinct filters).
    team_pairs: bool = False


async def one_run(ctx: Context, starter: Starter, publisher: Publisher, shape: Shape) -> Figures:
    """Start a server, connect the clients, publish, collect every figure, stop it all."""
    fig = Figures(clients=shape.clients, events=shape.events)
    ctx.redis.client.delete(keys.LIVE_STREAM)
    redis_before = ctx.redis.connected_clients()
    rejected_before = ctx.redis.rejected_connections()
    with starter() as service:
        ctx.record(f"fan-out: {service.name}", service.argv)
        probe(service)
        await asyncio.sleep(0.5)
        rss_before, cpu_before = service.worker_rss(), service.cpu_seconds()
        redis_cpu_before = ctx.redis.service.cpu_seconds()
        overflows = procfs.listen_overflows()
        clients = await Clients.start(
            ctx,
            service.port,
            shape.clients,
            shape.workdir,
            path=shape.path,
            team_pairs=shape.team_pairs,
        )
        try:
            await clients.ready(within_s=60 + shape.clients / 200)
            fig.listen_overflows = procfs.listen_overflows() - overflows
            await asyncio.sleep(shape.hold_s)
            rss_idle = service.worker_rss()
            fig.redis_connections = ctx.redis.connected_clients() - redis_before
            fig.split = service.socket_split()
            published = await _publish(clients, publisher, shape, service)
            fig.all_done = await clients.done(within_s=shape.drain_s)
            rss_after = service.worker_rss()
            fig.server_cpu_s = service.cpu_seconds() - cpu_before
            fig.redis_cpu_s = ctx.redis.service.cpu_seconds() - redis_cpu_before
            fig.redis_rejected = ctx.redis.rejected_connections() - rejected_before
            results = await clients.stop()
        finally:
            await clients.kill()
    combine(fig, results, published)
    if fig.connected:
        fig.rss_per_conn_idle = (rss_idle - rss_before) / fig.connected
        fig.rss_per_conn_after = (rss_after - rss_before) / fig.connected
    return fig


async def _publish(
    clients: Clients, publisher: Publisher, shape: Shape, service: Service
) -> list[str]:
    """Publish the events at a steady pace, profiling meanwhile when asked; return their ids."""
    sampler = None
    if shape.profile_to is not None:
        seconds = shape.events * shape.interval_s + 3
        sampler = profiling.start(service.pid, seconds, shape.profile_to)
    published = []
    began = time.monotonic()
    for seq in range(shape.events):
        await asyncio.sleep(max(0.0, began + seq * shape.interval_s - time.monotonic()))
        published.append(await publisher.publish(seq))
    await clients.send(f"last {published[-1]}")
    if sampler is not None:
        await asyncio.to_thread(sampler.wait, 60)
    return published
