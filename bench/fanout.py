"""Benchmark 3, live fan-out: the app beside three baseline designs at N SSE clients.

The 100,000-client hold is benchmark 4 (bench/fanout100k.py).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import asdict, dataclass, field, replace

from bench import plots, profiling, targets
from bench.context import FALLBACK_WEEK, Context, unavailable
from bench.procs import NotAvailable
from bench.report import Section
from bench.sse_run import Figures, Publisher, Shape, Starter, one_run
from bench.stats import kib, median, ms, num, verdict

LABELS = {
    "app": "nflscores (gunicorn, 2 workers)",
    "filtered": "nflscores, each client its own `?team=` pair (496 distinct filters)",
    "talk": "talk's design: one Redis SUBSCRIBE per client",
    "hub": "plain per-worker hub, one aiohttp-sse send() per client",
    "starlette": "sse-starlette behind FastAPI on uvicorn, 2 workers, one subscription each",
}
#: The plot's legend.
SHORT = {
    "app": "nflscores",
    "filtered": "nflscores, ?team= pairs",
    "talk": "SUBSCRIBE per client",
    "hub": "hub + aiohttp-sse send()",
    "starlette": "sse-starlette",
}
P99_TARGET_S = 1.0
#: The app's p99 at the largest N at most this share of sse-starlette's (issue 14).
PEER_P99_SHARE = 1 / 3
#: Memory per client with a filter of its own at most this many times an unfiltered one's.
FILTERED_MEMORY_SHARE = 2.0
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
        "filtered": lambda: targets.nflscores_app(env),
        "talk": lambda: targets.sse_talk(env),
        "hub": lambda: targets.sse_hub(env),
        "starlette": lambda: targets.sse_starlette(env),
    }
    outcome = Outcome(worker_class=env.worker_class)
    publisher = Publisher(ctx.redis.url, week_file.read_bytes())
    async with publisher.leased():
        for round_no in range(ctx.plan.fanout_rounds):
            await _round(ctx, starters, publisher, outcome, round_no)
        await _profile(ctx, starters["app"], publisher, outcome)
    outcome.event_bytes = publisher.size
    ctx.raw["fanout"] = {f"{k}|{n}": [asdict(f) for f in v] for (k, n), v in outcome.runs.items()}
    return _write(ctx, outcome)


def _shape(ctx: Context, key: str, n: int, name: str) -> Shape:
    plan = ctx.plan
    workdir = ctx.out / "fanout" / name
    workdir.mkdir(parents=True, exist_ok=True)
    return Shape(
        clients=n, events=plan.fanout_events, interval_s=plan.fanout_interval_s, hold_s=1.0,
        drain_s=plan.fanout_drain_s, workdir=workdir, team_pairs=key == "filtered",
    )  # fmt: skip


async def _round(
    ctx: Context,
    starters: dict[str, Starter],
    publisher: Publisher,
    outcome: Outcome,
    round_no: int,
) -> None:
    """Run every (N, target) once."""
    order = [(n, key) for n in ctx.plan.fanout_clients for key in LABELS]
    for n, key in order:
        if key in outcome.status:
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
        f"Each run starts the server afresh (gunicorn, 2 workers, `{outcome.worker_class}`; "
        "uvicorn with 2 workers for sse-starlette), "
        "connects N clients with bench's raw-asyncio load fleet (at most "
        f"{plan.connections_per_client_process:,} sockets per process, 2 loopback source "
        f"addresses each), waits 1 s, publishes {plan.fanout_events} events of "
        f"{outcome.event_bytes:,} bytes {plan.fanout_interval_s} s apart, and waits up to "
        f"{plan.fanout_drain_s:g} s after the last for every client to have it. Lost = events "
        "not received by then (a client that never connected loses all of them). Median of "
        f"{plan.fanout_rounds} interleaved round(s). RSS/conn = growth of the workers' "
        "resident memory since before the clients connected, divided by the clients "
        "connected (idle: before any event; after: once the events were delivered). CPU "
        "seconds are for the whole run."
    )
    rows: list[list[object]] = []
    for key, label in LABELS.items():
        if key in outcome.status:
            rows.append([label, outcome.status[key], *[""] * (len(HEADER) - 2)])
            continue
        rows += [_row(label, n, outcome.runs.get((key, n), [])) for n in plan.fanout_clients]
    section.table(HEADER, rows)
    notes = [
        f"{LABELS.get(key, key)} N={n:,}: " + "; ".join(filter(None, map(_oddities, group)))
        for (key, n), group in outcome.runs.items()
        if any(map(_oddities, group))
    ]
    if notes:
        section.text("Failures seen (statuses other than 200, connect errors, refusals, drops):")
        section.bullets(notes)
    _plot(section, ctx, outcome)
    _write_targets(section, ctx, outcome)
    if outcome.profile:
        section.text(outcome.profile)
    return section


def _plot(section: Section, ctx: Context, outcome: Outcome) -> None:
    """Draw p99 and p50 publish-to-receive latency against clients, every design on one axis."""
    rows: dict[str, dict[int, float | None]] = {}
    for key in LABELS:
        for pct in ("p99", "p50"):
            rows[f"{SHORT[key]} ({pct})"] = {
                n: _m(outcome.runs.get((key, n), []), f"latency_{pct}_s")
                for n in ctx.plan.fanout_clients
            }
    series = plots.from_table(rows, scale=1000)
    big = ctx.raw.get("fanout100k")
    if isinstance(big, dict) and big.get("latency"):
        for kind, label in (("delta", "delta"), ("full", "full update")):
            p99 = big["latency"].get(kind, (None, None, None))[1]
            if p99 is not None:
                series[f"nflscores, {big['workers']} workers, {label} (p99)"] = [
                    (float(big["clients"]), p99 * 1000)
                ]
    path = plots.draw(
        plots.Plot(
            title="Live fan-out: publish-to-receive latency against clients",
            xlabel="SSE clients (2 workers unless said)",
            ylabel="latency (ms, log scale)",
            series=series,
            logy=True,
            marks={"target p99 1 s": P99_TARGET_S * 1000},
        ),
        ctx.assets / "fanout-latency.png",
    )
    if path is not None:
        ctx.plots.append(("fanout", path))
        section.text(plots.markdown(path, ctx.report_dir, "fan-out latency against clients"))


def _write_targets(section: Section, ctx: Context, outcome: Outcome) -> None:
    plan = ctx.plan
    biggest = max(plan.fanout_clients)
    app, peer = _good(outcome, "app", biggest), _good(outcome, "starlette", biggest)
    p99, lost = _m(app, "latency_p99_s"), _m(app, "lost")
    redis, rss = _m(app, "redis_connections"), _m(app, "rss_per_conn_idle")
    # Filters are most distinct, so cost the most per client, at the smallest N.
    fewest = min(plan.fanout_clients)
    after, filtered_after = (
        _m(_good(outcome, key, fewest), "rss_per_conn_after") for key in ("app", "filtered")
    )
    peer_p99, peer_rss = _m(peer, "latency_p99_s"), _m(peer, "rss_per_conn_idle")
    share = None if p99 is None or not peer_p99 else p99 / peer_p99
    bound = 2 * REDIS_PER_WORKER
    section.text(f"Targets for nflscores at {biggest:,} clients:")
    rows = [
        ["zero lost events", num(lost), verdict(lost, at_most=0)],
        ["p99 publish-to-receive at most 1 s", ms(p99), verdict(p99, at_most=P99_TARGET_S)],
        [
            "p99 at most a third of sse-starlette's",
            f"{ms(p99)} vs {ms(peer_p99)} ({'-' if share is None else f'{share:.2f}'} of it)",
            verdict(share, at_most=PEER_P99_SHARE),
        ],
        [
            "memory per idle connection no more than sse-starlette's",
            f"{kib(rss)} vs {kib(peer_rss)}",
            verdict(None if rss is None or peer_rss is None else rss / peer_rss, at_most=1.0),
        ],
        [
            f"memory per filtered client at most {FILTERED_MEMORY_SHARE:g}x an unfiltered one's "
            f"(after the events, at {fewest:,} clients)",
            f"{kib(filtered_after)} vs {kib(after)}",
            verdict(
                None if filtered_after is None or not after else filtered_after / after,
                at_most=FILTERED_MEMORY_SHARE,
            ),
        ],
        [
            "Redis connections in proportion to workers, not clients",
            f"{num(redis)} (bound: {REDIS_PER_WORKER} per worker, {bound} for 2)",
            verdict(redis, at_most=bound),
        ],
    ]
    section.table(["target", "measured", "verdict"], rows)
    ctx.summary += [[f"stream at {biggest:,} clients: {row[0]}", row[1], row[2]] for row in rows]


def _good(outcome: Outcome, key: str, n: int) -> list[Figures]:
    return [f for f in outcome.runs.get((key, n), []) if f.error is None]


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
