"""Request counts by route, method and status, kept in plain ints and flushed every second.

prometheus_client's multiprocess increments cost about 20% of a cached request, so each
request adds to a Tally (web.accesslog counts each answered request in REQUESTS_TALLY, keyed
by its route, method and status), and the counts reach the shared metrics files once a second
and before every scrape.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from typing import Any, Final

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from nflscores import metrics
from nflscores.live import tasks

log = logging.getLogger(__name__)

#: Route label of requests no route matched, so unknown paths cannot grow the label set.
UNMATCHED: Final = "unmatched"
#: How often counts are flushed to the shared metrics.
FLUSH_INTERVAL_S: Final = 1.0
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

RequestKey = tuple[AbstractRoute | None, str, int]


class Rejected(web.Response):
    """The JSON error of a request web.protocol refused before routing; `code` says why.

    The answer says it, not the request: an access-log record then tells a refused request
    from the rest by the answer's type, with no lookup in the request's mapping (a call of
    aiohttp's, in Python) on every request.
    """

    def __init__(self, code: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = code


def _request_labels(key: RequestKey) -> tuple[str, ...]:
    route, method, status = key
    return (route_label(route), method if method in _METHODS else "OTHER", str(status))


@functools.lru_cache(maxsize=256)
def route_label(route: AbstractRoute | None) -> str:
    """Return the route label of the route a request was counted under (None: refused)."""
    if route is None or route.resource is None or route.resource.name == "fallback":
        return UNMATCHED
    label: str = route.resource.canonical
    return label


def flush_counts() -> None:
    """Add the counts this process made since the last flush to the shared metrics."""
    REQUESTS_TALLY.flush()
    metrics.CACHE_RESULTS_TALLY.flush()


async def flush_every_second(app: web.Application) -> AsyncIterator[None]:
    """Flush the counts every second while the app runs, and once more at its end."""

    async def every_second() -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            try:
                flush_counts()
            except Exception:
                # Counting goes on: this flush's counts may be short, the next ones are whole.
                log.exception("could not write the request counts to the metrics")

    task = tasks.start(every_second(), "flush-counts")
    yield
    await tasks.cancel_and_wait(task)
    flush_counts()


#: Requests by (resource, method, status), labelled when flushed.
REQUESTS_TALLY: Final = metrics.Tally[RequestKey](metrics.HTTP_REQUESTS, _request_labels)
