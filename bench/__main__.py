"""`python -m bench`: run every benchmark and write bench/RESULTS.md.

python -m bench                      the full run (about 23 minutes on 2 cores)
python -m bench --quick              a smoke run under two minutes, written to bench/out/
python -m bench --only fanout100k    one benchmark (cached, cold, fanout, fanout100k, espn,
                                     instructions)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench import cached, cold, espn, fanout, fanout100k, instructions, readme, selfcheck
from bench.context import Context
from bench.machine import machine_facts, versions
from bench.plan import FULL, QUICK, Plan
from bench.procs import NotAvailable
from bench.redis_server import private_redis
from bench.report import Section, table

HERE = Path(__file__).resolve().parent
ROOT_README = HERE.parent / "README.md"
BENCHMARKS: dict[str, Callable[[Context], Section]] = {
    "cached": cached.run,
    "cold": cold.run,
    "fanout": fanout.run,
    "fanout100k": fanout100k.run,
    "espn": espn.run,
    "instructions": instructions.run,
}
#: The order they run in: the longest and most telling first, so a run cut short keeps it.
RUN_ORDER = ("fanout100k", "cached", "fanout", "cold", "espn", "instructions")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round")
    parser.add_argument(
        "--only", choices=sorted(BENCHMARKS), action="append", help="run only this benchmark"
    )
    parser.add_argument("--rounds", type=int, help="override the number of interleaved rounds")
    parser.add_argument("--output", type=Path, help="where to write the report")
    parser.add_argument("--profile", action="store_true", help="profile where a target is missed")
    return parser.parse_args(argv)


def header(ctx: Context, started: datetime, seconds: float, argv: list[str]) -> str:
    """Return the report's opening: the machine, the versions, how it was run."""
    plan = ctx.plan
    lines = [
        "# nflscores benchmarks",
        f"Written by `python -m bench {' '.join(argv)}`".rstrip()
        + f" on {started:%Y-%m-%d %H:%M} UTC "
        f"in {seconds / 60:.1f} minutes; plan `{plan.name}`, {plan.rounds} interleaved round(s). "
        "Every figure is the median over the rounds, every ratio is between medians of the same "
        "run. All traffic is on 127.0.0.1; the load clients share the machine's cores with the "
        "servers, so their CPU time is reported beside the servers'.",
        "## Machine",
        table(["what", "value"], machine_facts()),
        "## Versions",
        table(["package", "version"], versions()),
    ]
    return "\n\n".join(lines)


def commands(ctx: Context) -> str:
    """Return the exact commands the run used."""
    lines = [
        "## Commands",
        "Reproduce with `make bench` (= `.venv/bin/python -m bench`). Each server:",
    ]
    lines += [f"- {what}: `{line}`" for what, line in ctx.commands]
    return "\n\n".join([lines[0], lines[1], "\n".join(lines[2:])])


def write_report(
    ctx: Context,
    output: Path,
    parts: dict[str, tuple[str, list[list[object]]]],
    *,
    started: datetime,
    seconds: float,
    argv: list[str],
    pending: list[str],
) -> None:
    """Write the report of what has run so far, in the report's order of benchmarks."""
    ordered = [parts[name] for name in BENCHMARKS if name in parts]
    summary = Section("Every target of this run")
    summary.text("Each measured in this run; the sections below hold the figures behind them.")
    summary.table(["target", "measured", "verdict"], [row for _, rows in ordered for row in rows])
    if pending:
        summary.text(f"_Still running when this was written: {', '.join(pending)}._")
    report = "\n\n".join(
        [
            header(ctx, started, seconds, argv),
            summary.render(),
            *(text for text, _ in ordered),
            commands(ctx),
        ]
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and write the report (again after each one)."""
    args_list = sys.argv[1:] if argv is None else argv
    args = parse_args(args_list)
    selfcheck.run()
    plan: Plan = QUICK if args.quick else FULL
    if args.rounds:
        plan = replace(plan, rounds=args.rounds)
    if args.profile:
        plan = replace(plan, profile=True)
    chosen = [name for name in RUN_ORDER if name in (args.only or BENCHMARKS)]
    full_report = not args.quick and args.only is None and args.rounds is None
    output = args.output or (
        HERE / "RESULTS.md" if full_report else HERE / "out" / f"RESULTS-{plan.name}.md"
    )
    out = HERE / "out" / "run"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = datetime.now(UTC)
    clock = time.monotonic()
    parts: dict[str, tuple[str, list[list[object]]]] = {}
    try:
        with private_redis(out / "redis") as redis:
            ctx = Context(
                plan=plan, out=out, redis=redis, report_dir=output.parent,
                assets=HERE if full_report else out,
            )  # fmt: skip
            ctx.record("private Redis", redis.service.argv)
            for index, name in enumerate(chosen):
                began = time.monotonic()
                first_row = len(ctx.summary)
                print(f"bench: {name} ...", file=sys.stderr, flush=True)
                try:
                    section = BENCHMARKS[name](ctx)
                except Exception:  # one broken benchmark must not lose the others
                    section = Section(f"{name}: failed")
                    section.text("```\n" + traceback.format_exc() + "```")
                    print(traceback.format_exc(), file=sys.stderr)
                section.text(f"_This benchmark took {time.monotonic() - began:.0f} s._")
                parts[name] = (section.render(), ctx.summary[first_row:])
                write_report(
                    ctx, output, parts, started=started, seconds=time.monotonic() - clock,
                    argv=args_list, pending=chosen[index + 1 :],
                )  # fmt: skip
                print(
                    f"bench: {name} done in {time.monotonic() - began:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    except NotAvailable as exc:
        print(f"bench: cannot run: {exc}", file=sys.stderr)
        return 1
    (out / "raw.json").write_text(json.dumps(ctx.raw, indent=1, default=str))
    if full_report:
        ctx.summary = [row for name in BENCHMARKS if name in parts for row in parts[name][1]]
        readme.update(ROOT_README, ctx)
    print(f"bench: wrote {output} in {(time.monotonic() - clock) / 60:.1f} min", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
