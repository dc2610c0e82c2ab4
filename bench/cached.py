"""Benchmark 1, the cached week: GET /api/2015/12 with wrk, the app beside baselines (a)-(d)."""

from __future__ import annotations

import contextlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import nginx, plots, profiling, targets
from bench.context import FALLBACK_WEEK, Context, counted_upstream, unavailable
from bench.procs import NotAvailable, Service
from bench.report import Section
from bench.stats import median, ms, num, ratio, times, verdict
from bench.wrk import WrkResult, run_wrk

PATH = "/api/2015/12"
#: The headers of the contract the bare baseline sends too, with the app's values.
WRITTEN_BY_AIOHTTP = frozenset({"date", "content-length", "content-type", "connection"})
LABELS = {
    "app": "nflscores (gunicorn, 2 workers)",
    "app+log": "nflscores (gunicorn, 2 workers), access log on",
    "app+nginx": "nflscores behind nginx (deploy/nginx.conf)",
    "a": "(a) bare aiohttp, the same bytes from memory",
    "b": "(b) Flask + redis-py GET + jsonify, 2 sync workers",
    "c": "(c) nginx, static file",
    "d": "(d) aiohttp + one redis-py GET per request",
    "e": "(e) FastAPI on uvicorn, 2 workers, one redis.asyncio GET per request",
}
#: The plots' legend.
SHORT = {
    "app": "nflscores, access log off",
    "app+log": "nflscores as shipped (access log on)",
    "app+nginx": "nflscores behind nginx",
    "a": "(a) bare aiohttp, same bytes",
    "b": "(b) Flask + redis-py",
    "c": "(c) nginx, static file",
    "d": "(d) aiohttp + redis-py GET",
    "e": "(e) FastAPI + redis.asyncio",
}
BASELINES: dict[str, Callable[[targets.Stack], AbstractContextManager[Service]]] = {
    "a": targets.bare,
    "b": targets.flask_sync,
    "c": targets.nginx_static,
    "d": targets.naive_redis,
    "e": targets.fastapi_redis,
}
#: The ratios issues 6 and 14 set: (measured target, baseline, at least).
TARGETS = (
    ("app+log", "a", 0.9),
    ("app", "a", 0.9),
    ("app+log", "e", 2.0),
    ("app", "b", 8.0),
    ("app", "d", 2.0),
    ("app+nginx", "c", 0.9),
)
#: The ratios nearest their targets get the plan's close_rounds too: these targets, compared
#: within each group, at these connection counts (the summary's).
CLOSE_GROUPS = (("app+log", "app", "a", "b"), ("app+nginx", "c"))
CLOSE_CONNECTIONS = (64, 256)
#: The tail: the app's p99 (as shipped, log on) at most this multiple of the bare app's.
TAIL_CONNECTIONS = 1024
TAIL_RATIO = 2.0
Key = tuple[str, str, int]  # (kind "get" or "304", target, connections)


@dataclass
class Measured:
    """Everything the report needs from one run of this benchmark."""

    results: dict[Key, list[WrkResult]] = field(default_factory=lambda: defaultdict(list))
    status: dict[str, str] = field(default_factory=dict)
    source: str = f"the committed copy {FALLBACK_WEEK.name} (the app is not available)"
    upstream: str = ""
    worker_class: str = ""
    notes: list[str] = field(default_factory=list)
    profile: str | None = None

    def rps(self, kind: str, key: str, n: int) -> float | None:
        """Return the median requests/s of one (kind, target, connections)."""
        return median(r.rps for r in self.results.get((kind, key, n), []))

    def p99(self, kind: str, key: str, n: int) -> float | None:
        """Return the median p99 latency of one (kind, target, connections)."""
        return median(r.p99_s for r in self.results.get((kind, key, n), []))

    def round_ratios(self, key: str, base: str, n: int) -> list[float]:
        """Return key's req/s over base's, round by round (the rounds both ran in)."""
        mine, theirs = self.results.get(("get", key, n), []), self.results.get(("get", base, n), [])
        # The plan's rounds first, then the close rounds, which only some targets run.
        pairs = zip(mine, theirs, strict=False)
        return [a.rps / b.rps for a, b in pairs if b.rps]

    def cpu_us(self, kind: str, key: str, n: int) -> float | None:
        """Return the median server CPU per answered request, in microseconds."""
        runs = self.results.get((kind, key, n), [])
        return median(r.server_cpu_s / r.requests * 1e6 for r in runs if r.requests)


