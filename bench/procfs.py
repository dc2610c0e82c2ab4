"""Read what /proc says about a process tree: CPU time, resident memory, open sockets."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def children(pid: int) -> list[int]:
    """Return the direct children of pid (empty when it is gone)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            found.extend(int(child) for child in text.split())
    except OSError:
        return []
    return found


def tree(pid: int) -> list[int]:
    """Return pid and every descendant that still runs."""
    pids = [pid]
    index = 0
    while index < len(pids):
        pids.extend(children(pids[index]))
        index += 1
    return pids


def cpu_seconds(pids: Iterable[int]) -> float:
    """Return user+system CPU seconds the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is the state (stat field 3): utime and stime are stat fields 14 and 15.
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def rss_bytes(pid: int) -> int:
    """Return the resident set size of one process, 0 when it is gone."""
    try:
        resident = Path(f"/proc/{pid}/statm").read_text().split()[1]
    except OSError:
        return 0
    return int(resident) * _PAGE


def socket_count(pid: int) -> int:
    """Return how many sockets one process holds open."""
    count = 0
    try:
        with os.scandir(f"/proc/{pid}/fd") as entries:
            for entry in entries:
                try:
                    if os.readlink(entry.path).startswith("socket:"):
                        count += 1
                except OSError:
                    continue
    except OSError:
        return 0
    return count


def listen_overflows() -> int:
    """Return the host's count of connections dropped because an accept queue was full."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0))
    return 0
