"""A private redis-server for one benchmark run, on a free port, never the host's."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.procs import NotAvailable, Service, launch
from devtools.procs import ProgramMissing, free_port, redis_server_argv

#: Redis's default; the talk's design meets it at 10,000 clients, so it is set on purpose.
MAXCLIENTS = 10_000


@dataclass
class RedisServer:
    """The running server and a client of the orchestrator's own."""

    service: Service
    url: str
    client: redis.Redis

    def connected_clients(self) -> int:
        """Return the clients connected now, the orchestrator's own one excluded."""
        info = self.client.info("clients")
        return int(info["connected_clients"]) - 1

    def rejected_connections(self) -> int:
        """Return how many connections Redis has refused since it started (maxclients)."""
        return int(self.client.info("stats")["rejected_connections"])

    def flush(self) -> None:
        """Empty every database."""
        self.client.flushall()


@contextlib.contextmanager
def private_redis(workdir: Path) -> Iterator[RedisServer]:
    """Run redis-server on a free loopback port for the block."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        argv = redis_server_argv(port, workdir, "--maxclients", str(MAXCLIENTS))
    except ProgramMissing as exc:
        raise NotAvailable(str(exc)) from None
    with launch(
        "redis", argv, port=port, log=workdir / "redis.log", stop_signal=signal.SIGTERM
    ) as svc:
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        try:
            yield RedisServer(service=svc, url=url, client=client)
        finally:
            client.close()
