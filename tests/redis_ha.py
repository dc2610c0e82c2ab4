"""Redis's distributed modes as real processes on loopback: Sentinel and Cluster.

`sentinel_group()` starts a primary, a replica and three Sentinels watching them;
`redis_cluster()` starts six cluster nodes (three primaries, three replicas) and joins them
with `redis-cli --cluster create`. Both use short timeouts, so a primary killed with SIGKILL
is replaced within a few seconds, and both stop every process they started on exit.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import redis

from tests.support import free_port, redis_server_argv, running

SERVICE: Final = "nflscores"
#: How long Sentinel waits before calling a silent primary down, and a failover's limit.
DOWN_AFTER_MS: Final = 1000
FAILOVER_TIMEOUT_MS: Final = 3000
#: How long a silent cluster node may be before its replica takes over.
CLUSTER_NODE_TIMEOUT_MS: Final = 1000
#: A cluster node also listens on its port + 10000 (the cluster bus).
CLUSTER_BUS_OFFSET: Final = 10000


class NotYet(Exception):
    """The servers do not agree yet (Sentinels mid-failover); ask again."""


def redis_cli_binary() -> str:
    """Return the redis-cli executable; fail loudly, never skip, when it is missing."""
    binary = shutil.which("redis-cli")
    if binary is None:
        raise RuntimeError("redis-cli is not installed: run `make setup` (or .ci/run)")
    return binary


def wait_for(check: object, *, timeout: float = 30.0, what: str = "it") -> None:
    """Poll a callable until it returns true (Redis errors count as not yet); raise after."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError, OSError, NotYet):
            if check():
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not reached after {timeout}s")


def _client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=1)


@dataclass
class SentinelGroup:
    """A primary, its replica and three Sentinels; `nodes` maps each data port to its process."""

    sentinel_ports: tuple[int, ...]
    nodes: dict[int, subprocess.Popen[bytes]]
    #: Data ports killed by the test: never a primary again.
    killed: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        """Return NFLSCORES_REDIS_URL for this group."""
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def primary_port(self) -> int:
        """Return the port of the primary every Sentinel agrees on now."""
        seen = set()
        for port in self.sentinel_ports:
            with _client(port) as sentinel:
                _host, primary = sentinel.execute_command(
                    "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE
                )
            seen.add(int(primary))
        if len(seen) != 1:
            raise NotYet(f"the Sentinels disagree on the primary: {sorted(seen)}")
        return seen.pop()

    def kill_primary(self) -> int:
        """SIGKILL the primary and return its port."""
        port = self.primary_port()
        self.nodes[port].send_signal(signal.SIGKILL)
        self.nodes[port].wait()
        self.killed.add(port)
        return port

    def wait_for_failover(self, *, timeout: float = 30.0) -> int:
        """Return the new primary's port once a replica was promoted and answers as one."""

        def promoted() -> bool:
            port = self.primary_port()
            if port in self.killed:
                return False
            with _client(port) as client:
                return bool(client.info("replication")["role"] == "master")

        wait_for(promoted, timeout=timeout, what="a Sentinel failover")
        return self.primary_port()


def _sentinel_conf(port: int, primary_port: int, workdir: Path) -> Path:
    conf = workdir / f"sentinel-{port}.conf"
    conf.write_text(
        f"port {port}\n"
        "bind 127.0.0.1\n"
        f"dir {workdir}\n"
        f"sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2\n"
        f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
        f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}\n"
        f"sentinel parallel-syncs {SERVICE} 1\n"
    )
    return conf


@contextlib.contextmanager
def sentinel_group() -> Iterator[SentinelGroup]:
    """Run a primary, a replica and three Sentinels on free ports for the block's duration."""
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nflscores-ha-")))
        primary, replica = free_port(), free_port()
        nodes = {}
        for port in (primary, replica):
            node_dir = workdir / str(port)
            node_dir.mkdir()
            argv = redis_server_argv(port, node_dir)
            if port == replica:
                argv += ["--replicaof", "127.0.0.1", str(primary)]
            nodes[port] = stack.enter_context(running(argv, port=port))
        sentinel_ports = tuple(free_port() for _ in range(3))
        for port in sentinel_ports:
            conf = _sentinel_conf(port, primary, workdir)
            argv = [redis_server_argv(port, workdir)[0], str(conf), "--sentinel"]
            stack.enter_context(running(argv, port=port))
        group = SentinelGroup(sentinel_ports=sentinel_ports, nodes=nodes)

        def ready() -> bool:
            with _client(replica) as client:
                info = client.info("replication")
            if info.get("master_link_status") != "up":
                return False
            for port in sentinel_ports:
                with _client(port) as sentinel:
                    replicas = sentinel.execute_command("SENTINEL", "REPLICAS", SERVICE)
                    others = sentinel.execute_command("SENTINEL", "SENTINELS", SERVICE)
                if len(replicas) != 1 or len(others) != len(sentinel_ports) - 1:
                    return False
            return group.primary_port() == primary

        wait_for(ready, what="the Sentinels finding the replica and each other")
        yield group


