"""Sample a server with py-spy while it is under load, and name where its time goes."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.procs import BIN
from bench.report import table


def py_spy() -> str | None:
    """Return the py-spy executable, or None when it is not installed."""
    local = BIN / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def start(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes] | None:
    """Start sampling pid and its workers for a bounded time; None without py-spy."""
    binary = py_spy()
    if binary is None:
        return None
    argv = [
        binary, "record", "--pid", str(pid), "--subprocesses", "--duration", str(int(seconds)),
        "--rate", "200", "--format", "raw", "--nonblocking", "--output", str(output),
    ]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _frame(frame: str) -> tuple[str, str]:
    """Return (function with its file, top-level package) of a raw py-spy frame."""
    # A raw frame reads `name (package/module.py:123)`.
    match = re.fullmatch(r"(.*) \((.*?):\d+\)", frame.strip())
    if match is None:
        return frame.strip(), "?"
    parts = Path(match[2]).parts
    return f"{match[1]} ({'/'.join(parts[-2:])})", parts[0].removesuffix(".py")


def summarize(collapsed: Path, top: int = 12) -> str:
    """Return Markdown tables: own time by function and by package, total time by function."""
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        samples += count
        own[frames[-1][0]] += count
        packages[frames[-1][1]] += count
        for name in {name for name, _ in frames}:
            total[name] += count
    if not samples:
        return "py-spy recorded no samples."

    def rows(counter: Counter[str], limit: int) -> list[tuple[str, str]]:
        return [(name, f"{100 * n / samples:.1f}%") for name, n in counter.most_common(limit)]

    # The trunk every sample shares (gunicorn's arbiter, the worker's run loop) says nothing.
    branches = Counter({name: n for name, n in total.items() if n < 0.85 * samples})
    return "\n\n".join(
        [
            f"{samples:,} busy samples. Own time by package:",
            table(["package", "share"], rows(packages, 8)),
            "Own time by function:",
            table(["function", "share"], rows(own, top)),
            "Total time (with callees) by function, below the shared trunk:",
            table(["function", "share"], rows(branches, top)),
        ]
    )
