"""The poller, one step at a time, on real Redis against a scripted live feed over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest

from nflscores.cache.entries import WeekCache
from nflscores.domain.encoding import decode_week, loads
from nflscores.live.poller import Poller
from nflscores.settings import Settings
from nflscores.sources.base import Source, open_source
from nflscores.store import RedisBackend, keys, parse_event_id
from tests.live_support import LiveFeedServer, cin_score, live_history, live_week, live_xml
from tests.support import MakeServer


@pytest.fixture
async def poll_settings(
    feed: LiveFeedServer, aiohttp_server: MakeServer, redis_url: str
) -> Settings:
    """Return settings pointing at the scripted feed and the test Redis."""
    server = await aiohttp_server(feed.app())
    return Settings(
        redis_url=redis_url,
        upstream_url=str(server.make_url("")).rstrip("/"),
        upstream_retries=0,
        upstream_timeout_s=2.0,
        # Every step is due to poll, so each test decides exactly when the feed is read.
        poll_live_interval_s=0.0,
        poll_idle_interval_s=0.0,
    )


@pytest.fixture
async def upstream(poll_settings: Settings) -> AsyncIterator[Source]:
    """Return the real source the settings name, on the scripted feed."""
    async with open_source(poll_settings) as source:
        yield source


@pytest.fixture
def make_poller(
    backend: RedisBackend, upstream: Source, poll_settings: Settings
) -> Callable[..., Poller]:
    """Return a factory of pollers sharing the store and the feed, as separate processes would."""

    def make(*, lease_ttl_s: float = 60.0, settings: Settings = poll_settings) -> Poller:
        return Poller(
            backend=backend,
            feed=upstream,
            cache=WeekCache(backend, settings),
            settings=settings,
            lease_ttl_s=lease_ttl_s,
        )

    return make


async def test_each_change_is_published_once(
    make_poller: Callable[..., Poller], backend: RedisBackend, feed: LiveFeedServer
) -> None:
    """The first poll publishes the week; an unchanged feed publishes nothing; each change once."""
    poller = make_poller()
    await poller.step()
    await poller.step()
    assert [cin_score(body) for _, body in await live_history(backend)] == [3]
    feed.body = live_xml(cin=10)
    await poller.step()
    await poller.step()
    feed.body = live_xml(cin=10, clock="00:10")
    await poller.step()
    events = await live_history(backend)
    assert [cin_score(body) for _, body in events] == [3, 10, 10]
    assert decode_week(events[-1][1]).games[0].clock == "00:10"
    assert feed.requests == 5


async def test_the_week_cache_is_refreshed_on_each_poll(
    make_poller: Callable[..., Poller],
    backend: RedisBackend,
    feed: LiveFeedServer,
    poll_settings: Settings,
) -> None:
    """The live week's cache entry follows the feed, so the week API serves the same scores."""
    poller = make_poller()
    await poller.step()
    feed.body = live_xml(cin=24)
    await poller.step()
    entry = await WeekCache(backend, poll_settings).load(live_week().ref)
    assert entry is not None
    assert entry.state == "live"
    assert loads(entry.body)["games"][0]["home"]["score"] == 24


async def test_upstream_failures_publish_nothing_and_polling_goes_on(
    make_poller: Callable[..., Poller], backend: RedisBackend, feed: LiveFeedServer
) -> None:
    """A failing feed is survived: no event, no crash, and the next change is published."""
    poller = make_poller()
    await poller.step()
    feed.failing = True
    await asyncio.sleep(await poller.step())
    assert feed.requests == 2
    assert poller.holding
    feed.failing = False
    feed.body = live_xml(cin=6)
    while feed.requests < 3:
        delay = await poller.step()
        await asyncio.sleep(delay)
    assert [cin_score(body) for _, body in await live_history(backend)] == [3, 6]


