"""How big each benchmark runs: the full plan for `make bench`, a small one for --quick."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Every size and duration a run uses; each run is bounded by these."""

    name: str
    #: Interleaved rounds (A B C A B C ...); every figure is the median over them.
    rounds: int
    #: More rounds for the cached GET's ratios nearest their targets, at 64 and 256
    #: connections only: each round the targets compared, in turn forwards and backwards
    #: (A B C, then C B A).
    close_rounds: int
    # Cached week (wrk).
    wrk_seconds: int
    wrk_threads: int
    #: Connection counts run against every target (the plots' x axis).
    connections: tuple[int, ...]
    # Cold fetches.
    upstream_latency_ms: int
    #: fetch-season --concurrency values; the first figure is always the default concurrency.
    fetch_concurrency: tuple[int, ...]
    #: Concurrent API requests for one uncached week; the largest is the headline figure.
    cold_requests: tuple[int, ...]
    # Live fan-out.
    #: Rounds of the fan-out comparison (each 10,000-client run of the talk's design is long).
    fanout_rounds: int
    fanout_clients: tuple[int, ...]
    fanout_events: int
    fanout_interval_s: float
    #: How long after the last publish a client still waits before an event counts as lost.
    fanout_drain_s: float
    #: Most connections one load-client process opens (the open-file limit is 20,000).
    connections_per_client_process: int
    # The big hold (benchmark 4): clients, server workers, how long, how often an event.
    big_clients: int
    #: 100,000 sockets need at least 6 processes of 20,000 open files; 8 spread them evenly.
    big_workers: int
    big_hold_s: float
    big_interval_s: float
    #: Profile the app with py-spy where a target is missed.
    profile: bool


FULL = Plan(
    name="full",
    # Four: two rounds of the same code gave 0.69x and 0.89x for one ratio on this machine.
    rounds=4,
    # Six more where it matters: the same code's ratio to the bare app at 256 ran 0.88-0.98x
    # in four rounds, and single runs side by side 0.71-1.13x (instance noise).
    close_rounds=6,
    wrk_seconds=3,
    wrk_threads=2,
    connections=(16, 64, 256, 1024),
    upstream_latency_ms=200,
    fetch_concurrency=(1, 4, 16),
    cold_requests=(1, 10, 50, 200),
    fanout_rounds=1,
    fanout_clients=(1000, 10000),
    fanout_events=10,
    fanout_interval_s=0.5,
    fanout_drain_s=30.0,
    connections_per_client_process=15_000,
    big_clients=100_000,
    big_workers=8,
    big_hold_s=300.0,
    big_interval_s=30.0,
    profile=True,
)

QUICK = Plan(
    name="quick",
    rounds=1,
    close_rounds=0,
    wrk_seconds=2,
    wrk_threads=2,
    connections=(64,),
    upstream_latency_ms=200,
    fetch_concurrency=(4,),
    cold_requests=(20,),
    fanout_rounds=1,
    fanout_clients=(300,),
    fanout_events=5,
    fanout_interval_s=0.2,
    fanout_drain_s=5.0,
    connections_per_client_process=15_000,
    big_clients=2000,
    big_workers=2,
    big_hold_s=6.0,
    big_interval_s=2.0,
    profile=False,
)
