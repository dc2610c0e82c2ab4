"""Benchmark 2, cold fetches: fetch-season against a slow upstream, and a herd of cold requests."""

from __future__ import annotations

import contextlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from bench import targets
from bench.context import Context, Upstream, counted_upstream, unavailable
from bench.procs import PYTHON, NotAvailable, Service, last_line, run_bounded
from bench.report import Section
from bench.stats import median, ms, num, percentile, ratio, times, verdict

SEASON = 2015
#: Weeks never requested before in a run, one per cold-request run.
FRESH_WEEKS = [(2015, str(w)) for w in range(1, 18) if w != 12] + [
    (2014, str(w)) for w in range(1, 18)
]


@dataclass(frozen=True, slots=True)
class Fetch:
    """One whole-season fetch: in-process seconds, process wall time, upstream requests."""

    seconds: float | None
    wall_s: float
    ok: bool
    upstream_requests: int
    detail: str


@dataclass(frozen=True, slots=True)
class Herd:
    """N simultaneous requests for one uncached week."""

    upstream_requests: int
    p50_s: float | None
    p99_s: float | None
    statuses: dict[str, int]
    client_cpu_s: float
    server_cpu_s: float


def fetch_season_available() -> str | None:
    """Return why `nflscores fetch-season` cannot run, or None."""
    check = run_bounded([PYTHON, "-m", "nflscores", "fetch-season", "--help"], timeout=30)
    return (
        None
        if check.returncode == 0
        else f"`nflscores fetch-season` fails: {last_line(check.stderr)}"
    )


def _fetch_season(ctx: Context, upstream: Upstream, concurrency: int | None) -> Fetch:
    ctx.redis.flush()
    upstream.reset()
    argv = [PYTHON, "-m", "nflscores", "fetch-season", str(SEASON)]
    if concurrency is not None:
        argv += ["--concurrency", str(concurrency)]
    ctx.record("cold: fetch-season", argv)
    env = {
        "NFLSCORES_REDIS_URL": ctx.redis.url,
        "NFLSCORES_UPSTREAM_URL": upstream.url,
        "NFLSCORES_LOG_LEVEL": "WARNING",
    }
    done = run_bounded(argv, timeout=120, env=env)
    match = re.search(r"in ([\d.]+)s\s*$", done.stdout.strip())
    summary = [last_line(done.stdout) if done.returncode == 0 else last_line(done.stderr)]
    return Fetch(
        seconds=float(match[1]) if match else None,
        wall_s=done.wall_s,
        ok=done.returncode == 0,
        upstream_requests=sum(upstream.counts().values()),
        detail=summary[0],
    )


def _fetch_baseline(ctx: Context, upstream: Upstream, mode: str) -> Fetch:
    upstream.reset()
    argv = [
        *(PYTHON, "-m", "bench.loadgen.fetch_weeks", "--upstream", upstream.url),
        *("--redis", ctx.redis.url, "--season", str(SEASON), "--mode", mode),
    ]
    ctx.record(f"cold: baseline, {mode}", argv)
    done = run_bounded(argv, timeout=300)
    try:
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return Fetch(None, done.wall_s, False, 0, last_line(done.stderr))
    return Fetch(
        seconds=figures["seconds"],
        wall_s=done.wall_s,
        ok=figures["ok"] == figures["weeks"],
        upstream_requests=sum(upstream.counts().values()),
        detail=f"{figures['ok']}/{figures['weeks']} weeks",
    )


