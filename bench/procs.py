"""Start and stop the processes a benchmark measures, each bounded in time."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import procfs
from devtools import procs

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable


class NotAvailable(Exception):
    """A target cannot run here; the message says why."""


def wait_for_port(port: int, proc: subprocess.Popen[bytes], *, timeout: float, name: str) -> None:
    """Return once 127.0.0.1:port accepts; raise NotAvailable when the process dies first."""
    try:
        procs.wait_for_port(port, timeout=timeout, proc=proc, name=name)
    except (ChildProcessError, TimeoutError) as exc:
        raise NotAvailable(str(exc)) from None


@dataclass
class Service:
    """A running server process (and its workers) that a benchmark talks to."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    argv: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        """Return the id of the root process (gunicorn's or nginx's master)."""
        return self.proc.pid

    def pids(self) -> list[int]:
        """Return the root and every descendant."""
        return procfs.tree(self.pid)

    def workers(self) -> list[int]:
        """Return the processes that serve: the children, or the root when it has none."""
        return procfs.children(self.pid) or [self.pid]

    def cpu_seconds(self) -> float:
        """Return CPU seconds used by the whole tree so far."""
        return procfs.cpu_seconds(self.pids())

    def worker_rss(self) -> int:
        """Return the summed resident memory of the workers."""
        return sum(procfs.rss_bytes(pid) for pid in self.workers())

    def socket_split(self) -> list[int]:
        """Return the open sockets of each worker, largest first."""
        return sorted((procfs.socket_count(pid) for pid in self.workers()), reverse=True)

    def settle(self, workers: int, *, timeout: float = 30.0) -> None:
        """Wait until `workers` workers run and the tree is idle: every worker has booted.

        The master listens before its workers import the app; a connection made then waits
        in the backlog, and would be measured as a slow connect.
        """
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.cpu_seconds()
            if len(procfs.children(self.pid)) >= workers and now - last < 0.02:
                return
            last = now
        self.notes.append(f"workers still busy {timeout:.0f}s after start")

    def log_tail(self, lines: int = 5) -> str:
        """Return the last lines of the service's log, for a failure message."""
        try:
            text = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])


@contextlib.contextmanager
def launch(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    log: Path,
    env: Mapping[str, str] | None = None,
    stop_signal: int = signal.SIGTERM,
    start_timeout: float = 20.0,
    cwd: Path = ROOT,
) -> Iterator[Service]:
    """Run a server in its own process group for the block; stop the whole group after."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            list(argv),
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            start_new_session=True,
        )
        service = Service(name=name, port=port, proc=proc, log=log, argv=[str(a) for a in argv])
        try:
            try:
                wait_for_port(port, proc, timeout=start_timeout, name=name)
            except NotAvailable as exc:
                raise NotAvailable(f"{exc}: {service.log_tail()}") from None
            yield service
        finally:
            stop(proc, stop_signal)


def stop(proc: subprocess.Popen[bytes], sig: int, *, timeout: float = 10.0) -> None:
    """Signal a process group, wait a bounded time, then kill what is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


@dataclass(frozen=True, slots=True)
class Finished:
    """A bounded command's output, exit code, wall time and CPU time."""

    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
) -> Finished:
    """Run a command to completion within timeout; return its output and resource use."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            start_new_session=True,
        )
        returncode, cpu = _reap(proc, started + timeout)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Finished(
            returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            wall,
            cpu,
        )


def _reap(proc: subprocess.Popen[bytes], deadline: float) -> tuple[int, float]:
    """Wait for the child with wait4 (for its CPU time); kill its group at the deadline."""
    # Popen.wait() would reap the child without its rusage, so wait4 polls instead.
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime
        if time.perf_counter() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            return TIMED_OUT, usage.ru_utime + usage.ru_stime
        time.sleep(0.02)


#: The exit code run_bounded reports for a command it had to kill.
TIMED_OUT = -999


def last_line(text: str) -> str:
    """Return the last non-empty line of a command's output, for a one-line reason."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"
