"""Request metrics and one access-log line per request, and `GET /metrics` for every worker.

Requests are observed by aiohttp's access-log hook, not by a middleware: the server calls it
once per answered request with the time taken, at the cost of one plain call.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any, Final

from aiohttp import hdrs, web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from nflscores import metrics

ACCESS_LOG: Final = logging.getLogger("nflscores.access")
#: Route label of requests no route matched, so unknown paths cannot grow the label set.
UNMATCHED: Final = "unmatched"
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_EVENT_STREAM: Final = "text/event-stream"
#: prometheus_client's own switch for multiprocess mode (set by deploy/gunicorn.conf.py).
_MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


def request_log_args() -> dict[str, Any]:
    """Return `web.Application(handler_args=...)` that makes every server use RequestLog."""
    # handler_args win over the runner's own, so gunicorn's worker, run_app and the test
    # server all count and log the same way.
    return {"access_log_class": RequestLog, "access_log": ACCESS_LOG}


def setup_observability(app: web.Application) -> None:
    """Serve the metrics of every worker process at `GET /metrics`."""
    multiprocess_dir = os.environ.get(_MULTIPROC_ENV) or None
    app.router.add_get("/metrics", metrics_view(multiprocess_dir), name="metrics")


class RequestLog(AbstractAccessLogger):
    """Count and time each answered request by route and status, and log it in one line."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Record a request aiohttp has answered in `time` seconds."""
        route = route_label(request)
        method = request.method if request.method in _METHODS else "OTHER"
        status = response.status
        _requests(route, method, status).inc()
        # A stream's duration is its lifetime, not an answer time.
        if not response.headers.get(hdrs.CONTENT_TYPE, "").startswith(_EVENT_STREAM):
            _seconds(route).observe(time)
        if self.logger.isEnabledFor(logging.INFO):
            log_request(self.logger, request, route, status, time)


def route_label(request: web.BaseRequest) -> str:
    """Return the pattern of the route that answered, e.g. `/api/{season}/{week}`."""
    match_info = request.match_info if isinstance(request, web.Request) else None
    resource = None if match_info is None else match_info.route.resource
    return UNMATCHED if resource is None else resource.canonical


# Label children are cached: `.labels()` validates and locks on every call. Routes, methods
# and statuses are few, so the caches stay small.
@functools.cache
def _requests(route: str, method: str, status: int) -> Counter:
    return metrics.HTTP_REQUESTS.labels(route, method, str(status))


@functools.cache
def _seconds(route: str) -> Histogram:
    return metrics.HTTP_SECONDS.labels(route)


def log_request(
    logger: logging.Logger, request: web.BaseRequest, route: str, status: int, time: float
) -> None:
    """Write the access-log line; its fields become JSON keys when logs are JSON."""
    duration_ms = round(time * 1000, 2)
    headers = request.headers
    logger.info(
        "%s %s %d %.2fms",
        request.method,
        request.path,
        status,
        duration_ms,
        extra={
            "method": request.method,
            "path": request.path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "remote": request.remote,
            "forwarded_for": headers.get("X-Forwarded-For"),
            "request_id": headers.get("X-Request-ID"),
            "user_agent": headers.get("User-Agent"),
        },
    )


def metrics_view(multiprocess_dir: str | None) -> Handler:
    """Return the `/metrics` handler: every worker's samples summed when they share a dir."""

    async def serve_metrics(request: web.Request) -> web.Response:
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
