"""Faults survived mid-game: a Sentinel primary, a Cluster primary and an app node, SIGKILLed.

Each test runs the stack of tests/stack.py (the replay upstream with its clock frozen and moved
by the test, gunicorn, two pollers, nginx) on a Redis Sentinel group, on a Redis Cluster, or
with two app nodes behind nginx, while stream clients that resume as EventSource does follow
the live week through nginx. After the fault: a finished week answered 200 all along, /readyz
is back, the next change reaches every client, every client's last state is the live week's,
each client's ids only increased, and one poller at a time published.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import aiohttp
import pytest

from nflscores.domain.encoding import decode_week
from nflscores.domain.models import Week
from nflscores.live.diff import diff_weeks
from nflscores.sources.scorestrip import parse_scorestrip
from nflscores.store import RedisBackend, keys, parse_event_id
from tests.redis_ha import redis_cluster, sentinel_group
from tests.stack import Stack, run_stack
from tests.support import until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

STACK_ENV = {
    "NFLSCORES_POLL_LIVE_INTERVAL_S": "0.2",
    "NFLSCORES_SSE_HEARTBEAT_S": "1",
    "NFLSCORES_GRACEFUL_TIMEOUT_S": "5",
}
FANS = 4
#: The issue's bound: a change made after the fault reaches every client within this.
DELIVERY_S = 30.0
#: How long /readyz may take to answer 200 again; generous, never measured.
READY_S = 30.0
FINISHED_WEEK = "/api/2015/1"
EVENT_STREAM = {"Accept": "text/event-stream"}


@pytest.fixture
def clean_env() -> Iterator[None]:
    """Keep the developer's NFLSCORES_* settings out of the stack."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("NFLSCORES_")]:
            patch.delenv(name)
        yield


@dataclass
class Fan:
    """A client of /api/livescore through nginx that reconnects with Last-Event-ID."""

    url: str
    ids: list[str] = field(default_factory=list)
    last: bytes | None = None
    reconnects: int = 0

    async def follow(self, session: aiohttp.ClientSession) -> None:
        """Read events until cancelled; on a cut or an error, reconnect from the last id."""
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=10)
        while True:
            headers = dict(EVENT_STREAM)
            if self.ids:
                headers["Last-Event-ID"] = self.ids[-1]
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(
                    f"{self.url}/api/livescore", headers=headers, timeout=timeout
                ) as response:
                    if response.status == 200:
                        await self._read(response)
            self.reconnects += 1
            await asyncio.sleep(0.5)

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        event_id: str | None = None
        data: bytes | None = None
        async for raw in response.content:
            line = raw.rstrip(b"\r\n")
            if not line:
                if event_id is not None and data is not None:
                    self.ids.append(event_id)
                    self.last = data
                event_id = data = None
            elif line.startswith(b"id: "):
                event_id = line[4:].decode()
            elif line.startswith(b"data: "):
                data = line[6:]


async def set_clock(session: aiohttp.ClientSession, stack: Stack, minute: int) -> None:
    """Freeze the replay's live day at a minute after its first kickoff."""
    url = f"{stack.upstream_url}/_replay/clock"
    async with session.post(url, params={"minute": str(minute), "freeze": "1"}) as response:
        assert response.status == 200, await response.text()


async def live_week(session: aiohttp.ClientSession, stack: Stack) -> Week:
    """Return the live week as the upstream serves it now."""
    async with session.get(f"{stack.upstream_url}/liveupdate/scorestrip/ss.xml") as response:
        body = await response.read()
    return parse_scorestrip(body, fetched_at=datetime.now(UTC))


def shows(fan: Fan, week: Week) -> bool:
    """Return True when the fan's last event is the week as the upstream has it."""
    return fan.last is not None and not diff_weeks(decode_week(fan.last), week).changed


async def every_fan_shows(
    session: aiohttp.ClientSession, stack: Stack, fans: list[Fan], *, within: float
) -> None:
    """Wait until every fan's last state is the upstream's live week; fail after `within`."""
    week = await live_week(session, stack)
    await until(lambda: all(shows(fan, week) for fan in fans), within=within, every=0.1)


