"""Memory per filtered client: a team filter's frames are kept for the newest event only."""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable

from nflscores.live.events import LiveEvent
from nflscores.live.hub import RECENT_EVENTS, LiveHub
from nflscores.store import MemoryBackend
from tests.live_support import Publisher, live_body
from tests.support import until

#: 100 distinct filters, as 100 clients each following other teams would open.
FILTERS = [
    frozenset({"CIN", a + b})
    for a, b in itertools.islice(itertools.product(string.ascii_uppercase, repeat=2), 100)
]


def newest_is(hub: LiveHub, event_id: str) -> Callable[[], bool]:
    """Return a check that the hub's newest event is event_id."""
    return lambda: hub.latest is not None and hub.latest.id == event_id


async def test_filtered_frames_are_kept_for_the_newest_event_only() -> None:
    """With 100 distinct filters over 64 recent events, the hub holds ~100 filtered frames."""
    backend = MemoryBackend()
    hub = LiveHub(backend, heartbeat_s=60.0)
    hub.start()
    try:
        publisher = Publisher(backend)
        first = await publisher.publish(live_body(cin=0))
        await until(lambda: hub.latest is not None and hub.latest.id == first)
        for score in range(1, RECENT_EVENTS + 1):
            newest = hub.latest
            assert newest is not None
            for teams in FILTERS:  # every filtered client is sent the newest event
                newest.wire(teams, True)
            event_id = await publisher.publish(live_body(cin=score))
            await until(newest_is(hub, event_id), every=0.001)
        recent, replay = await hub.backlog(first)
        assert replay
        assert len(recent) == RECENT_EVENTS
        # A reconnecting filtered client is still sent its own frame of an older event.
        assert b"CIN" in recent[0].wire(FILTERS[5], False)
        held = sum(event.cached_forms for event in recent)
        assert held <= len(FILTERS) + 2 * RECENT_EVENTS
    finally:
        await hub.stop()
        await backend.aclose()


def test_a_retired_event_encodes_a_filtered_frame_without_keeping_it() -> None:
    """After retire(), a filtered frame is the same bytes as before but no longer held."""
    event = LiveEvent("1-1", live_body(cin=3))
    kept = event.wire(FILTERS[0], True)
    assert event.cached_forms == 1
    event.retire()
    assert event.cached_forms == 0
    assert event.wire(FILTERS[0], True) == kept
    assert event.cached_forms == 0
    event.wire(frozenset(), True)
    assert event.cached_forms == 1
