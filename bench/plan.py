"""How big each benchmark runs: the full plan for `make bench`, a small one for --quick."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Every size and duration a run uses; each run is bounded by these."""

    name: str
    #: Interleaved rounds (A B C A B C ...); every figure is the median over them.
    rounds: int
    # Cached week (wrk).
    wrk_seconds: int
    wrk_threads: int
    #: Connection counts run against every target.
    connections: tuple[int, ...]
    #: Extra connection counts for the growth table, run against the app and baseline (a).
    growth_connections: tuple[int, ...]
    # Cold fetches.
    upstream_latency_ms: int
    #: fetch-season --concurrency values; the first figure is always the default concurrency.
    fetch_concurrency: tuple[int, ...]
    #: Concurrent API requests for one uncached week; the largest is the headline figure.
    cold_requests: tuple[int, ...]
    # Live fan-out.
    fanout_clients: tuple[int, ...]
    fanout_events: int
    fanout_interval_s: float
    #: How long after the last publish a client still waits before an event counts as lost.
    fanout_drain_s: float
    #: Most connections one load-client process opens (the open-file limit is 20,000).
    connections_per_client_process: int
    idle_clients: int
    #: Workers for the idle-connection test: 40,000 sockets do not fit in 2 x 20,000 files.
    idle_workers: int
    idle_hold_s: float
    #: Profile the app with py-spy where a target is missed.
    profile: bool


FULL = Plan(
    name="full",
    rounds=3,
    wrk_seconds=4,
    wrk_threads=2,
    connections=(64, 256),
    growth_connections=(16, 1024),
    upstream_latency_ms=200,
    fetch_concurrency=(1, 4, 16),
    cold_requests=(1, 10, 50, 200),
    fanout_clients=(1000, 5000, 10000),
    fanout_events=20,
    fanout_interval_s=0.5,
    fanout_drain_s=30.0,
    connections_per_client_process=10_000,
    idle_clients=40_000,
    idle_workers=4,
    idle_hold_s=5.0,
    profile=True,
)

QUICK = Plan(
    name="quick",
    rounds=1,
    wrk_seconds=2,
    wrk_threads=2,
    connections=(64,),
    growth_connections=(),
    upstream_latency_ms=200,
    fetch_concurrency=(4,),
    cold_requests=(20,),
    fanout_clients=(300,),
    fanout_events=5,
    fanout_interval_s=0.2,
    fanout_drain_s=5.0,
    connections_per_client_process=10_000,
    idle_clients=2000,
    idle_workers=2,
    idle_hold_s=1.0,
    profile=False,
)