async def answers_200(session: aiohttp.ClientSession, url: str) -> bool:
    """Return True when the URL answers 200 now."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
            await response.read()
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def probe(
    session: aiohttp.ClientSession, urls: list[str], statuses: list[tuple[str, int]]
) -> None:
    """GET each URL in turn until cancelled, recording every status (0: no answer)."""
    while True:
        for url in urls:
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                    await response.read()
                    statuses.append((url, response.status))
            except (aiohttp.ClientError, TimeoutError):
                statuses.append((url, 0))
        await asyncio.sleep(0.1)


async def history(redis_url: str) -> list[tuple[str, str]]:
    """Return each event id of the history and the token of the poller that published it."""
    backend = RedisBackend.from_url(redis_url, max_connections=2)
    try:
        entries = cast(
            "list[tuple[bytes, dict[bytes, bytes]]]",
            await backend.client.xrange(keys.LIVE_STREAM),
        )
    finally:
        await backend.aclose()
    return [(event_id.decode(), fields[b"p"].decode()) for event_id, fields in entries]


async def publishers(redis_url: str) -> list[str]:
    """Return the token of the poller that published each event of the history, in order."""
    return [token for _, token in await history(redis_url)]


def handovers(tokens: list[str]) -> int:
    """Return how often the publisher changed along the history."""
    return sum(1 for before, after in itertools.pairwise(tokens) if before != after)


async def survive(
    stack: Stack,
    fault: Callable[[], Awaitable[None]],
    *,
    finished_urls: list[str],
    gone: Callable[[], set[str]] = set,
) -> list[Fan]:
    """Follow the live week with FANS clients across `fault`; assert what the issue asks.

    `finished_urls` are asked for a finished week all along; those `gone()` names after the
    fault (a node killed) are left out of the check.
    """
    async with aiohttp.ClientSession() as session:
        await set_clock(session, stack, 30)
        await until(lambda: answers_200(session, f"{stack.url}/readyz"), within=READY_S)
        fans = [Fan(stack.url) for _ in range(FANS)]
        following = [asyncio.create_task(fan.follow(session)) for fan in fans]
        statuses: list[tuple[str, int]] = []
        probing = asyncio.create_task(probe(session, finished_urls, statuses))
        try:
            await every_fan_shows(session, stack, fans, within=DELIVERY_S)
            await set_clock(session, stack, 35)
            await every_fan_shows(session, stack, fans, within=DELIVERY_S)
            before = await publishers(stack.redis_url)

            await fault()
            # The game goes on while the store or the node is down.
            await set_clock(session, stack, 40)
            await until(lambda: answers_200(session, f"{stack.url}/readyz"), within=READY_S)
            await set_clock(session, stack, 45)
            await every_fan_shows(session, stack, fans, within=DELIVERY_S)
        finally:
            for task in [probing, *following]:
                task.cancel()
            await asyncio.gather(probing, *following, return_exceptions=True)

    answered = [(url, status) for url, status in statuses if url not in gone()]
    assert {url for url, _ in answered} == set(finished_urls) - gone()
    assert {status for _, status in answered} == {200}, sorted(set(answered))
    for fan in fans:
        keys_seen = [parse_event_id(event_id) for event_id in fan.ids]
        assert None not in keys_seen
        assert keys_seen == sorted(set(keys_seen)), f"ids went back or repeated: {fan.ids}"  # type: ignore[type-var]
    after = await publishers(stack.redis_url)
    # One poller at a time: the history is runs of one publisher, handed over at most once
    # per fault, and it never interleaves two pollers.
    assert handovers(before) <= 1
    assert handovers(after) <= handovers(before) + 1
    runs = [token for index, token in enumerate(after) if index == 0 or after[index - 1] != token]
    assert len(runs) == len(set(runs)), f"two pollers took turns publishing: {runs}"
    return fans


async def test_a_sentinel_primary_killed_mid_game_is_survived(clean_env: None) -> None:
    """SIGKILL the primary: Sentinel promotes the replica and every part follows it."""
    with (
        sentinel_group() as group,
        run_stack(
            speed=60, extra_env=STACK_ENV, redis_url=group.url, pollers=2, logs_name="sentinel"
        ) as stack,
    ):

        async def kill_primary() -> None:
            old = await asyncio.to_thread(group.kill_primary)
            new = await asyncio.to_thread(group.wait_for_failover)
            assert new != old

        direct = f"http://127.0.0.1:{stack.app_port}{FINISHED_WEEK}"
        fans = await survive(
            stack, kill_primary, finished_urls=[f"{stack.url}{FINISHED_WEEK}", direct]
        )
    # The app nodes stayed up: their streams followed the new primary without a reconnect.
    assert all(fan.reconnects == 0 for fan in fans), [fan.reconnects for fan in fans]


async def test_a_cluster_primary_killed_mid_game_is_survived(clean_env: None) -> None:
    """SIGKILL the primary of the live slot: its replica takes over and every part follows."""
    with (
        redis_cluster() as cluster,
        run_stack(
            speed=60, extra_env=STACK_ENV, redis_url=cluster.url, pollers=2, logs_name="cluster"
        ) as stack,
    ):

        async def kill_live_primary() -> None:
            old = cluster.primary_of(keys.LIVE_STREAM)
            await asyncio.to_thread(cluster.kill, old)
            new = await asyncio.to_thread(cluster.wait_for_failover, keys.LIVE_STREAM)
            assert new != old

        direct = f"http://127.0.0.1:{stack.app_port}{FINISHED_WEEK}"
        fans = await survive(
            stack, kill_live_primary, finished_urls=[f"{stack.url}{FINISHED_WEEK}", direct]
        )
    assert all(fan.reconnects == 0 for fan in fans), [fan.reconnects for fan in fans]


async def test_an_app_node_killed_mid_game_costs_its_clients_one_reconnect(
    clean_env: None,
) -> None:
    """SIGKILL one of two app nodes: its clients reconnect once, to the other, and miss nothing."""
    with run_stack(
        speed=60, extra_env=STACK_ENV, app_nodes=2, pollers=2, logs_name="app-nodes"
    ) as stack:

        async def kill_busier_node() -> None:
            streams = stack.open_streams()
            held = [sum(streams.get(pid, 0) for pid in stack.node_workers(i)) for i in (0, 1)]
            victim = 0 if held[0] >= held[1] else 1
            killed.append(victim)
            await asyncio.to_thread(stack.kill_node, victim)

        killed: list[int] = []
        direct = [f"http://127.0.0.1:{port}{FINISHED_WEEK}" for port in stack.app_ports]
        fans = await survive(
            stack,
            kill_busier_node,
            finished_urls=[f"{stack.url}{FINISHED_WEEK}", *direct],
            gone=lambda: {direct[index] for index in killed},
        )
        published = [event_id for event_id, _ in await history(stack.redis_url)]
    assert all(fan.reconnects <= 1 for fan in fans), [fan.reconnects for fan in fans]
    assert any(fan.reconnects == 1 for fan in fans), "no client was on the node killed"
    # Nothing else: from the snapshot it started with, each client got every event once.
    for fan in fans:
        assert fan.ids == published[published.index(fan.ids[0]) :]