def _warm_app(app: Service) -> tuple[bytes, str, dict[str, str]]:
    """Request the week until it is served from the cache; return its bytes, ETag, headers."""
    deadline = time.monotonic() + 30
    while True:
        reply = targets.get(app.port, PATH)
        if reply.status == 200 and reply.headers.get("x-cache") == "HIT":
            # Every header but those aiohttp writes itself: baseline (a) sends the same bytes.
            kept = {
                name: value
                for name, value in reply.headers.items()
                if name.lower() not in WRITTEN_BY_AIOHTTP
            }
            return reply.body, reply.headers.get("etag", ""), kept
        if time.monotonic() > deadline:
            raise NotAvailable(f"GET {PATH} answered {reply.status}, not a cached 200")
        time.sleep(0.2)


def run(ctx: Context) -> Section:
    """Run the cached-week benchmark and return its report section."""
    workdir = ctx.out / "cached"
    workdir.mkdir(parents=True, exist_ok=True)
    week_file = workdir / "week.json"
    week_file.write_bytes(FALLBACK_WEEK.read_bytes())
    ctx.redis.flush()
    measured = Measured()
    with contextlib.ExitStack() as stack, counted_upstream(ctx, 0, "cached") as upstream:
        env = targets.Stack(workdir, ctx.redis.url, week_file, upstream.url)
        env.worker_class = targets.deploy_worker_class(env)
        measured.upstream, measured.worker_class = upstream.kind, env.worker_class
        services, etag = _start_app(stack, env, measured, ctx.redis.service)
        ctx.redis.client.set("bench:week:2015:12", week_file.read_bytes())
        for key, starter in BASELINES.items():
            try:
                # Redis's CPU counts as the server's: (b) and (d) make it work per request.
                services[key] = [stack.enter_context(starter(env)), ctx.redis.service]
            except NotAvailable as exc:
                measured.status[key] = unavailable(exc)
        for key, group in list(services.items()):
            reply = targets.get(group[0].port, PATH)
            if reply.status != 200:
                measured.status[key] = f"not available: GET {PATH} answered {reply.status}"
                del services[key]
        _record_commands(ctx, services)
        _measure(ctx, services, etag, measured)
        if ctx.plan.profile:
            measured.profile = _profile(ctx, services, measured, workdir)
        measured.notes += env.notes
    ctx.raw["cached"] = {
        "|".join(map(str, key)): [asdict(r) for r in runs] for key, runs in measured.results.items()
    }
    return _write(ctx, measured)


def _start_app(
    stack: contextlib.ExitStack, env: targets.Stack, measured: Measured, redis: Service
) -> tuple[dict[str, list[Service]], str]:
    """Start the app (and nginx in front of it), warm the week and keep its bytes."""
    services: dict[str, list[Service]] = {}
    try:
        app = stack.enter_context(targets.nflscores_app(env))
        body, etag, headers = _warm_app(app)
        env.week_file.with_suffix(".headers.json").write_text(json.dumps(headers))
    except NotAvailable as exc:
        measured.status["app"] = measured.status["app+nginx"] = unavailable(exc)
        return services, ""
    try:
        # As shipped: one access-log line per request (the other app runs with it off).
        logged = stack.enter_context(
            targets.nflscores_app(
                env, "nflscores-logged", extra_env={"NFLSCORES_LOG_LEVEL": "INFO"}
            )
        )
        _warm_app(logged)
        services["app+log"] = [logged, redis]
    except NotAvailable as exc:
        measured.status["app+log"] = unavailable(exc)
    env.week_file.write_bytes(body)
    measured.source = f"the app's own answer ({len(body):,} bytes, ETag {etag})"
    services["app"] = [app, redis]
    try:
        front = stack.enter_context(nginx.deploy(env.workdir / "nginx-deploy", app.port))
        # nginx's CPU and the app's together: a cache miss in nginx costs the app.
        services["app+nginx"] = [front, app, redis]
    except NotAvailable as exc:
        measured.status["app+nginx"] = unavailable(exc)
    return services, etag


