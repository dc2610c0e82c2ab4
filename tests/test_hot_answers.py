"""A HIT's answer is made once and reused: never past its copy, its max-age second or its day."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from nflscores.cache.entries import CachedWeek
from nflscores.domain.clock import ManualClock
from nflscores.domain.encoding import dumps, loads
from nflscores.domain.weeks import parse_week
from nflscores.settings import Settings
from nflscores.web.app import create_app
from nflscores.web.appkeys import HOT, WEEKS
from nflscores.web.hot import HOT_PATHS
from tests.live_support import live_xml
from tests.support import Client, MakeClient
from tests.upstream import ScriptedUpstream

LIVE_WEEK = ("2014", "REG", "10")


async def test_max_age_counts_down_through_kept_answers(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream
) -> None:
    """Answers kept within one second of max-age say it; the next second's say one less."""
    scripted.bodies[LIVE_WEEK] = live_xml()
    clock = ManualClock()
    client = await aiohttp_client(
        create_app(dataclasses.replace(settings, live_ttl_s=30), clock=clock)
    )
    assert (await client.get("/api/2014/10")).headers["X-Cache"] == "MISS"
    clock.advance(0.5)
    seen = [(await client.get("/api/2014/10")).headers["Cache-Control"] for _ in range(3)]
    assert seen == ["public, max-age=29"] * 3
    clock.advance(0.6)
    later = await client.get("/api/2014/10")
    assert later.headers["Cache-Control"] == "public, max-age=28"
    assert later.headers["X-Cache"] == "HIT"
    assert scripted.requests[LIVE_WEEK] == 1


async def test_a_new_copy_replaces_the_kept_answer(
    settings: Settings, aiohttp_client: MakeClient
) -> None:
    """A live event's copy is answered at once, with its own ETag, by the next request."""
    app = create_app(settings)
    client = await aiohttp_client(app)
    first = await client.get("/api/2015/1")
    for _ in range(2):  # the second HIT comes from the kept answer
        assert (await client.get("/api/2015/1")).headers["ETag"] == first.headers["ETag"]
    week = loads(await first.read())
    week["updated_at"] = "2015-09-15T04:00:00Z"
    body = dumps(week)
    app[WEEKS].remember(parse_week(2015, "1"), body)
    after = await client.get("/api/2015/1")
    assert await after.read() == body
    assert after.headers["ETag"] != first.headers["ETag"]


async def test_if_none_match_is_answered_after_kept_answers(client: Client) -> None:
    """A conditional request is checked against the copy, never answered from a kept 200."""
    etag = ""
    for _ in range(3):
        etag = (await client.get("/api/2015/1")).headers["ETag"]
    not_modified = await client.get("/api/2015/1", headers={"If-None-Match": etag})
    assert not_modified.status == 304
    assert not_modified.headers["X-Cache"] == "HIT"


async def test_a_kept_answer_ends_with_its_day(
    settings: Settings, aiohttp_client: MakeClient
) -> None:
    """A day-long max-age is kept no further than midnight UTC: the day bounds the seasons."""
    midnight = datetime(2026, 12, 2, tzinfo=UTC)
    clock = ManualClock(midnight - timedelta(seconds=1))
    app = create_app(settings, clock=clock)
    await aiohttp_client(app)
    hot = app[HOT]
    fresh_until = midnight.timestamp() + 7 * 86400
    entry = CachedWeek(body=b"{}", etag='"e"', state="final", fresh_until=fresh_until)
    hot.keep("2015", "1", entry, {}, max_age=86400, now=clock.time())
    clock.advance(0.5)
    assert hot.get("2015", "1") is not None
    clock.advance(0.5)
    assert hot.get("2015", "1") is None


async def test_kept_answers_are_bounded(settings: Settings, aiohttp_client: MakeClient) -> None:
    """Past HOT_PATHS paths the kept answers are dropped, not grown without end."""
    clock = ManualClock()
    app = create_app(settings, clock=clock)
    await aiohttp_client(app)
    hot = app[HOT]
    entry = CachedWeek(body=b"{}", etag='"e"', state="final", fresh_until=clock.time() + 1e6)
    for number in range(HOT_PATHS + 1):
        hot.keep("2015", str(number), entry, {}, max_age=60, now=clock.time())
    assert hot.get("2015", "0") is None
    assert hot.get("2015", str(HOT_PATHS)) is not None
