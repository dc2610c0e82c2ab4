"""Prometheus metrics: every counter the service keeps, defined once.

Under gunicorn, set PROMETHEUS_MULTIPROC_DIR so each worker writes its samples to a shared
directory and `/metrics` reports the sum over every worker.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS: Final = Counter(
    "nflscores_http_requests", "HTTP requests answered", ["route", "method", "status"]
)
HTTP_SECONDS: Final = Histogram(
    "nflscores_http_request_seconds", "Time to answer an HTTP request", ["route"]
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