async def test_a_second_poller_waits_then_takes_over_without_repeating(
    make_poller: Callable[..., Poller], backend: RedisBackend, feed: LiveFeedServer
) -> None:
    """Only the lease holder publishes; its successor publishes the next change, not the last."""
    first, second = make_poller(), make_poller()
    await first.step()
    await second.step()
    assert first.holding
    assert not second.holding
    assert feed.requests == 1  # a poller waiting for the lease does not poll

    await first.release()
    await second.step()
    assert second.holding
    feed.body = live_xml(cin=13)
    await second.step()
    assert [cin_score(body) for _, body in await live_history(backend)] == [3, 13]


async def test_a_poller_that_lost_its_lease_cannot_publish(
    make_poller: Callable[..., Poller], backend: RedisBackend, feed: LiveFeedServer
) -> None:
    """A holder whose lease expired unseen is refused by the store, then stands by."""
    stale, successor = make_poller(), make_poller()
    await stale.step()
    await backend.delete(keys.POLLER_LEASE)  # as if it had expired during a long pause
    await successor.step()
    feed.body = live_xml(cin=20)
    await stale.step()
    assert not stale.holding
    await successor.step()
    assert [cin_score(body) for _, body in await live_history(backend)] == [3, 20]


async def test_a_poller_continues_the_history_a_dead_one_left(
    make_poller: Callable[..., Poller], backend: RedisBackend
) -> None:
    """After a takeover, the newest event in the history is the baseline: nothing repeats."""
    await make_poller(lease_ttl_s=0.05).step()  # then it dies, holding the lease
    successor = make_poller()
    while not successor.holding:
        await successor.step()
        await asyncio.sleep(0.01)
    await successor.step()
    assert len(await live_history(backend)) == 1


async def test_a_step_waits_no_longer_than_the_live_interval_in_play(
    make_poller: Callable[..., Poller], poll_settings: Settings
) -> None:
    """While a game is in play, the wait before the next step is at most the live interval."""
    paced = dataclasses.replace(poll_settings, poll_live_interval_s=2.0, poll_idle_interval_s=60)
    delay = await make_poller(settings=paced).step()
    assert 0 < delay <= 2.0


async def test_an_empty_live_feed_is_nothing_live_not_a_failure(
    make_poller: Callable[..., Poller],
    backend: RedisBackend,
    feed: LiveFeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Between seasons the feed is `<ss/>`: nothing is published and no warning is logged."""
    feed.body = b'<?xml version="1.0" encoding="UTF-8"?>\n<ss/>\n'
    poller = make_poller()
    with caplog.at_level("WARNING", logger="nflscores.live.poller"):
        await poller.step()
        await poller.step()
    assert await live_history(backend) == []
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []
    feed.body = live_xml(cin=7)
    await poller.step()
    assert [cin_score(body) for _, body in await live_history(backend)] == [7]


async def test_a_history_that_lost_its_newest_event_silently_gets_it_again_under_a_higher_id(
    make_poller: Callable[..., Poller], backend: RedisBackend, feed: LiveFeedServer
) -> None:
    """As after a failover to a replica that lacked it: republished, with an id above the lost."""
    poller = make_poller()
    await poller.step()
    feed.body = live_xml(cin=10)
    await poller.step()
    (_, first), (lost_id, lost_body) = await live_history(backend)
    await backend.client.xdel(keys.LIVE_STREAM, lost_id)  # no error reaches the poller
    await poller.step()
    events = await live_history(backend)
    assert [body for _, body in events] == [first, lost_body]
    assert parse_event_id(events[-1][0]) > parse_event_id(lost_id)  # type: ignore[operator]
    await poller.step()
    assert len(await live_history(backend)) == 2


async def test_after_feed_failures_the_next_poll_is_within_one_live_interval(
    make_poller: Callable[..., Poller], poll_settings: Settings, feed: LiveFeedServer
) -> None:
    """However long the feed failed, the poller looks again within the live interval."""
    settings = dataclasses.replace(
        poll_settings, poll_live_interval_s=5.0, poll_idle_interval_s=60.0
    )
    poller = make_poller(settings=settings)
    feed.failing = True
    waits = []
    for _ in range(8):
        waits.append(await poller.step())
        poller._next_poll = 0.0  # due again at once: the test counts failures, not time
    assert feed.requests == 8
    assert max(waits) <= 5.0
