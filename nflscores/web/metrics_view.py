"""`GET /metrics`: Prometheus text, summed over every worker that shares a metrics dir."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import AsyncIterator
from typing import Final

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from nflscores.settings import DEFAULT_METRICS_ALLOW, metrics_networks
from nflscores.web.accesslog import ACCESS_LINES
from nflscores.web.appkeys import METRICS_DIR, SETTINGS
from nflscores.web.errors import error_response
from nflscores.web.headers import CONTENT_TYPE
from nflscores.web.tallies import flush_counts, flush_every_second

#: prometheus_client's own switch for multiprocess mode (set by deploy/gunicorn.conf.py).
_MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


def setup_observability(app: web.Application) -> None:
    """Sum the metrics of every worker sharing a dir at `/metrics`, flushing counts meanwhile."""
    app[METRICS_DIR] = os.environ.get(_MULTIPROC_ENV) or None
    app.cleanup_ctx.append(flush_every_second)
    app.cleanup_ctx.append(_flush_log_at_exit)


async def _flush_log_at_exit(app: web.Application) -> AsyncIterator[None]:
    yield
    ACCESS_LINES.flush()


async def serve_metrics(request: web.Request) -> web.Response:
    """Return the metrics of this process, or of every process sharing its metrics dir."""
    settings = request.app.get(SETTINGS)
    allow = DEFAULT_METRICS_ALLOW if settings is None else settings.metrics_allow
    if not allowed(request.remote, allow):
        return error_response(403, "forbidden", "the metrics are not served to this address")
    flush_counts()
    body = await asyncio.to_thread(render_metrics, request.app[METRICS_DIR])
    return web.Response(body=body, headers={CONTENT_TYPE: CONTENT_TYPE_PLAIN_0_0_4})


def allowed(remote: str | None, allow: str) -> bool:
    """Return True when a peer address is in one of the allowed networks (a socket file is)."""
    if not remote:
        return True  # a Unix socket: only this host reaches it
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in metrics_networks(allow))


def render_metrics(multiprocess_dir: str | None) -> bytes:
    """Return the metrics in Prometheus text format, summed over the processes of a dir."""
    if multiprocess_dir is None:
        return generate_latest(REGISTRY)
    # A fresh registry per scrape reads the files every process (alive or gone) wrote.
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
