"""`GET /metrics`: Prometheus text, summed over every worker that shares a metrics dir."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from nflscores.web.accesslog import ACCESS_LINES
from nflscores.web.tallies import flush_counts, flush_every_second

#: prometheus_client's own switch for multiprocess mode (set by deploy/gunicorn.conf.py).
_MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


def setup_observability(app: web.Application) -> None:
    """Serve the metrics of every worker process at `GET /metrics`, flushing counts meanwhile."""
    multiprocess_dir = os.environ.get(_MULTIPROC_ENV) or None
    app.router.add_get("/metrics", metrics_view(multiprocess_dir), name="metrics")
    app.cleanup_ctx.append(flush_every_second)
    app.cleanup_ctx.append(_flush_log_at_exit)


async def _flush_log_at_exit(app: web.Application) -> AsyncIterator[None]:
    yield
    ACCESS_LINES.flush()


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