def _record_commands(ctx: Context, services: dict[str, list[Service]]) -> None:
    for key, group in services.items():
        ctx.record(f"cached week: {LABELS[key]}", group[0].argv)
    plan = ctx.plan
    ctx.record(
        "cached week: load",
        f"wrk -t{plan.wrk_threads} -c<N> -d{plan.wrk_seconds}s --timeout 10s --latency "
        f"http://127.0.0.1:<port>{PATH}  (N in {plan.connections}; "
        'conditional runs add -H "If-None-Match: <ETag>")',
    )


def _measure(
    ctx: Context, services: dict[str, list[Service]], etag: str, measured: Measured
) -> None:
    """Run every (target, connections) once per round, interleaved."""
    plan = ctx.plan

    def one(kind: str, key: str, connections: int, *, seconds: int = plan.wrk_seconds) -> None:
        group = services[key]
        headers = (f"If-None-Match: {etag}",) if kind == "304" else ()
        result = run_wrk(
            f"http://127.0.0.1:{group[0].port}{PATH}",
            connections=connections,
            threads=plan.wrk_threads,
            seconds=seconds,
            services=group,
            headers=headers,
        )
        if kind != "warm":
            measured.results[(kind, key, connections)].append(result)

    for key in services:
        one("warm", key, 64, seconds=1)
    keys = list(services)
    for index in range(plan.rounds):
        # Each round starts at another target, so none is always the first after a change
        # of connection count (nor always runs right after the same neighbour).
        start = index * len(keys) // plan.rounds
        for connections in plan.connections:
            for key in keys[start:] + keys[:start]:
                one("get", key, connections)
        for connections in plan.connections[1:3] if etag else ():
            for key in ("app", "app+nginx"):
                if key in services:
                    one("304", key, connections)
    for index in range(plan.close_rounds):
        for connections in (n for n in CLOSE_CONNECTIONS if n in plan.connections):
            for group in CLOSE_GROUPS:
                members = [key for key in group if key in services]
                for key in members[::-1] if index % 2 else members:
                    one("get", key, connections)


def _profile(
    ctx: Context, services: dict[str, list[Service]], measured: Measured, workdir: Path
) -> str | None:
    """Profile the app under the largest load when it misses its ratio to (a)."""
    if "app+log" not in services or "a" not in services:
        return None
    connections = max(ctx.plan.connections)
    value = ratio(
        measured.rps("get", "app+log", connections), measured.rps("get", "a", connections)
    )
    if value is None or value >= 0.9:
        return None
    output = workdir / "profile-cached.txt"
    app = services["app+log"][0]
    sampler = profiling.start(app.pid, ctx.plan.wrk_seconds, output)
    if sampler is None:
        return "py-spy is not installed: no profile."
    run_wrk(
        f"http://127.0.0.1:{app.port}{PATH}",
        connections=connections,
        threads=ctx.plan.wrk_threads,
        seconds=ctx.plan.wrk_seconds,
        services=[app],
    )
    sampler.wait(ctx.plan.wrk_seconds + 30)
    if not output.exists():
        return "py-spy recorded nothing (ptrace not permitted?)."
    summary = profiling.summarize(output)
    return (
        f"py-spy on the app's workers (as shipped, access log on) at {connections} connections "
        f"({output}):\n\n{summary}"
    )


