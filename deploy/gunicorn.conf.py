"""gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py nflscores.web.app:create_app_from_env`.

Every value comes from `Settings.from_env()` (the README's settings table: NFLSCORES_BIND,
NFLSCORES_WORKERS, NFLSCORES_GRACEFUL_TIMEOUT_S and the rest), validated here so a bad value
stops the master with one clear message instead of failing every worker; and
PROMETHEUS_MULTIPROC_DIR, where workers (and the poller) write metrics (a private temporary
directory, removed at exit, when unset).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from nflscores.logs import logging_config
from nflscores.settings import Settings, SettingsError

METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Holds the metrics directory this master created, so its exit removes only that one. An
#: environment variable because a reload (HUP) re-reads this file and loses module globals.
OWNED_METRICS_DIR_ENV = "_NFLSCORES_OWNED_METRICS_DIR"


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"nflscores: bad setting: {exc}") from None


def _logconfig(settings: Settings) -> dict[str, Any]:
    config = logging_config(settings)
    # gunicorn's own lines go through the service's handler too: one format, JSON when asked.
    config["loggers"] = {
        "gunicorn.error": {"level": settings.log_level.upper(), "propagate": True},
        "gunicorn.access": {"propagate": False},
    }
    return config


_SETTINGS = _settings()

bind = [_SETTINGS.bind.strip()]
# The in-process store lives in one worker's memory, so it only works with one worker.
workers = _SETTINGS.worker_count(os.cpu_count())
# asyncio's own event loop: its p99 at 1,024 connections stayed at 111-136 ms where uvloop's
# swung from 0.8 to 3 s, for about a fifth less cached-week throughput (nflscores.web.worker;
# README, Performance). nflscores.web.worker.UVLoopWorker is the uvloop one.
# nflscores' subclass keeps gunicorn's backlog (below) where aiohttp would listen with 128.
worker_class = "nflscores.web.worker.Worker"
backlog = 2048
# One listening socket per worker (SO_REUSEPORT), so the kernel spreads new connections evenly
# over the workers: on one shared socket the least busy worker accepts most of them (bench/
# saw 500 streams split 450/50, and a 0.9 s p99 at 1,024 connections from the same skew).
# gunicorn 27 then opens the sockets in each worker. A unix socket keeps one shared socket.
reuse_port = not bind[0].startswith("unix:")
# aiohttp's worker gives its shutdown 95% of this: streams get their closing frame in time.
graceful_timeout = _SETTINGS.graceful_timeout_s
timeout = 30
# Longer than nginx's upstream keepalive_timeout (60 s), so nginx always closes an idle
# connection first and never reuses one the worker is closing.
keepalive = 75
# Recycling a worker would cut every stream it holds; nothing here leaks enough to need it.
max_requests = 0
max_requests_jitter = 0
# Each worker imports the app after the fork, once PROMETHEUS_MULTIPROC_DIR is set.
preload_app = False
# gunicorn 27 shares one control socket per user under ~/.gunicorn; nflscores does not use it.
control_socket_disable = True
# One access-log line per request comes from nflscores.web.accesslog, not from gunicorn.
accesslog = None
errorlog = "-"
loglevel = _SETTINGS.log_level.lower()
logconfig_dict = _logconfig(_SETTINGS)
proc_name = "nflscores"
# The worker heartbeat file: in memory, as a container's disk can stall it.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None


def on_starting(server: Any) -> None:
    """Refuse several workers on the in-process store; prepare the metrics directory."""
    if server.cfg.workers > 1 and _SETTINGS.redis_url is None:
        raise RuntimeError(
            f"nflscores: {server.cfg.workers} workers need a shared store: set "
            "NFLSCORES_REDIS_URL, or run one worker (NFLSCORES_WORKERS=1); the in-process "
            "store cannot be shared between processes"
        )
    path = os.environ.get(METRICS_DIR_ENV)
    if path:
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        # Open streams counted before this start are gone. Counters stay: they keep
        # counting up across restarts, and the poller's, sharing the directory, stay in.
        for stale in directory.glob("gauge_live*.db"):
            stale.unlink()
    else:
        path = tempfile.mkdtemp(prefix="nflscores-metrics-")
        os.environ[METRICS_DIR_ENV] = path
        os.environ[OWNED_METRICS_DIR_ENV] = path


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (streams it held) from the metrics."""
    # Imported here: the master must not load prometheus_client before the directory is set.
    from prometheus_client import multiprocess  # noqa: PLC0415

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the metrics directory this master created."""
    owned = os.environ.get(OWNED_METRICS_DIR_ENV)
    if owned and owned == os.environ.get(METRICS_DIR_ENV):
        shutil.rmtree(owned, ignore_errors=True)
