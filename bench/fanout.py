"""Benchmark 3, live fan-out: the app and two baseline designs at N SSE clients, and idle holds."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import asdict, dataclass, field, replace

from bench import profiling, targets
from bench.context import FALLBACK_WEEK, Context, unavailable
from bench.procs import NotAvailable
from bench.report import Section
from bench.sse_run import Figures, Publisher, Shape, Starter, one_run
from bench.stats import kib, median, ms, num, verdict

LABELS = {
    "app": "nflscores (gunicorn, 2 workers)",
    "talk": "talk's design: one Redis SUBSCRIBE per client",
    "hub": "plain per-worker hub, one aiohttp-sse send() per client",
}
IDLE = "idle"
IDLE_LABEL = "nflscores, idle connections"
P99_TARGET_S = 1.0
RSS_TARGET_BYTES = 16 * 1024
#: The app's Redis pool per worker (NFLSCORES_REDIS_MAX_CONNECTIONS default) and its subscriber.
REDIS_PER_WORKER = 64 + 2
HEADER = [
    *("target", "N", "connected", "connect p50 / p99 / max", "latency p50", "p99", "max"),
    *("lost", "Redis conns", "RSS/conn idle", "RSS/conn after", "CPU s: server / Redis / clients"),
    "sockets per worker",
]


@dataclass
class Outcome:
    """Every run of this benchmark, by (target, N), and what could not run."""

    runs: dict[tuple[str, int], list[Figures]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    event_bytes: int = 0
    worker_class: str = ""
    profile: str | None = None


def run(ctx: Context) -> Section:
    """Run the fan-out benchmark and the idle-connection test; return the report section."""
    return asyncio.run(_run(ctx))


async def _run(ctx: Context) -> Section:
    workdir = ctx.out / "fanout"
    workdir.mkdir(parents=True, exist_ok=True)
    week_file = workdir / "week.json"
    week_file.write_bytes(FALLBACK_WEEK.read_bytes())
    ctx.redis.flush()
    env = targets.Stack(workdir, ctx.redis.url, week_file)
    env.worker_class = targets.deploy_worker_class(env)
    starters: dict[str, Starter] = {
        "app": lambda: targets.nflscores_app(env),
        "talk": lambda: targets.sse_talk(env),
        "hub": lambda: targets.sse_hub(env),
        IDLE: lambda: targets.nflscores_app(env, "nflscores-idle", workers=ctx.plan.idle_workers),
    }
    outcome = Outcome(worker_class=env.worker_class)
    publisher = Publisher(ctx.redis.url, week_file.read_bytes())
    async with publisher.leased():
        for round_no in range(ctx.plan.rounds):
            await _round(ctx, starters, publisher, outcome, round_no)
        await _profile(ctx, starters["app"], publisher, outcome)
    outcome.event_bytes = publisher.size
    ctx.raw["fanout"] = {f"{k}|{n}": [asdict(f) for f in v] for (k, n), v in outcome.runs.items()}
    return _write(ctx, outcome)


def _shape(ctx: Context, key: str, n: int, name: str) -> Shape:
    plan = ctx.plan
    workdir = ctx.out / "fanout" / name
    workdir.mkdir(parents=True, exist_ok=True)
    if key == IDLE:
        return Shape(
            clients=n, events=1, interval_s=0, hold_s=plan.idle_hold_s,
            drain_s=plan.fanout_drain_s, workdir=workdir,
        )  # fmt: skip
    return Shape(
        clients=n, events=plan.fanout_events, interval_s=plan.fanout_interval_s, hold_s=1.0,
        drain_s=plan.fanout_drain_s, workdir=workdir,
    )  # fmt: skip


async def _round(
    ctx: Context,
    starters: dict[str, Starter],
    publisher: Publisher,
    outcome: Outcome,
    round_no: int,
) -> None:
    """Run every (N, target) once, then the idle hold."""
    order = [(n, key) for n in ctx.plan.fanout_clients for key in LABELS]
    order.append((ctx.plan.idle_clients, IDLE))
    for n, key in order:
        if key in outcome.status or (key == IDLE and "app" in outcome.status):
            continue
        print(f"bench: fanout round {round_no + 1}: {key} N={n}", file=sys.stderr, flush=True)
        shape = _shape(ctx, key, n, f"{key}-{n}-{round_no}")
        try:
            fig = await one_run(ctx, starters[key], publisher, shape)
        except NotAvailable as exc:
            outcome.status[key] = unavailable(exc)
            continue
        except (RuntimeError, TimeoutError, OSError) as exc:
            fig = Figures(clients=n, events=shape.events, error=f"{type(exc).__name__}: {exc}")
        outcome.runs.setdefault((key, n), []).append(fig)


async def _profile(ctx: Context, starter: Starter, publisher: Publisher, outcome: Outcome) -> None:
    """Profile one extra run of the app at the largest N when it misses a target there."""
    biggest = max(ctx.plan.fanout_clients)
    runs = [f for f in outcome.runs.get(("app", biggest), []) if f.error is None]
    if not ctx.plan.profile or not runs:
        return
    p99, lost = _m(runs, "latency_p99_s"), _m(runs, "lost")
    if p99 is not None and p99 <= P99_TARGET_S and not lost:
        return
    output = ctx.out / "fanout" / "profile-fanout.txt"
    shape = _shape(ctx, "app", biggest, "profiled")
    shape = replace(shape, profile_to=output)
    try:
        await one_run(ctx, starter, publisher, shape)
    except (NotAvailable, RuntimeError, TimeoutError, OSError) as exc:
        outcome.profile = f"The profiled run failed: {exc}"
        return
    if not output.exists():
        outcome.profile = "py-spy recorded nothing (not installed, or ptrace not permitted)."
        return
    outcome.profile = (
        f"py-spy on the app's workers during one extra run at {biggest:,} clients "
        f"({output}):\n\n{profiling.summarize(output)}"
    )


def _m(runs: list[Figures], name: str) -> float | None:
    return median(getattr(f, name) for f in runs if f.error is None)


def _write(ctx: Context, outcome: Outcome) -> Section:
    plan = ctx.plan
    section = Section(
        f"3. Live fan-out: {plan.fanout_events} events, {plan.fanout_interval_s} s apart"
    )
    section.text(
        f"Each run starts the server afresh (gunicorn, 2 workers, `{outcome.worker_class}`), "
        "connects N clients with bench's raw-asyncio client (at most "
        f"{plan.connections_per_client_process:,} sockets per process, 2 loopback source "
        f"addresses each), waits 1 s, publishes {plan.fanout_events} events of "
        f"{outcome.event_bytes:,} bytes {plan.fanout_interval_s} s apart, and waits up to "
        f"{plan.fanout_drain_s:g} s after the last for every client to have it. Lost = events "
        "not received by then (a client that never connected loses all of them). Median of "
        f"{plan.rounds} interleaved round(s). RSS/conn = growth of the workers' resident memory "
        "since before the clients connected, divided by the clients connected (idle: before "
        "any event; after: once the events were delivered). CPU seconds are for the whole run."
    )
    rows: list[list[object]] = []
    for key, label in LABELS.items():
        if key in outcome.status:
            rows.append([label, outcome.status[key], *[""] * (len(HEADER) - 2)])
            continue
        rows += [_row(label, n, outcome.runs.get((key, n), [])) for n in plan.fanout_clients]
    section.table(HEADER, rows)
    notes = [
        f"{LABELS.get(key, IDLE_LABEL)} N={n:,}: " + "; ".join(filter(None, map(_oddities, group)))
        for (key, n), group in outcome.runs.items()
        if any(map(_oddities, group))
    ]
    if notes:
        section.text("Failures seen (statuses other than 200, connect errors, refusals, drops):")
        section.bullets(notes)
    _write_targets(section, ctx, outcome)
    if outcome.profile:
        section.text(outcome.profile)
    return section


def _write_targets(section: Section, ctx: Context, outcome: Outcome) -> None:
    plan = ctx.plan
    biggest = max(plan.fanout_clients)
    app = [f for f in outcome.runs.get(("app", biggest), []) if f.error is None]
    p99, lost = _m(app, "latency_p99_s"), _m(app, "lost")
    redis, rss = _m(app, "redis_connections"), _m(app, "rss_per_conn_idle")
    idle = [f for f in outcome.runs.get((IDLE, plan.idle_clients), []) if f.error is None]
    held, got = _m(idle, "open_at_stop"), _m(idle, "received")
    bound = 2 * REDIS_PER_WORKER
    section.text(f"Targets for nflscores at {biggest:,} clients:")
    section.table(
        ["target", "measured", "verdict"],
        [
            ["zero lost events", num(lost), verdict(lost, at_most=0)],
            ["p99 publish-to-receive at most 1 s", ms(p99), verdict(p99, at_most=P99_TARGET_S)],
            [
                "Redis connections in proportion to workers, not clients",
                f"{num(redis)} (bound: {REDIS_PER_WORKER} per worker, {bound} for 2)",
                verdict(redis, at_most=bound),
            ],
            [
                "at most 16 KiB of server memory per idle connection",
                kib(rss),
                verdict(rss, at_most=RSS_TARGET_BYTES),
            ],
            [
                f"{plan.idle_clients:,} idle connections held at once",
                f"{num(held)} held ({plan.idle_workers} workers); {num(got)} got the event",
                verdict(held, at_least=plan.idle_clients),
            ],
        ],
    )
    section.text(
        f"Idle connections: {plan.idle_clients:,} clients on nflscores with {plan.idle_workers} "
        "workers (40,000 sockets cannot fit in 2 workers of 20,000 open files each), held "
        f"{plan.idle_hold_s:g} s, then one event published to all of them:"
    )
    if IDLE in outcome.status:
        section.text(outcome.status[IDLE])
    else:
        section.table(HEADER, [_row(IDLE_LABEL, plan.idle_clients, idle)])


def _row(label: str, n: int, group: list[Figures]) -> list[object]:
    good = [f for f in group if f.error is None]
    if not good:
        errors = "; ".join(f.error or "" for f in group) or "no run"
        return [label, f"{n:,}", errors, *[""] * (len(HEADER) - 3)]
    connect = " / ".join(ms(_m(good, f"connect_{p}_s")) for p in ("p50", "p99", "max"))
    return [
        label,
        f"{n:,}",
        num(_m(good, "connected")),
        connect,
        ms(_m(good, "latency_p50_s")),
        ms(_m(good, "latency_p99_s")),
        ms(_m(good, "latency_max_s")),
        num(_m(good, "lost")),
        num(_m(good, "redis_connections")),
        kib(_m(good, "rss_per_conn_idle")),
        kib(_m(good, "rss_per_conn_after")),
        " / ".join(f"{_m(good, f'{who}_cpu_s') or 0:.1f}" for who in ("server", "redis", "client")),
        " ; ".join("/".join(map(str, f.split)) for f in good),
    ]


def _oddities(fig: Figures) -> str:
    parts = []
    if fig.error:
        parts.append(fig.error)
    bad = {code: count for code, count in fig.statuses.items() if code != "200"}
    if bad:
        parts.append(f"HTTP {bad}")
    if fig.failures:
        parts.append(f"connect failures {fig.failures}")
    if fig.redis_rejected:
        parts.append(f"Redis refused {fig.redis_rejected:,} connections")
    if fig.listen_overflows:
        parts.append(f"{fig.listen_overflows:,} accept-queue overflows on the host")
    if fig.dropped:
        parts.append(f"{fig.dropped:,} streams dropped by the server")
    return ", ".join(parts)
