"""Run wrk against one URL for a bounded time and read its figures."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bench.procs import TIMED_OUT, NotAvailable, Service, run_bounded

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run: throughput, latency, failures, and who used the CPU."""

    rps: float
    p50_s: float | None
    p99_s: float | None
    requests: int
    socket_errors: int
    non_2xx_3xx: int
    wrk_cpu_s: float
    server_cpu_s: float
    #: Open sockets of each server worker, sampled halfway through.
    split: tuple[int, ...]


def parse_duration(text: str) -> float:
    """Return seconds from a wrk duration such as `912.00us`, `4.20ms` or `1.03s`."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse_output(text: str) -> dict[str, float]:
    """Return the figures of wrk --latency output (raise ValueError when there are none)."""
    figures: dict[str, float] = {}
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", text, re.MULTILINE)
    if rps is None:
        raise ValueError(f"wrk printed no Requests/sec: {text.strip()[-300:]!r}")
    figures["rps"] = float(rps[1])
    for label in ("50", "99"):
        match = re.search(rf"^\s*{label}%\s+(\S+)", text, re.MULTILINE)
        if match:
            figures[f"p{label}"] = parse_duration(match[1])
    total = re.search(r"^\s*(\d+) requests in", text, re.MULTILINE)
    figures["requests"] = float(total[1]) if total else 0.0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    figures["socket_errors"] = float(sum(int(g) for g in errors.groups())) if errors else 0.0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    figures["non_2xx_3xx"] = float(non_2xx[1]) if non_2xx else 0.0
    return figures


def run_wrk(
    url: str,
    *,
    connections: int,
    threads: int,
    seconds: int,
    services: Sequence[Service],
    headers: Sequence[str] = (),
) -> WrkResult:
    """Load url with wrk; return its figures and the servers' CPU time during the run."""
    if shutil.which("wrk") is None:
        raise NotAvailable("wrk is not installed (make system)")
    argv = [
        "wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s",
        "--timeout", "10s", "--latency",
    ]  # fmt: skip
    for header in headers:
        argv += ["-H", header]
    argv.append(url)
    split: list[int] = []
    sampler = threading.Timer(seconds / 2, lambda: split.extend(services[0].socket_split()))
    cpu_before = sum(service.cpu_seconds() for service in services)
    sampler.start()
    try:
        done = run_bounded(argv, timeout=seconds + 30)
    finally:
        sampler.cancel()
    server_cpu = sum(service.cpu_seconds() for service in services) - cpu_before
    if done.returncode == TIMED_OUT or done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    figures = parse_output(done.stdout)
    return WrkResult(
        rps=figures["rps"],
        p50_s=figures.get("p50"),
        p99_s=figures.get("p99"),
        requests=int(figures["requests"]),
        socket_errors=int(figures["socket_errors"]),
        non_2xx_3xx=int(figures["non_2xx_3xx"]),
        wrk_cpu_s=done.cpu_s,
        server_cpu_s=server_cpu,
        split=tuple(split),
    )
