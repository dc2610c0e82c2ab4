"""Request metrics and one access-log line per request, and `GET /metrics` for every worker.

Requests are observed by aiohttp's access-log hook, not by a middleware: the server calls it
once per answered request with the time taken, at the cost of one plain call. The count goes
to a Tally and the log line to a buffer written out a few times a second, so a cached request
pays neither a shared-file write nor a logging record (bench/ measured each at 10-20%).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import AbstractResource
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from nflscores import metrics
from nflscores.domain.encoding import dumps
from nflscores.logs import JsonFormatter

ACCESS_LOG: Final = logging.getLogger("nflscores.access")
#: Route label of requests no route matched, so unknown paths cannot grow the label set.
UNMATCHED: Final = "unmatched"
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_EVENT_STREAM: Final = "text/event-stream"
#: prometheus_client's own switch for multiprocess mode (set by deploy/gunicorn.conf.py).
_MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
#: How often counts are flushed to the shared metrics and log lines written out.
FLUSH_INTERVAL_S: Final = 1.0
LOG_FLUSH_S: Final = 0.2


def request_log_args() -> dict[str, Any]:
    """Return `web.Application(handler_args=...)` that makes every server use RequestLog."""
    # handler_args win over the runner's own, so gunicorn's worker, run_app and the test
    # server all count and log the same way.
    return {"access_log_class": RequestLog, "access_log": ACCESS_LOG}


def setup_observability(app: web.Application) -> None:
    """Serve the metrics of every worker process at `GET /metrics`, flushing counts meanwhile."""
    multiprocess_dir = os.environ.get(_MULTIPROC_ENV) or None
    app.router.add_get("/metrics", metrics_view(multiprocess_dir), name="metrics")
    app.cleanup_ctx.append(_flush_tallies)


async def _flush_tallies(app: web.Application) -> AsyncIterator[None]:
    async def every_second() -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            flush_counts()

    task = asyncio.create_task(every_second())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    flush_counts()
    ACCESS_LINES.flush()


class RequestLog(AbstractAccessLogger):
    """Count each answered request by route and status, and log it in one line."""

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        super().__init__(logger, log_format)
        self._lines = ACCESS_LINES
        # Decided once: the server builds its access logger after logging is configured.
        self._json = any(
            isinstance(handler.formatter, JsonFormatter) for handler in logging.getLogger().handlers
        )

    def log(self, request: web.BaseRequest, response: web.StreamResponse, elapsed: float) -> None:
        """Record a request aiohttp has answered in `elapsed` seconds."""
        resource = _resource(request)
        status = response.status
        # Labels are made from the key when counts are flushed, not here.
        REQUESTS_TALLY.add((resource, request.method, status))
        if self.logger.isEnabledFor(logging.INFO):
            fields = access_fields(request, _label(resource), status, elapsed)
            self._lines.add(self._format(fields))

    def _format(self, fields: dict[str, Any]) -> bytes:
        stamp = timestamp(self._json)
        if self._json:
            return dumps({"ts": stamp, "level": "info", "logger": self.logger.name, **fields})
        return (
            f"{stamp} INFO {self.logger.name}: "
            f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']}ms"
        ).encode()


def timestamp(iso: bool) -> str:
    """Return now to the millisecond, as ISO 8601 (JSON logs) or as logging's asctime."""
    now = time.time()
    second = int(now)
    millis = int((now - second) * 1000)
    if iso:
        return f"{_second(second, 'T')}.{millis:03d}+00:00"
    return f"{_second(second, ' ')},{millis:03d}"


@functools.lru_cache(maxsize=4)
def _second(second: int, sep: str) -> str:
    # strftime costs more than the rest of a log line: format each second once.
    return datetime.fromtimestamp(second, UTC).strftime(f"%Y-%m-%d{sep}%H:%M:%S")


def route_label(request: web.BaseRequest) -> str:
    """Return the pattern of the route that answered, e.g. `/api/{season}/{week}`."""
    return _label(_resource(request))


def _resource(request: web.BaseRequest) -> AbstractResource | None:
    return request.match_info.route.resource if isinstance(request, web.Request) else None


RequestKey = tuple[AbstractResource | None, str, int]


def _request_labels(key: RequestKey) -> tuple[str, ...]:
    resource, method, status = key
    return (_label(resource), method if method in _METHODS else "OTHER", str(status))


def flush_counts() -> None:
    """Add the counts this process made since the last flush to the shared metrics."""
    REQUESTS_TALLY.flush()
    metrics.CACHE_RESULTS_TALLY.flush()


@functools.lru_cache(maxsize=256)
def _label(resource: AbstractResource | None) -> str:
    if resource is None or resource.name == "fallback":
        return UNMATCHED
    label: str = resource.canonical
    return label


def access_fields(
    request: web.BaseRequest, route: str, status: int, elapsed: float
) -> dict[str, Any]:
    """Return the fields of one access-log line."""
    headers = request.headers
    return {
        "msg": f"{request.method} {request.path} {status}",
        "method": request.method,
        "path": request.path,
        "route": route,
        "status": status,
        "duration_ms": round(elapsed * 1000, 2),
        "remote": request.remote,
        "forwarded_for": headers.get("X-Forwarded-For"),
        "request_id": headers.get("X-Request-ID"),
        "user_agent": headers.get("User-Agent"),
    }


class LineBuffer:
    """Collect log lines and write them to stderr together, a few times a second."""

    def __init__(self, *, delay_s: float = LOG_FLUSH_S, limit: int = 512) -> None:
        self._lines: list[bytes] = []
        self._delay_s = delay_s
        self._limit = limit
        self._timer: asyncio.TimerHandle | None = None

    def add(self, line: bytes) -> None:
        """Queue a line; write the batch when it is full or its delay has passed."""
        self._lines.append(line)
        if len(self._lines) >= self._limit:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
                return
            self._timer = loop.call_later(self._delay_s, self.flush)

    def flush(self) -> None:
        """Write every queued line now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._lines:
            return
        data = b"\n".join(self._lines) + b"\n"
        self._lines.clear()
        stream = sys.stderr
        stream.flush()
        stream.buffer.write(data)
        stream.buffer.flush()


def metrics_view(multiprocess_dir: str | None) -> Handler:
    """Return the `/metrics` handler: every worker's samples summed when they share a dir."""

    async def serve_metrics(request: web.Request) -> web.Response:
        flush_counts()
        body = await asyncio.to_thread(render_metrics, multiprocess_dir)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})

    return serve_metrics


def render_metrics(multiprocess_dir: str | None) -> bytes:
    """Return the metrics in Prometheus text format, summed over the processes of a dir."""
    if multiprocess_dir is None:
        return generate_latest(REGISTRY)
    # A fresh registry per scrape reads the files every process (alive or gone) wrote.
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


#: The access-log lines of this process, written out together.
ACCESS_LINES: Final = LineBuffer()


#: Requests by (resource, method, status), labelled when flushed.
REQUESTS_TALLY: Final = metrics.Tally[RequestKey](metrics.HTTP_REQUESTS, _request_labels)
