"""Prometheus metrics: every counter the service keeps, defined once.

Under gunicorn, set PROMETHEUS_MULTIPROC_DIR so each worker writes its samples to a shared
directory and `/metrics` reports the sum over every worker.

Counts made on every request go through a Tally: prometheus_client's multiprocess values write
a shared file on each increment, which bench/ measured at a fifth of a cached request's time.
A tally keeps plain ints and adds them to the counter when flushed (every second by the app,
and before each scrape). There is no per-request latency histogram for the same reason: the
access log carries each request's duration, and nginx's log its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Final, Generic, TypeVar

from prometheus_client import Counter, Gauge, Histogram

K = TypeVar("K", bound=Hashable)


class Count:
    """One key's count of a Tally, for a caller that counts it on every request.

    `count.n += 1` is the whole increment: no call (Tally.add is a Python call, and a cached
    request counted its hit with one).
    """

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


class Tally(Generic[K]):
    """Count events in plain ints and add them to a labelled Prometheus counter on flush.

    An event is counted under any hashable key; `labels_of` turns a key into label values only
    at flush time, so the hot path does not build label strings.
    """

    __slots__ = ("_counter", "_counts", "_labels_of", "pending")

    def __init__(self, counter: Counter, labels_of: Callable[[K], tuple[str, ...]]) -> None:
        self._counter = counter
        self._labels_of = labels_of
        #: Events counted since the last flush, by key: `add`, or its two lines inline.
        self.pending: dict[K, int] = {}
        self._counts: dict[K, Count] = {}

    def add(self, key: K) -> None:
        """Count one event under key."""
        pending = self.pending
        pending[key] = pending.get(key, 0) + 1

    def count_of(self, key: K) -> Count:
        """Return the Count of one key, added to the tally at each flush."""
        return self._counts.setdefault(key, Count())

    def flush(self) -> None:
        """Add what was counted since the last flush to the counter."""
        for key, cell in self._counts.items():
            if cell.n:
                self.pending[key] = self.pending.get(key, 0) + cell.n
                cell.n = 0
        pending, self.pending = self.pending, {}
        totals: dict[tuple[str, ...], int] = {}
        for key, count in pending.items():
            labels = self._labels_of(key)
            totals[labels] = totals.get(labels, 0) + count
        for labels, count in totals.items():
            self._counter.labels(*labels).inc(count)


HTTP_REQUESTS: Final = Counter(
    "nflscores_http_requests", "HTTP requests answered", ["route", "method", "status"]
)
CACHE_RESULTS: Final = Counter(
    "nflscores_cache_results", "Week requests by where the answer came from", ["result"]
)
UPSTREAM_REQUESTS: Final = Counter(
    "nflscores_upstream_requests",
    "Requests to the upstream, by outcome (held_back: not sent, as Retry-After asked)",
    ["outcome"],
)
UPSTREAM_SECONDS: Final = Histogram(
    "nflscores_upstream_request_seconds", "Time the upstream took to answer"
)
SSE_CLIENTS: Final = Gauge(
    "nflscores_sse_clients", "Live-score streams open now", multiprocess_mode="livesum"
)
EVENTS_PUBLISHED: Final = Counter("nflscores_events_published", "Live events the poller published")
EVENTS_DELIVERED: Final = Counter(
    "nflscores_events_delivered", "Live events written to stream clients"
)
HTTP_REJECTED: Final = Counter(
    "nflscores_http_rejected",
    "Requests refused before routing: malformed, too large, HTTP/0.9 or too slow",
    ["reason"],
)
SSE_DROPPED: Final = Counter(
    "nflscores_sse_clients_dropped", "Stream clients dropped by the server", ["reason"]
)

#: Week answers by where they came from ("hit", "miss", "stale").
CACHE_RESULTS_TALLY: Final = Tally[str](CACHE_RESULTS, lambda result: (result,))
#: The hits among them: every cached request counts one.
CACHE_HITS: Final = CACHE_RESULTS_TALLY.count_of("hit")
