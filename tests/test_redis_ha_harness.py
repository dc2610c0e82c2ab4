"""The test harness's Sentinel group and Cluster behave as Redis's own modes do."""

from __future__ import annotations

import pytest
import redis
from redis.cluster import RedisCluster as ClusterClient
from redis.sentinel import Sentinel

from tests.redis_ha import SERVICE, redis_cluster, sentinel_group, wait_for

pytestmark = pytest.mark.slow


def test_sentinel_group_promotes_the_replica_when_the_primary_is_killed() -> None:
    """Killing the primary with SIGKILL makes the Sentinels promote the replica, data kept."""
    with sentinel_group() as group:
        addresses = [("127.0.0.1", port) for port in group.sentinel_ports]
        sentinel = Sentinel(addresses)  # type: ignore[no-untyped-call]
        primary = sentinel.master_for(SERVICE, socket_timeout=2)  # type: ignore[no-untyped-call]
        primary.set("k", "v")
        primary.wait(1, 2000)
        old = group.kill_primary()
        new = group.wait_for_failover()
        assert new != old
        wait_for(lambda: primary.get("k") == b"v", what="the promoted replica answering")


def test_cluster_spreads_keys_and_survives_a_primary_killed() -> None:
    """A six-node cluster serves keys on three primaries and fails one over to its replica."""
    with redis_cluster() as cluster:
        client = ClusterClient(host="127.0.0.1", port=cluster.live_ports()[0])
        for index in range(30):
            client.set(f"key:{index}", index)
        owners = {cluster.primary_of(f"key:{index}") for index in range(30)}
        assert len(owners) == 3
        old = cluster.primary_of("key:0")
        client.wait(1, 2000, target_nodes=ClusterClient.PRIMARIES)
        cluster.kill(old)
        new = cluster.wait_for_failover("key:0")
        assert new != old

        def answers() -> bool:
            try:
                return bool(client.get("key:0") == b"0")
            except redis.RedisError:
                return False

        wait_for(answers, what="the cluster client following the failover")
        client.close()
