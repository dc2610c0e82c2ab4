"""How to start each server a benchmark measures: the project's and every baseline."""

from __future__ import annotations

import contextlib
import http.client
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from bench import nginx
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
from devtools.procs import free_port

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
APP_FACTORY = "nflscores.web.app:create_app_from_env"
FALLBACK_WORKER = "aiohttp.GunicornWebWorker"


@dataclass
class Stack:
    """What every server of a run shares: scratch space, Redis, the week bytes, the upstream."""

    workdir: Path
    redis_url: str
    week_file: Path
    upstream_url: str = "http://127.0.0.1:9"
    worker_class: str = FALLBACK_WORKER
    notes: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """Return the environment every server gets (the baselines' and the app's settings)."""
        return {
            "BENCH_WEEK_FILE": str(self.week_file),
            "BENCH_WEEK_HEADERS": str(self.week_file.with_suffix(".headers.json")),
            "BENCH_REDIS_URL": self.redis_url,
            "BENCH_UPSTREAM_URL": self.upstream_url,
            "NFLSCORES_REDIS_URL": self.redis_url,
            "NFLSCORES_UPSTREAM_URL": self.upstream_url,
            "NFLSCORES_LOG_LEVEL": "WARNING",
        }


Starter = Callable[[Stack, int], AbstractContextManager[Service]]


def gunicorn(
    stack: Stack, name: str, app: str, *, workers: int = 2, worker_class: str | None = None
) -> AbstractContextManager[Service]:
    """Run an app under gunicorn on a free port with `workers` workers."""
    port = free_port()
    argv = [
        str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class",
        worker_class or stack.worker_class, "--bind", f"127.0.0.1:{port}",
        "--no-control-socket", "--log-level", "warning", "--graceful-timeout", "5",
        # A listening socket per worker, as deploy/gunicorn.conf.py sets: the same spread.
        "--reuse-port", app,
    ]  # fmt: skip
    return _settled(
        launch(
            name, argv, port=port, log=stack.workdir / f"{name}.log", env=stack.env(),
            stop_signal=signal.SIGINT,
        ),
        workers,
    )  # fmt: skip


@contextlib.contextmanager
def _settled(running: AbstractContextManager[Service], workers: int) -> Iterator[Service]:
    with running as service:
        service.settle(workers)
        yield service


def app_available() -> str | None:
    """Return why the project's app cannot be served, or None when it can."""
    check = run_bounded([PYTHON, "-c", f"from {APP_FACTORY.replace(':', ' import ')}"], timeout=30)
    if check.returncode != 0:
        return f"{APP_FACTORY} does not import: {last_line(check.stderr)}"
    return None


def deploy_worker_class(stack: Stack) -> str:
    """Return the worker class deploy/gunicorn.conf.py sets, for the baselines to match."""
    if not GUNICORN_CONF.exists():
        stack.notes.append("deploy/gunicorn.conf.py is missing: the baselines use aiohttp's worker")
        return FALLBACK_WORKER
    code = (
        "import runpy; "
        f"print(runpy.run_path({str(GUNICORN_CONF)!r}).get('worker_class', {FALLBACK_WORKER!r}))"
    )
    check = run_bounded([PYTHON, "-c", code], timeout=30, env=stack.env())
    if check.returncode != 0:
        stack.notes.append(f"deploy/gunicorn.conf.py fails to load: {last_line(check.stderr)}")
        return FALLBACK_WORKER
    return check.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def nflscores_app(
    stack: Stack,
    name: str = "nflscores",
    *,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Service]:
    """Run the project's app the way users run it: gunicorn -c deploy/gunicorn.conf.py."""
    reason = app_available()
    if reason:
        raise NotAvailable(reason)
    port = free_port()
    metrics_dir = stack.workdir / f"metrics-{name}"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    env = {
        **stack.env(),
        "NFLSCORES_BIND": f"127.0.0.1:{port}",
        "NFLSCORES_WORKERS": str(workers),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        **(extra_env or {}),
    }
    argv = [str(BIN / "gunicorn")]
    if GUNICORN_CONF.exists():
        argv += ["-c", str(GUNICORN_CONF)]
    else:
        argv += ["--workers", str(workers), "--worker-class", FALLBACK_WORKER]
        argv += ["--bind", env["NFLSCORES_BIND"]]
    argv += ["--no-control-socket", APP_FACTORY]
    with launch(
        name, argv, port=port, log=stack.workdir / f"{name}.log", env=env, stop_signal=signal.SIGINT
    ) as service:
        if not GUNICORN_CONF.exists():
            service.notes.append("deploy/gunicorn.conf.py missing: plain gunicorn flags")
        service.settle(workers)
        # The settings that make this the measured configuration, for the report's commands.
        shown = ("NFLSCORES_WORKERS", "NFLSCORES_BIND", "NFLSCORES_REDIS_URL")
        service.argv = [f"{key}={env[key]}" for key in shown] + service.argv
        yield service


