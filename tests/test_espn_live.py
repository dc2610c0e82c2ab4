"""The live path in ESPN mode: the poller on real Redis, the stream with Last-Event-ID, the API."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from nflscores.cache.entries import WeekCache
from nflscores.domain.encoding import decode_week
from nflscores.live.poller import Poller
from nflscores.settings import Settings
from nflscores.sources.base import open_source
from nflscores.store import RedisBackend
from nflscores.web.app import create_app
from tests.espn_support import changed, scoreboard
from tests.espn_upstream import EspnUpstream
from tests.live_support import live_history, open_stream
from tests.support import MakeClient

#: The live fixture's NO at ATL, in the 4th quarter: ATL (home) 26, NO 24.
GAME = "espn-401990003"


def atl_score(body: bytes) -> int | None:
    """Return Atlanta's score in a week JSON body."""
    game = next(g for g in decode_week(body).games if g.id == GAME)
    return game.home.score


@pytest.fixture
def poll_settings(espn_settings: Settings) -> Settings:
    """Return ESPN-mode settings where every step of the poller is due to poll."""
    return dataclasses.replace(
        espn_settings, upstream_retries=0, poll_live_interval_s=0.0, poll_idle_interval_s=0.0
    )


@pytest.fixture
async def poller(poll_settings: Settings, backend: RedisBackend) -> AsyncIterator[Poller]:
    """Return a poller on the ESPN source, as `nflscores poll` builds it."""
    async with open_source(poll_settings) as source:
        yield Poller(
            backend=backend,
            feed=source,
            cache=WeekCache(backend, poll_settings),
            settings=poll_settings,
        )


async def test_each_espn_change_is_published_once(
    poller: Poller, backend: RedisBackend, espn: EspnUpstream
) -> None:
    """The first poll publishes ESPN's week; an unchanged one nothing; a score or down once."""
    espn.live_body = scoreboard()
    await poller.step()
    await poller.step()
    espn.live_body = scoreboard(atl=29)
    await poller.step()
    espn.live_body = scoreboard(atl=29, down=2)
    await poller.step()
    await poller.step()
    events = [body for _, body in await live_history(backend)]
    assert [atl_score(body) for body in events] == [26, 29, 29]
    week = decode_week(events[-1])
    assert (week.source, week.slug) == ("espn", "5")
    situation = next(g for g in week.games if g.id == GAME).situation
    assert situation is not None
    assert situation.down == 2
    assert espn.requests == {("", "", ""): 5}


async def test_an_unchanged_scoreboard_is_asked_for_conditionally(
    poller: Poller, backend: RedisBackend, espn: EspnUpstream
) -> None:
    """With ESPN's ETag, the next poll asks If-None-Match; a 304 publishes nothing new."""
    espn.validators = True
    await poller.step()
    await poller.step()
    assert espn.not_modified == 1
    assert "If-None-Match" in espn.headers[1]
    assert len(await live_history(backend)) == 1
    espn.live_body = scoreboard(atl=33)
    await poller.step()
    assert [atl_score(body) for _, body in await live_history(backend)] == [26, 33]


async def test_the_off_season_publishes_nothing(
    poller: Poller, backend: RedisBackend, espn: EspnUpstream
) -> None:
    """Between seasons ESPN's current week is the off-season: nothing is published."""
    espn.live_body = changed("2025-OFF.json", lambda data: None)
    await poller.step()
    assert await live_history(backend) == []
    assert poller.holding


async def test_stream_and_last_event_id_in_espn_mode(
    poller: Poller, espn_settings: Settings, aiohttp_client: MakeClient, espn: EspnUpstream
) -> None:
    """Streams get ESPN's changes as they are polled; back with Last-Event-ID, what they missed."""
    client = await aiohttp_client(create_app(espn_settings))
    await poller.step()
    reader = await open_stream(client)
    first = await reader.event()
    assert atl_score(first.data) == 26
    espn.live_body = scoreboard(atl=29)
    await poller.step()
    seen = await reader.event()
    assert atl_score(seen.data) == 29
    reader.response.close()
    for score in (32, 35):
        espn.live_body = scoreboard(atl=score)
        await poller.step()
    assert seen.id is not None
    again = await open_stream(client, headers={"Last-Event-ID": seen.id})
    assert [atl_score(frame.data) for frame in await again.events(2)] == [32, 35]


async def test_the_polled_week_is_what_the_week_api_serves(
    poller: Poller, espn_settings: Settings, aiohttp_client: MakeClient, espn: EspnUpstream
) -> None:
    """The week the poller stored is GET /api/2022/5's answer, without a week request to ESPN."""
    await poller.step()
    client = await aiohttp_client(create_app(espn_settings))
    response = await client.get("/api/2022/5")
    assert response.status == 200
    assert atl_score(await response.read()) == 26
    assert espn.requests == {("", "", ""): 1}
