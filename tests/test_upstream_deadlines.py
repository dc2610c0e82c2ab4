"""Retries where they belong and a deadline on every wait for the upstream."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from nflscores import metrics
from nflscores.settings import Settings
from nflscores.web.app import create_app
from tests.live_support import live_xml
from tests.support import until
from tests.upstream import ScriptedUpstream

#: Slow: they wait out real upstream deadlines.
pytestmark = pytest.mark.slow

Client = TestClient[Request, Application]
MakeClient = Callable[..., Awaitable[Client]]

WEEK_1 = ("2015", "REG", "1")
WEEK_3 = ("2015", "REG", "3")
LIVE_WEEK = ("2014", "REG", "10")


async def test_a_body_cut_short_is_retried_like_a_reset(
    client: Client, scripted: ScriptedUpstream
) -> None:
    """The first answer breaks off mid-body; the retry gets the whole week: 200, two requests."""
    scripted.truncate_next = 1
    response = await client.get("/api/2015/1")
    assert response.status == 200
    assert response.headers["X-Cache"] == "MISS"
    assert scripted.requests[WEEK_1] == 2


async def test_a_fetch_waiting_for_a_request_slot_gives_up_with_a_504(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream
) -> None:
    """With every slot held by a stalled fetch, another week waits its deadline, then 504."""
    tuned = dataclasses.replace(
        settings, upstream_concurrency=1, upstream_queue_timeout_s=0.2, upstream_retries=0
    )
    client = await aiohttp_client(create_app(tuned))
    scripted.mode = "stall"
    scripted.stall_s = 3.0
    before = metrics.UPSTREAM_REQUESTS.labels(outcome="queue_timeout")._value.get()
    holding = asyncio.ensure_future(client.get("/api/2015/1"))
    await until(lambda: scripted.in_flight == 1)
    queued = await client.get("/api/2015/3")
    assert queued.status == 504
    error = (await queued.json())["error"]
    assert error["code"] == "upstream_timeout"
    assert "slot" in error["message"]
    assert scripted.requests[WEEK_3] == 0  # it never reached the upstream
    assert metrics.UPSTREAM_REQUESTS.labels(outcome="queue_timeout")._value.get() == before + 1
    assert (await holding).status == 504


async def test_a_stale_copy_is_answered_while_the_refresh_is_still_running(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream
) -> None:
    """An expired copy is sent while the (stalled) upstream request is still in flight."""
    scripted.bodies[LIVE_WEEK] = live_xml()
    client = await aiohttp_client(create_app(dataclasses.replace(settings, live_ttl_s=1)))
    body = await (await client.get("/api/2014/10")).read()
    await asyncio.sleep(1.1)
    scripted.mode = "stall"
    scripted.stall_s = 3.0
    stale = [await client.get("/api/2014/10") for _ in range(3)]
    assert [response.headers["X-Cache"] for response in stale] == ["STALE"] * 3
    assert [await response.read() for response in stale] == [body] * 3
    await until(lambda: scripted.in_flight == 1)
    assert scripted.requests[LIVE_WEEK] == 2  # one refresh for the three answers