@contextlib.contextmanager
def nflscores_behind_nginx(stack: Stack, name: str = "nflscores+nginx") -> Iterator[Service]:
    """Run the app and nginx with deploy/nginx.conf in front; yield nginx's service."""
    with (
        nflscores_app(stack, f"{name}-app") as app,
        nginx.deploy(stack.workdir / name, app.port) as front,
    ):
        front.notes.append(f"app pid {app.pid}")
        yield front


def bare(stack: Stack) -> AbstractContextManager[Service]:
    """Baseline (a): aiohttp returning bytes from memory."""
    return gunicorn(stack, "bare-aiohttp", "bench.baselines.bare:create_app")


def flask_sync(stack: Stack) -> AbstractContextManager[Service]:
    """Baseline (b): Flask + redis-py + jsonify on 2 sync workers."""
    return gunicorn(
        stack, "flask-sync", "bench.baselines.flask_sync:create_app()", worker_class="sync"
    )


def nginx_static(stack: Stack) -> AbstractContextManager[Service]:
    """Baseline (c): nginx serving the bytes as a file."""
    return nginx.static(stack.workdir / "nginx-static", stack.week_file)


def naive_redis(stack: Stack) -> AbstractContextManager[Service]:
    """Baseline (d): aiohttp + one redis-py GET per request."""
    return gunicorn(stack, "aiohttp-redis-get", "bench.baselines.naive_redis:create_app")


def uvicorn(
    stack: Stack, name: str, factory: str, *, workers: int = 2
) -> AbstractContextManager[Service]:
    """Run an ASGI app factory under uvicorn the way its docs deploy it: --workers N."""
    if not (BIN / "uvicorn").exists():
        raise NotAvailable("uvicorn is not installed (the bench extra)")
    port = free_port()
    argv = [
        str(BIN / "uvicorn"), "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip
    return _settled(
        launch(
            name, argv, port=port, log=stack.workdir / f"{name}.log", env=stack.env(),
            stop_signal=signal.SIGINT,
        ),
        workers,
    )  # fmt: skip


def fastapi_redis(stack: Stack) -> AbstractContextManager[Service]:
    """Peer baseline (e): FastAPI on uvicorn, one redis.asyncio GET per request."""
    return uvicorn(stack, "fastapi-redis", "bench.baselines.fastapi_redis:create_app")


def sse_starlette(stack: Stack, workers: int = 2) -> AbstractContextManager[Service]:
    """Peer SSE baseline: sse-starlette behind FastAPI, one subscription per worker."""
    return uvicorn(
        stack, "sse-starlette", "bench.baselines.sse_starlette_hub:create_app", workers=workers
    )


def sse_talk(stack: Stack, workers: int = 2) -> AbstractContextManager[Service]:
    """SSE baseline: one Redis SUBSCRIBE per client."""
    return gunicorn(stack, "sse-talk", "bench.baselines.sse_talk:create_app", workers=workers)


def sse_hub(stack: Stack, workers: int = 2) -> AbstractContextManager[Service]:
    """SSE baseline: a plain per-worker hub with one send() per client."""
    return gunicorn(stack, "sse-hub", "bench.baselines.sse_hub:create_app", workers=workers)


@dataclass(frozen=True, slots=True)
class Reply:
    """A response's status, headers and body."""

    status: int
    headers: dict[str, str]
    body: bytes


def get(
    port: int, path: str, headers: dict[str, str] | None = None, *, stream: bool = False
) -> Reply:
    """Send one GET to 127.0.0.1:port; for a stream, read only the head."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = b"" if stream else response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()