def _write(ctx: Context, m: Measured) -> Section:
    plan = ctx.plan
    section = Section("1. Cached week: GET /api/2015/12")
    section.text(
        f"wrk, {plan.wrk_threads} threads, {plan.wrk_seconds} s per run, median of "
        f"{plan.rounds} interleaved round(s), each starting at another target"
        + (
            f", and {plan.close_rounds} more at {'/'.join(map(str, CLOSE_CONNECTIONS))} "
            "connections for the ratios nearest their targets (each round the targets of "
            f"{'; '.join(', '.join(group) for group in CLOSE_GROUPS)} back to back, in "
            "turn forwards and backwards)"
            if plan.close_rounds
            else ""
        )
        + f". Body: {m.source}. Baselines (a) and (d) run "
        f"gunicorn's `{m.worker_class}` worker, the one deploy/gunicorn.conf.py sets, and "
        "every gunicorn baseline a listening socket per worker (`--reuse-port`) as it does; "
        "(e) runs `uvicorn --workers 2` with uvloop and httptools, access log off. "
        f"Upstream (for the app's first fetch): {m.upstream}."
    )
    header = ["target"]
    for n in plan.connections:
        header += [f"req/s @{n}", f"p99 @{n}"]
    header += ["socket errors / non-2xx (all runs)", "server+Redis CPU s / wrk CPU s (all runs)"]
    rows: list[list[object]] = []
    for key, label in LABELS.items():
        if key in m.status:
            rows.append([label, m.status[key], *[""] * (len(header) - 2)])
            continue
        row: list[object] = [label]
        runs: list[WrkResult] = []
        for n in plan.connections:
            row += [num(m.rps("get", key, n)), ms(m.p99("get", key, n))]
            runs += m.results.get(("get", key, n), [])
        errors = sum(r.socket_errors for r in runs)
        non_2xx = sum(r.non_2xx_3xx for r in runs)
        server_cpu = sum(r.server_cpu_s for r in runs)
        row += [
            f"{errors:,} / {non_2xx:,}",
            f"{server_cpu:.1f} / {sum(r.wrk_cpu_s for r in runs):.1f}",
        ]
        rows.append(row)
    section.table(header, rows)
    _plot(section, ctx, m)
    _write_targets(section, ctx, m)
    _write_cpu(section, plan.connections, m)
    _write_conditional(section, plan.connections[1:3], m)
    _write_spread(section, plan.connections, m)
    section.bullets(m.notes)
    if m.profile:
        section.text(m.profile)
    return section


def _plot(section: Section, ctx: Context, m: Measured) -> None:
    """Draw req/s and p99 against connections, the app and every baseline on the same axes."""
    connections = ctx.plan.connections
    for what, ylabel, value, scale, logy in (
        ("throughput", "requests/s (log scale)", m.rps, 1.0, True),
        ("p99", "p99 latency (ms, log scale)", m.p99, 1000.0, True),
    ):
        rows = {
            SHORT[key]: {n: value("get", key, n) for n in connections}
            for key in LABELS
            if key not in m.status
        }
        path = plots.draw(
            plots.Plot(
                title=f"Cached week GET /api/2015/12: {what} against connections (wrk)",
                xlabel="concurrent connections",
                ylabel=ylabel,
                series=plots.from_table(rows, scale=scale),
                logy=logy,
            ),
            ctx.assets / f"cached-{what}.png",
        )
        if path is not None:
            ctx.plots.append(("cached" if what == "throughput" else "cached-p99", path))
            section.text(plots.markdown(path, ctx.report_dir, f"cached week {what}"))


