"""What every benchmark of one run shares: the plan, scratch space, Redis, the commands run."""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.plan import Plan
from bench.procs import (
    BIN,
    PYTHON,
    ROOT,
    NotAvailable,
    Service,
    last_line,
    launch,
    run_bounded,
)
from bench.redis_server import RedisServer
from devtools.procs import free_port

DATA = Path(__file__).resolve().parent / "data"
#: The committed copy of GET /api/2015/12, used when the app cannot serve it.
FALLBACK_WEEK = DATA / "week-2015-12.json"


@dataclass
class Context:
    """One run of `python -m bench`."""

    plan: Plan
    out: Path
    redis: RedisServer
    #: Where the report is written (pictures are linked relative to it).
    report_dir: Path = Path()
    #: Where pictures go: bench/ for the full report, the scratch directory otherwise.
    assets: Path = Path()
    #: Exact commands, for the report: (what, command line).
    commands: list[tuple[str, str]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    #: Every target of the run: (target, measured, verdict), for the report's first table.
    summary: list[list[object]] = field(default_factory=list)
    #: Pictures drawn: (benchmark, path).
    plots: list[tuple[str, Path]] = field(default_factory=list)

    def record(self, what: str, argv: list[str] | str) -> None:
        """Remember a command the report should list (once per distinct command)."""
        line = argv if isinstance(argv, str) else " ".join(argv)
        line = (
            line.replace(PYTHON, "python").replace(f"{BIN}/", ".venv/bin/").replace(f"{ROOT}/", "")
        )
        line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", line)
        line = re.sub(r"--port \d+", "--port <port>", line)
        if (what, line) not in self.commands:
            self.commands.append((what, line))


@dataclass
class Upstream:
    """The counting upstream in front of the replay upstream (or standing in for it)."""

    url: str
    kind: str
    service: Service

    def reset(self) -> None:
        """Zero the request counts."""
        request = urllib.request.Request(f"{self.url}/_bench/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def counts(self) -> dict[str, int]:
        """Return requests made so far, by path and query."""
        with urllib.request.urlopen(f"{self.url}/_bench/count", timeout=10) as response:
            data: dict[str, Any] = json.loads(response.read())
        return {str(k): int(v) for k, v in data["by_request"].items()}


def project_upstream_available() -> str | None:
    """Return why `nflscores upstream` cannot run, or None when it can."""
    check = run_bounded([PYTHON, "-m", "nflscores", "upstream", "--help"], timeout=30)
    if check.returncode != 0:
        return f"`nflscores upstream` is not available: {last_line(check.stderr)}"
    return None


@contextlib.contextmanager
def counted_upstream(ctx: Context, latency_ms: int, name: str) -> Iterator[Upstream]:
    """Run the replay upstream with latency behind a counter; a stand-in when it is missing."""
    workdir = ctx.out / name
    proxy_port = free_port()
    proxy = [PYTHON, "-m", "bench.counting_upstream", "--port", str(proxy_port)]
    with contextlib.ExitStack() as stack:
        reason = project_upstream_available()
        if reason is None:
            port = free_port()
            argv = [
                PYTHON,
                "-m",
                "nflscores",
                "upstream",
                "--port",
                str(port),
                "--latency-ms",
                str(latency_ms),
            ]
            ctx.record("replay upstream", argv)
            stack.enter_context(launch("upstream", argv, port=port, log=workdir / "upstream.log"))
            proxy += ["--forward", f"http://127.0.0.1:{port}"]
            kind = f"`nflscores upstream --latency-ms {latency_ms}`"
        else:
            proxy += ["--latency-ms", str(latency_ms)]
            kind = f"bench stand-in upstream ({reason})"
        ctx.record("request-counting upstream", proxy)
        service = stack.enter_context(
            launch("counter", proxy, port=proxy_port, log=workdir / "counter.log")
        )
        yield Upstream(url=f"http://127.0.0.1:{proxy_port}", kind=kind, service=service)


def unavailable(exc: NotAvailable) -> str:
    """Return the report's wording for a target that could not run."""
    return f"not available: {exc}"
