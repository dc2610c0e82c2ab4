"""Describe the machine and the software versions a run measured."""

from __future__ import annotations

import os
import platform
import re
import resource
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "aiohttp", "aiohttp-sse", "redis", "gunicorn", "uvloop", "orjson", "lxml", "flask", "py-spy",
    "fastapi", "starlette", "uvicorn", "httptools", "sse-starlette", "matplotlib",
)  # fmt: skip


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match[1].strip() if match else "unknown"


def memory_total() -> str:
    """Return total memory as /proc/meminfo states it, in GiB."""
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return "unknown"
    match = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return f"{int(match[1]) / 1024 / 1024:.1f} GiB" if match else "unknown"


def _tool_version(argv: list[str], pattern: str) -> str:
    if shutil.which(argv[0]) is None:
        return "not installed"
    result = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    match = re.search(pattern, result.stdout + result.stderr)
    return match[1] if match else "unknown"


def machine_facts() -> list[tuple[str, str]]:
    """Return (what, value) pairs for the report's machine table."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return [
        ("nproc", str(os.cpu_count())),
        ("CPU model", cpu_model()),
        ("memory", memory_total()),
        ("kernel", platform.release()),
        ("open files per process", str(soft)),
        ("python", platform.python_version()),
    ]


def versions() -> list[tuple[str, str]]:
    """Return (package, version) for the Python packages and system tools measured."""
    found: list[tuple[str, str]] = []
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    found += [
        ("redis-server", _tool_version(["redis-server", "--version"], r"v=(\S+)")),
        ("nginx", _tool_version(["nginx", "-v"], r"nginx/(\S+)")),
        ("wrk", _tool_version(["wrk", "--version"], r"wrk (\S+)")),
    ]
    return found