@dataclass
class RedisCluster:
    """Six cluster nodes; `nodes` maps each port to its process."""

    nodes: dict[int, subprocess.Popen[bytes]]
    killed: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        """Return NFLSCORES_REDIS_URL for this cluster (every node, as a client would list)."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.nodes)

    def live_ports(self) -> list[int]:
        """Return the ports of the nodes not killed."""
        return [port for port in self.nodes if port not in self.killed]

    def primary_of(self, key: str) -> int:
        """Return the port of the primary serving key's slot now."""
        with _client(self.live_ports()[0]) as client:
            slot = client.execute_command("CLUSTER", "KEYSLOT", key)
            slots = client.execute_command("CLUSTER", "SLOTS")
        for start, end, primary, *_replicas in slots:
            if start <= slot <= end:
                return int(primary[1])
        raise NotYet(f"no node serves slot {slot}")

    def kill(self, port: int) -> None:
        """SIGKILL one node."""
        self.nodes[port].send_signal(signal.SIGKILL)
        self.nodes[port].wait()
        self.killed.add(port)

    def wait_for_failover(self, key: str, *, timeout: float = 30.0) -> int:
        """Return the port of key's new primary once its replica took over and the cluster is ok."""

        def recovered() -> bool:
            if self.primary_of(key) in self.killed:
                return False
            return all(_cluster_ok(port) for port in self.live_ports())

        wait_for(recovered, timeout=timeout, what="a cluster failover")
        return self.primary_of(key)


def _cluster_ok(port: int) -> bool:
    with _client(port) as client:
        info = client.execute_command("CLUSTER", "INFO")
    text = info.decode() if isinstance(info, bytes) else str(info)
    return "cluster_state:ok" in text


def free_cluster_port() -> int:
    """Return a free port whose cluster bus port (port + 10000) is free as well."""
    while True:
        port = free_port()
        if port + CLUSTER_BUS_OFFSET >= 65536:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + CLUSTER_BUS_OFFSET))
            except OSError:
                continue
        return port


@contextlib.contextmanager
def redis_cluster() -> Iterator[RedisCluster]:
    """Run a six-node cluster (three primaries, three replicas) for the block's duration."""
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nflscores-rc-")))
        ports: list[int] = []
        while len(ports) < 6:
            port = free_cluster_port()
            if port not in ports:
                ports.append(port)
        nodes = {}
        for port in ports:
            node_dir = workdir / str(port)
            node_dir.mkdir()
            argv = [
                *redis_server_argv(port, node_dir),
                "--cluster-enabled", "yes",
                "--cluster-config-file", str(node_dir / "nodes.conf"),
                "--cluster-node-timeout", str(CLUSTER_NODE_TIMEOUT_MS),
                # A replica takes over however long its link was down: the test kills at will.
                "--cluster-replica-validity-factor", "0",
            ]  # fmt: skip
            nodes[port] = stack.enter_context(running(argv, port=port))
        create = [
            redis_cli_binary(), "--cluster", "create",
            *(f"127.0.0.1:{port}" for port in ports),
            "--cluster-replicas", "1", "--cluster-yes",
        ]  # fmt: skip
        subprocess.run(create, check=True, capture_output=True, timeout=60)
        cluster = RedisCluster(nodes=nodes)

        def ready() -> bool:
            if not all(_cluster_ok(port) for port in ports):
                return False
            with _client(ports[0]) as client:
                slots = client.execute_command("CLUSTER", "SLOTS")
            # Three primaries, each with its replica attached.
            return len(slots) == 3 and all(len(entry) >= 4 for entry in slots)

        wait_for(ready, what="the cluster agreeing on its slots")
        yield cluster