def _herd(
    ctx: Context, upstream: Upstream, service: Service, n: int, week: tuple[int, str]
) -> Herd:
    upstream.reset()
    url = f"http://127.0.0.1:{service.port}/api/{week[0]}/{week[1]}"
    argv = [PYTHON, "-m", "bench.loadgen.cold_client", "--url", url, "-n", str(n)]
    ctx.record(
        "cold: concurrent requests",
        [PYTHON, "-m", "bench.loadgen.cold_client", "--url", "<week URL>", "-n", "<N>"],
    )
    cpu_before = service.cpu_seconds()
    done = run_bounded(argv, timeout=120)
    server_cpu = service.cpu_seconds() - cpu_before
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    latencies = figures["latencies"]
    return Herd(
        upstream_requests=sum(upstream.counts().values()),
        p50_s=percentile(latencies, 0.5),
        p99_s=percentile(latencies, 0.99),
        statuses=figures["statuses"],
        client_cpu_s=done.cpu_s,
        server_cpu_s=server_cpu,
    )


def run(ctx: Context) -> Section:
    """Run both cold benchmarks and return their report section."""
    section = Section(f"2. Cold fetches (upstream latency {ctx.plan.upstream_latency_ms} ms)")
    plan = ctx.plan
    workdir = ctx.out / "cold"
    workdir.mkdir(parents=True, exist_ok=True)
    week_file = workdir / "week.json"
    week_file.write_bytes(b"{}")
    with counted_upstream(ctx, plan.upstream_latency_ms, "cold") as upstream:
        section.text(f"Upstream: {upstream.kind}, behind bench's request counter.")
        fetches = _season_fetches(ctx, upstream)
        _write_fetches(section, ctx, fetches)
        env = targets.Stack(workdir, ctx.redis.url, week_file, upstream.url)
        env.worker_class = targets.deploy_worker_class(env)
        herds, status = _herds(ctx, upstream, env)
        _write_herds(section, ctx, herds, status)
    ctx.raw["cold"] = {
        "fetches": {k: [asdict(f) for f in v] for k, v in fetches.items()},
        "herds": {f"{k[0]}|{k[1]}": [asdict(h) for h in v] for k, v in herds.items()},
    }
    return section


def _season_fetches(ctx: Context, upstream: Upstream) -> dict[str, list[Fetch]]:
    results: dict[str, list[Fetch]] = defaultdict(list)
    reason = fetch_season_available()
    for _ in range(ctx.plan.rounds):
        results["sequential"].append(_fetch_baseline(ctx, upstream, "sequential"))
        results["gather"].append(_fetch_baseline(ctx, upstream, "gather"))
        if reason is not None:
            continue
        results["fetch-season"].append(_fetch_season(ctx, upstream, None))
        for concurrency in ctx.plan.fetch_concurrency:
            results[f"fetch-season --concurrency {concurrency}"].append(
                _fetch_season(ctx, upstream, concurrency)
            )
    if reason is not None:
        results["fetch-season"] = []
        ctx.raw["fetch-season unavailable"] = reason
    return results


