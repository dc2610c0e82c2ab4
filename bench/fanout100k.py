"""Benchmark 4: 100,000 live clients on one box, held with heartbeats, deltas and full updates.

The app runs as users run it (gunicorn -c deploy/gunicorn.conf.py, a socket per worker) with
enough workers for the open-file limit (20,000 per process). A fleet of load processes, each
binding its own loopback source addresses, opens every stream with `?events=games`, holds them
for the plan's hold time while the bench publishes, every interval, either a delta (one game's
score changes: each client gets a small `game` frame) or a full update (the live week changes:
each client gets the whole `update`). Every event is timed at every client, publish to receive.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import profiling, targets
from bench.context import FALLBACK_WEEK, Context, unavailable
from bench.procs import NotAvailable, Service
from bench.report import Section
from bench.sse_run import Clients, LeasedPublisher, probe
from bench.stats import kib, ms, num, percentile, verdict
from nflscores.domain.encoding import dumps, loads
from nflscores.live.poller import publish_live_event
from nflscores.store import keys

DELTA_P99_TARGET_S = 2.0
FULL_P99_TARGET_S = 5.0
RSS_TARGET_BYTES = 10 * 1024
#: The app's Redis pool per worker (NFLSCORES_REDIS_MAX_CONNECTIONS default) and its subscriber.
REDIS_PER_WORKER = 64 + 2
PATH = "/api/livescore?events=games"


class WeekPublisher(LeasedPublisher):
    """Publish deltas (one game's score moves) and full updates (the week flips) as the poller."""

    def __init__(self, redis_url: str, template: bytes) -> None:
        super().__init__(redis_url)
        self._week: dict[str, Any] = loads(template)
        self._score = 0
        self.sizes: dict[str, int] = {}

    async def publish(self, kind: str) -> str:
        """Publish a `delta` or a `full` event; return its id."""
        week = self._week
        if kind == "delta":
            self._score += 1
            week["games"][0]["home"]["score"] = self._score
        else:
            week["week"] = 13 if week["week"] != 13 else 12
            week["slug"] = str(week["week"])
        week["updated_at"] = datetime.now(UTC)
        body = dumps(week)
        self.sizes[kind] = len(body)
        event_id = await publish_live_event(
            self._backend, body, token=self._token, maxlen=keys.LIVE_HISTORY_MAXLEN
        )
        if event_id is None:
            raise RuntimeError("the poller lease was lost mid-run")
        return event_id


@dataclass
class Hold:
    """What the 100,000-client run measured."""

    clients: int
    workers: int
    processes: int = 0
    connected: int = 0
    connect_wall_s: float = 0.0
    connect_p50_s: float | None = None
    connect_p99_s: float | None = None
    failures: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    rss_idle_per_conn: float | None = None
    rss_after_per_conn: float | None = None
    split: list[int] = field(default_factory=list)
    redis_connections: int = 0
    held_s: float = 0.0
    open_at_end: int = 0
    dropped: int = 0
    repeats: int = 0
    pings_min: int = 0
    #: Frames read by type: `update` snapshots (one per client on connect) and `game` deltas.
    kinds: dict[str, int] = field(default_factory=dict)
    #: kind -> [(event id, received, p50, p99, max)]
    events: dict[str, list[tuple[str, int, float | None, float | None, float | None]]] = field(
        default_factory=dict
    )
    latency: dict[str, tuple[float | None, float | None, float | None]] = field(
        default_factory=dict
    )
    #: The same, to when the load processes read the bytes (their own delays included).
    observed: dict[str, tuple[float | None, float | None, float | None]] = field(
        default_factory=dict
    )
    lost: int = 0
    server_cpu_s: float = 0.0
    redis_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    event_bytes: dict[str, int] = field(default_factory=dict)
    profile: str | None = None
    error: str | None = None


def run(ctx: Context) -> Section:
    """Run the 100,000-client hold and return its report section."""
    return asyncio.run(_run(ctx))


async def _run(ctx: Context) -> Section:
    plan = ctx.plan
    workdir = ctx.out / "fanout100k"
    workdir.mkdir(parents=True, exist_ok=True)
    week_file = workdir / "week.json"
    week_file.write_bytes(FALLBACK_WEEK.read_bytes())
    ctx.redis.flush()
    env = targets.Stack(workdir, ctx.redis.url, week_file)
    hold = Hold(clients=plan.big_clients, workers=plan.big_workers)
    publisher = WeekPublisher(ctx.redis.url, week_file.read_bytes())
    try:
        async with publisher.leased():
            await _hold(ctx, env, publisher, hold)
    except NotAvailable as exc:
        hold.error = unavailable(exc)
    except (RuntimeError, TimeoutError, OSError) as exc:
        hold.error = f"{type(exc).__name__}: {exc}"
    hold.event_bytes = publisher.sizes
    ctx.raw["fanout100k"] = hold.__dict__
    return _write(ctx, hold)


async def _hold(ctx: Context, env: targets.Stack, publisher: WeekPublisher, hold: Hold) -> None:
    plan = ctx.plan
    ctx.redis.client.delete(keys.LIVE_STREAM)
    await publisher.publish("full")  # the snapshot every client starts with
    redis_before = ctx.redis.connected_clients()
    with targets.nflscores_app(env, "nflscores-100k", workers=plan.big_workers) as service:
        ctx.record("fan-out 100k: nflscores", service.argv)
        probe(service)
        await asyncio.sleep(1.0)
        rss_before, cpu_before = service.worker_rss(), service.cpu_seconds()
        redis_cpu_before = ctx.redis.service.cpu_seconds()
        clients = await Clients.start(ctx, service.port, hold.clients, env.workdir, path=PATH)
        hold.processes = len(clients.procs)
        try:
            began = time.monotonic()
            await clients.ready(within_s=120 + hold.clients / 200)
            hold.connect_wall_s = time.monotonic() - began
            await asyncio.sleep(2.0)
            hold.rss_idle_per_conn = (service.worker_rss() - rss_before) / max(hold.clients, 1)
            hold.split = service.socket_split()
            hold.redis_connections = ctx.redis.connected_clients() - redis_before
            published = await _publish_during_hold(ctx, clients, publisher, service, hold)
            hold.rss_after_per_conn = (service.worker_rss() - rss_before) / max(hold.clients, 1)
            stats = await clients.stats()
            hold.open_at_end = sum(s["open"] for s in stats)
            hold.server_cpu_s = service.cpu_seconds() - cpu_before
            hold.redis_cpu_s = ctx.redis.service.cpu_seconds() - redis_cpu_before
            results = await clients.stop()
        finally:
            await clients.kill()
    _combine(hold, results, published)
    if hold.connected:
        # Per connection actually made (the figure above divided by all that were asked for).
        scale = hold.clients / hold.connected
        hold.rss_idle_per_conn = (hold.rss_idle_per_conn or 0) * scale
        hold.rss_after_per_conn = (hold.rss_after_per_conn or 0) * scale


async def _publish_during_hold(
    ctx: Context, clients: Clients, publisher: WeekPublisher, service: Service, hold: Hold
) -> dict[str, list[str]]:
    """Alternate deltas and full updates over the hold; profile one more pair when asked."""
    plan = ctx.plan
    published: dict[str, list[str]] = {"delta": [], "full": [], "profiled": []}
    began = time.monotonic()
    kinds = ("delta", "full")
    seq = 0
    while True:
        due = began + (seq + 1) * plan.big_interval_s
        if due > began + plan.big_hold_s:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        kind = kinds[seq % 2]
        event_id = await publisher.publish(kind)
        published[kind].append(event_id)
        await clients.send(f"last {event_id}")
        if not await clients.done(within_s=plan.big_interval_s - 1):
            print(f"bench: fanout100k: {kind} {event_id} not everywhere yet", file=sys.stderr)
        seq += 1
        print(f"bench: fanout100k: {seq} events, {kind}", file=sys.stderr, flush=True)
    await asyncio.sleep(max(0.0, began + plan.big_hold_s - time.monotonic()))
    hold.held_s = time.monotonic() - began
    if plan.profile:
        output = ctx.out / "fanout100k" / "profile-100k.txt"
        sampler = profiling.start(service.pid, 8, output)
        await asyncio.sleep(1.0)
        for kind in kinds:
            event_id = await publisher.publish(kind)
            published["profiled"].append(event_id)
            await clients.send(f"last {event_id}")
            await clients.done(within_s=plan.big_interval_s)
        if sampler is not None:
            await asyncio.to_thread(sampler.wait, 60)
            if output.exists():
                hold.profile = (
                    f"py-spy on the app's {plan.big_workers} workers during one more delta and "
                    f"full update to every client ({output}; these two are not in the figures "
                    f"above):\n\n{profiling.summarize(output)}"
                )
    return published


def spread(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """Return p50, p99 and max of sorted values."""
    return percentile(values, 0.5), percentile(values, 0.99), values[-1] if values else None


def _combine(hold: Hold, results: list[dict[str, Any]], published: dict[str, list[str]]) -> None:
    connects: list[float] = []
    for result in results:
        connects += result["connect_s"]
        for code, count in result["statuses"].items():
            hold.statuses[code] = hold.statuses.get(code, 0) + count
        for why, count in result["failures"].items():
            hold.failures[why] = hold.failures.get(why, 0) + count
        hold.dropped += result["dropped"]
        hold.repeats += result["repeats"]
        for kind, count in result.get("kinds", {}).items():
            hold.kinds[kind] = hold.kinds.get(kind, 0) + count
        hold.client_cpu_s += result["cpu_s"]
    hold.pings_min = min((r["pings_min"] for r in results), default=0)
    connects.sort()
    hold.connected = len(connects)
    hold.connect_p50_s, hold.connect_p99_s = percentile(connects, 0.5), percentile(connects, 0.99)
    for kind in ("delta", "full"):
        every: list[float] = []
        rows = []
        for event_id in published[kind]:
            values = sorted(v for r in results for v in r["latency_by_id"].get(event_id, ()))
            every += values
            hold.lost += hold.connected - len(values)
            rows.append(
                (
                    event_id,
                    len(values),
                    percentile(values, 0.5),
                    percentile(values, 0.99),
                    values[-1] if values else None,
                )
            )
        every.sort()
        hold.events[kind] = rows
        hold.latency[kind] = spread(every)
        observed = sorted(
            v for event_id in published[kind] for r in results
            for v in r["observed_by_id"].get(event_id, ())
        )  # fmt: skip
        hold.observed[kind] = spread(observed)
    # A client that never connected loses every event too.
    hold.lost += (hold.clients - hold.connected) * (
        len(published["delta"]) + len(published["full"])
    )


def _write(ctx: Context, hold: Hold) -> Section:
    plan = ctx.plan
    section = Section(f"4. {hold.clients:,} live clients on one box")
    section.text(
        f"gunicorn -c deploy/gunicorn.conf.py with {hold.workers} workers (a listening socket "
        f"each, `reuse_port`), {hold.processes} load processes of at most "
        f"{plan.connections_per_client_process:,} streams, each binding two loopback source "
        f"addresses of its own; every client asks `{PATH}`. After the connects the streams "
        f"are held {plan.big_hold_s:g} s (heartbeats every 15 s); every {plan.big_interval_s:g} s "
        "the bench publishes, in turn, a delta (one game's score: each client gets a `game` "
        "frame) and a full update (the live week changes: each client gets the whole "
        "`update`). Latency is publish (the Redis stream id's time) to receive at every "
        "client's socket (the kernel's receive timestamp, SO_TIMESTAMPNS: on loopback the "
        "moment the server's write delivered the bytes, so the load processes' own waits for "
        "CPU are not counted; when they read them is shown too), every event counted."
    )
    if hold.error:
        section.text(f"The run failed: {hold.error}")
    delta, full = hold.latency.get("delta", (None,) * 3), hold.latency.get("full", (None,) * 3)
    rate = hold.connected / hold.connect_wall_s if hold.connect_wall_s else None
    section.table(
        ["what", "measured"],
        [
            ["connected", f"{num(hold.connected)} of {hold.clients:,}"],
            [
                "connect rate (all processes, wall)",
                f"{num(rate)} /s over {hold.connect_wall_s:.1f} s",
            ],
            ["connect p50 / p99", f"{ms(hold.connect_p50_s)} / {ms(hold.connect_p99_s)}"],
            ["statuses / connect failures", f"{hold.statuses} / {hold.failures or 0}"],
            ["sockets per worker (the split)", "/".join(map(str, hold.split))],
            ["server memory per idle connection (RSS growth)", kib(hold.rss_idle_per_conn)],
            ["server memory per connection after the hold", kib(hold.rss_after_per_conn)],
            ["Redis connections", num(hold.redis_connections)],
            [
                "held",
                f"{hold.held_s:.0f} s; {num(hold.open_at_end)} open at the end, "
                f"{num(hold.dropped)} dropped, fewest heartbeats on a stream: {hold.pings_min}",
            ],
            [
                "delta (one game changed: a `game` frame) p50 / p99 / max",
                " / ".join(ms(v) for v in delta),
            ],
            [
                f"full update ({hold.event_bytes.get('full', 0):,} bytes) p50 / p99 / max",
                " / ".join(ms(v) for v in full),
            ],
            [
                "as the load processes read them (their own CPU waits included): delta / full "
                "p50 / p99",
                " ; ".join(
                    " / ".join(ms(v) for v in hold.observed.get(kind, (None,) * 3)[:2])
                    for kind in ("delta", "full")
                ),
            ],
            ["events lost (all clients, all events)", num(hold.lost)],
            ["repeated events", num(hold.repeats)],
            [
                "events read as one whole chunk, by type (deltas are `game`)",
                ", ".join(f"{kind}: {count:,}" for kind, count in sorted(hold.kinds.items())),
            ],
            [
                "CPU s: server / Redis / load clients",
                f"{hold.server_cpu_s:.1f} / {hold.redis_cpu_s:.1f} / {hold.client_cpu_s:.1f}",
            ],
        ],
    )
    section.text("Each event (received by how many clients, p50 / p99 / max):")
    section.bullets(
        [
            f"{kind} {event_id}: {count:,}, {ms(p50)} / {ms(p99)} / {ms(top)}"
            for kind, rows in hold.events.items()
            for event_id, count, p50, p99, top in rows
        ]
    )
    bound = REDIS_PER_WORKER * hold.workers
    rows = [
        [
            f"all {hold.clients:,} connected and held {plan.big_hold_s:g} s",
            f"{num(hold.open_at_end)} open at the end",
            verdict(hold.open_at_end, at_least=hold.clients),
        ],
        [
            "one delta to all, p99 at most 2 s",
            ms(delta[1]),
            verdict(delta[1], at_most=DELTA_P99_TARGET_S),
        ],
        [
            "one full update to all, p99 at most 5 s",
            ms(full[1]),
            verdict(full[1], at_most=FULL_P99_TARGET_S),
        ],
        ["0 events lost", num(hold.lost), verdict(hold.lost, at_most=0)],
        [
            "at most 10 KiB of server memory per idle connection",
            kib(hold.rss_idle_per_conn),
            verdict(
                None if hold.rss_idle_per_conn is None else hold.rss_idle_per_conn / 1024,
                at_most=RSS_TARGET_BYTES / 1024,
            ),
        ],
        [
            "Redis connections in proportion to processes",
            f"{num(hold.redis_connections)} (bound {REDIS_PER_WORKER} x {hold.workers})",
            verdict(hold.redis_connections, at_most=bound),
        ],
    ]
    section.text("Targets:")
    section.table(["target", "measured", "verdict"], rows)
    ctx.summary += [[f"{hold.clients:,} clients: {r[0]}", r[1], r[2]] for r in rows]
    if hold.profile and any("missed" in str(r[2]) for r in rows):
        section.text(hold.profile)
    return section
