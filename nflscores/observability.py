"""Request metrics, one access-log line per request, and `GET /metrics` for every worker."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from nflscores import metrics

ACCESS_LOG: Final = logging.getLogger("nflscores.access")
#: Route label of requests no route matched, so unknown paths cannot grow the label set.
UNMATCHED: Final = "unmatched"
#: Status recorded when the client left before the answer (nginx's convention).
CLIENT_CLOSED: Final = 499
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_EVENT_STREAM: Final = "text/event-stream"
#: prometheus_client's own switch for multiprocess mode (set by deploy/gunicorn.conf.py).
_MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


def setup_observability(app: web.Application) -> None:
    """Count, time and log every request of the app and serve the metrics at `GET /metrics`."""
    # First in the list is outermost: it sees the status the error middleware settled on.
    app.middlewares.insert(0, request_observer())
    multiprocess_dir = os.environ.get(_MULTIPROC_ENV) or None
    app.router.add_get("/metrics", metrics_view(multiprocess_dir), name="metrics")


def request_observer() -> Middleware:
    """Return a middleware that counts requests by route and status, times and logs them."""
    # Label children are cached: `.labels()` validates and locks on every call.
    counters: dict[tuple[str, str, int], Counter] = {}
    timers: dict[str, Histogram] = {}

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        streamed = False
        try:
            response = await handler(request)
            status = response.status
            streamed = response.content_type == _EVENT_STREAM
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        except asyncio.CancelledError:
            status = CLIENT_CLOSED
            raise
        finally:
            elapsed = time.perf_counter() - started
            resource = request.match_info.route.resource
            route = UNMATCHED if resource is None else resource.canonical
            method = request.method if request.method in _METHODS else "OTHER"
            key = (route, method, status)
            counter = counters.get(key)
            if counter is None:
                counter = counters[key] = metrics.HTTP_REQUESTS.labels(route, method, str(status))
            counter.inc()
            # A stream's duration is its lifetime, not an answer time.
            if not streamed:
                timer = timers.get(route)
                if timer is None:
                    timer = timers[route] = metrics.HTTP_SECONDS.labels(route)
                timer.observe(elapsed)
            if ACCESS_LOG.isEnabledFor(logging.INFO):
                log_request(request, route, status, elapsed)

    return observe


def log_request(request: web.Request, route: str, status: int, elapsed: float) -> None:
    """Write the request's access-log line; its fields become JSON keys in JSON logs."""
    duration_ms = round(elapsed * 1000, 2)
    headers = request.headers
    ACCESS_LOG.info(
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