def _write_fetches(section: Section, ctx: Context, fetches: dict[str, list[Fetch]]) -> None:
    sequential = median(f.seconds for f in fetches["sequential"])
    sequential_wall = median(f.wall_s for f in fetches["sequential"])
    rows: list[list[object]] = []
    for name, runs in fetches.items():
        if not runs:
            rows.append(
                [
                    f"`{name}`",
                    unavailable(NotAvailable(str(ctx.raw.get("fetch-season unavailable")))),
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
            continue
        seconds = median(f.seconds for f in runs)
        wall = median(f.wall_s for f in runs)
        rows.append([
            f"`{name}`" if name.startswith("fetch-season") else f"baseline: {name}",
            f"{seconds:.2f} s" if seconds is not None else "-",
            f"{wall:.2f} s",
            times(ratio(sequential, seconds)),
            times(ratio(sequential_wall, wall)),
            num(median(f.upstream_requests for f in runs)),
            "all ok" if all(f.ok for f in runs) else "; ".join({f.detail for f in runs}),
        ])  # fmt: skip
    section.text(
        f"Fetching season {SEASON} (every week, preseason to Super Bowl): the fetching time "
        "measured inside the process (fetch-season prints it; the baselines time the same "
        "span), the process's wall time (with interpreter start-up), and speed-up against "
        "fetching the weeks one after another."
    )
    section.table(
        [
            "run",
            "fetching",
            "process wall",
            "speed-up (fetching)",
            "speed-up (wall)",
            "upstream requests",
            "outcome",
        ],
        rows,
    )
    headline = median(f.seconds for f in fetches.get("fetch-season", []))
    value = ratio(sequential, headline)
    section.bullets(
        [
            "Target: fetch-season at least 15x faster than one after another: "
            f"{times(value)}, {verdict(value, at_least=15)}."
        ]
    )
    ctx.summary.append(
        ["fetch-season at least 15x faster than one week after another", times(value),
         verdict(value, at_least=15)]
    )  # fmt: skip


def _herds(
    ctx: Context, upstream: Upstream, env: targets.Stack
) -> tuple[dict[tuple[str, int], list[Herd]], dict[str, str]]:
    results: dict[tuple[str, int], list[Herd]] = defaultdict(list)
    status: dict[str, str] = {}
    weeks: Iterator[tuple[int, str]] = iter(FRESH_WEEKS)
    # fetch-season filled the cache with the whole season: every week must be cold again.
    ctx.redis.flush()
    with contextlib.ExitStack() as stack:
        services: dict[str, Service] = {}
        for key, starter in (("app", targets.nflscores_app), ("d", targets.naive_redis)):
            try:
                services[key] = stack.enter_context(starter(env))
                ctx.record(f"cold: {key}", services[key].argv)
            except NotAvailable as exc:
                status[key] = unavailable(exc)
        for _ in range(ctx.plan.rounds):
            for n in ctx.plan.cold_requests:
                for key, service in services.items():
                    week = next(weeks)
                    results[(key, n)].append(_herd(ctx, upstream, service, n, week))
    return results, status


HERD_LABELS = {
    "app": "nflscores (gunicorn, 2 workers)",
    "d": "(d) aiohttp + redis-py, no coordination",
}


def _write_herds(
    section: Section, ctx: Context, herds: dict[tuple[str, int], list[Herd]], status: dict[str, str]
) -> None:
    section.text(
        "N requests released at once for one week nobody asked for before (a different week "
        "each run), through gunicorn with 2 workers: how many requests reached the upstream, "
        "and the latency of the N answers."
    )
    rows: list[list[object]] = []
    for key, label in HERD_LABELS.items():
        if key in status:
            rows.append([label, status[key], "", "", "", "", ""])
            continue
        for n in ctx.plan.cold_requests:
            runs = herds[(key, n)]
            statuses: dict[str, int] = defaultdict(int)
            for herd in runs:
                for code, count in herd.statuses.items():
                    statuses[code] += count
            rows.append([
                label, n, num(median(h.upstream_requests for h in runs)),
                " / ".join(str(h.upstream_requests) for h in runs),
                ms(median(h.p50_s for h in runs)), ms(median(h.p99_s for h in runs)),
                ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items())),
            ])  # fmt: skip
    section.table(
        [
            "target",
            "N",
            "upstream requests (median)",
            "each round",
            "p50",
            "p99",
            "statuses (all rounds)",
        ],
        rows,
    )
    biggest = max(ctx.plan.cold_requests)
    app_runs = herds.get(("app", biggest), [])
    exact = bool(app_runs) and all(h.upstream_requests == 1 for h in app_runs)
    section.bullets(
        [
            f"Target: {biggest} concurrent requests for an uncached week make exactly 1 "
            "upstream request: "
            + (
                "n/a"
                if not app_runs
                else "met"
                if exact
                else f"**missed** ({[h.upstream_requests for h in app_runs]})"
            )
        ]
    )
    ctx.summary.append(
        [f"{biggest} concurrent requests for an uncached week make exactly 1 upstream request",
         " / ".join(str(h.upstream_requests) for h in app_runs) or "-",
         "n/a" if not app_runs else "met" if exact else "**missed**"]
    )  # fmt: skip