def _write_targets(section: Section, ctx: Context, m: Measured) -> None:
    rows: list[list[object]] = []
    for key, base, at_least in TARGETS:
        for n in ctx.plan.connections:
            value = ratio(m.rps("get", key, n), m.rps("get", base, n))
            rounds = m.round_ratios(key, base, n)
            rows.append(
                [
                    f"{LABELS[key]} / {LABELS[base]}",
                    n,
                    times(value),
                    f">= {at_least}x",
                    verdict(value, at_least=at_least),
                    f"{len(rounds)}: {times(median(rounds))} ({times(min(rounds, default=None))}"
                    f"-{times(max(rounds, default=None))})",
                ]
            )
            if n in CLOSE_CONNECTIONS or len(ctx.plan.connections) == 1:
                ctx.summary.append(
                    [f"cached GET @{n}: {LABELS[key]} >= {at_least}x {LABELS[base]}",
                     times(value), verdict(value, at_least=at_least)]
                )  # fmt: skip
    tail = TAIL_CONNECTIONS if TAIL_CONNECTIONS in ctx.plan.connections else None
    if tail is not None:
        app, bare = m.p99("get", "app+log", tail), m.p99("get", "a", tail)
        value = ratio(app, bare)
        rows.append(
            [
                f"p99 of {LABELS['app+log']} / p99 of {LABELS['a']}",
                tail,
                f"{ms(app)} / {ms(bare)} = {times(value)}",
                f"<= {TAIL_RATIO}x",
                verdict(value, at_most=TAIL_RATIO),
                "",
            ]
        )
        ctx.summary.append(
            [f"cached GET tail @{tail}: app's p99 <= {TAIL_RATIO}x the bare app's",
             f"{ms(app)} vs {ms(bare)}", verdict(value, at_most=TAIL_RATIO)]
        )  # fmt: skip
    section.text(
        "Targets: each ratio is between the medians of the two targets' rounds in this run. "
        "Beside it, each round's own ratio (the two targets' runs of one round): how many, "
        "their median and their range, the spread behind the verdict."
    )
    section.table(
        ["ratio", "connections", "measured", "target", "verdict", "rounds: median (range)"],
        rows,
    )


#: The targets whose CPU per request is shown: the app, its bare twin and the peers.
CPU_KEYS = ("app+log", "app", "a", "d", "e")


def _write_cpu(section: Section, connections: tuple[int, ...], m: Measured) -> None:
    """Show the server's CPU per request: the work each answer costs, whatever wrk got."""
    keys = [key for key in CPU_KEYS if any(("get", key, n) in m.results for n in connections)]
    if not keys:
        return
    section.text(
        "Server CPU per answered request: the CPU time of the target's processes over each "
        "run (Redis's with the targets that run beside it) divided by the requests wrk "
        "counted, median over the rounds. Throughput on these shared cores also depends on "
        "how the CPU is split with wrk; this is the work each answer costs:"
    )
    section.table(
        ["target", *[f"us @{n}" for n in connections]],
        [[LABELS[key], *[num(m.cpu_us("get", key, n), 1) for n in connections]] for key in keys],
    )
    shipped, bare = "app+log", "a"
    pairs = [
        (n, m.cpu_us("get", shipped, n), m.cpu_us("get", bare, n))
        for n in connections
        if ("get", shipped, n) in m.results and ("get", bare, n) in m.results
    ]
    if pairs:
        section.text(
            f"{LABELS[bare]} over {LABELS[shipped]}, CPU per request (the throughput ratio the "
            "target asks for, were wrk and the server not sharing the cores): "
            + "; ".join(f"{num(ratio(b, a), 2)}x @{n}" for n, a, b in pairs)
            + "."
        )


def _write_conditional(section: Section, connections: tuple[int, ...], m: Measured) -> None:
    keys = [k for k in ("app", "app+nginx") if any(r[:2] == ("304", k) for r in m.results)]
    if not keys:
        return
    section.text("Conditional GETs (`If-None-Match` with the week's ETag, answered 304):")
    section.table(
        ["target", *[f"req/s @{n}" for n in connections], *[f"p99 @{n}" for n in connections]],
        [
            [LABELS[key]]
            + [num(m.rps("304", key, n)) for n in connections]
            + [ms(m.p99("304", key, n)) for n in connections]
            for key in keys
        ],
    )


def _write_spread(section: Section, connections: tuple[int, ...], m: Measured) -> None:
    present = [(k, n) for k in LABELS for n in connections if ("get", k, n) in m.results]
    section.text("Every round's req/s, for the spread behind each median:")
    section.bullets(
        [
            f"{LABELS[k]} @{n}: " + " / ".join(num(r.rps) for r in m.results[("get", k, n)])
            for k, n in present
        ]
    )
    section.text(
        "Open sockets per worker halfway through each run (the connection split; Redis "
        "connections included):"
    )
    section.bullets(
        [
            f"{LABELS[k]} @{n}: "
            + "; ".join("/".join(map(str, r.split)) for r in m.results[("get", k, n)])
            for k, n in present
            if k in ("app", "app+log", "a", "d", "e")
        ]
    )
