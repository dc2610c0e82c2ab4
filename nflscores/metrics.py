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

from typing import Final

from prometheus_client import Counter, Gauge, Histogram


class Tally:
    """Count events in plain ints and add them to a labelled Prometheus counter on flush."""

    __slots__ = ("_counter", "_pending")

    def __init__(self, counter: Counter) -> None:
        self._counter = counter
        self._pending: dict[tuple[str, ...], int] = {}

    def add(self, *labels: str) -> None:
        """Count one event with these label values."""
        pending = self._pending
        pending[labels] = pending.get(labels, 0) + 1

    def flush(self) -> None:
        """Add what was counted since the last flush to the counter."""
        pending, self._pending = self._pending, {}
        for labels, count in pending.items():
            self._counter.labels(*labels).inc(count)


HTTP_REQUESTS: Final = Counter(
    "nflscores_http_requests", "HTTP requests answered", ["route", "method", "status"]
)
CACHE_RESULTS: Final = Counter(
    "nflscores_cache_results", "Week requests by where the answer came from", ["result"]
)
UPSTREAM_REQUESTS: Final = Counter(
    "nflscores_upstream_requests", "Requests sent to the scorestrip upstream", ["outcome"]
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
SSE_DROPPED: Final = Counter(
    "nflscores_sse_clients_dropped", "Stream clients dropped by the server", ["reason"]
)

#: The per-request counts, flushed together by flush_tallies().
HTTP_REQUESTS_TALLY: Final = Tally(HTTP_REQUESTS)
CACHE_RESULTS_TALLY: Final = Tally(CACHE_RESULTS)


def flush_tallies() -> None:
    """Add every tally's counts to its counter."""
    HTTP_REQUESTS_TALLY.flush()
    CACHE_RESULTS_TALLY.flush()
