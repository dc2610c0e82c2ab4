"""The poller: follow the upstream's live feed and publish each change exactly once.

Several pollers may run; a lease in the store lets one publish at a time, and the store refuses
an event from a poller that lost it. Another takes the lease over when the holder dies. Every
event is diffed against the newest one in the history, so neither a takeover, an upstream
failure nor a store restart makes a change appear twice or go missing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from nflscores import metrics
from nflscores.backoff import Backoff
from nflscores.cache.entries import WeekCache
from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.domain.encoding import decode_week, encode_week
from nflscores.domain.errors import CacheUnavailable, NoLiveWeek, UpstreamError
from nflscores.domain.models import Week
from nflscores.live.diff import diff_weeks
from nflscores.settings import Settings
from nflscores.store import Backend, Event, keys, parse_event_id

log = logging.getLogger(__name__)

#: Waits while the store does not answer.
STORE_BACKOFF: Final = Backoff(base_s=0.5, cap_s=5.0)


class LiveFeed(Protocol):
    """Where the poller reads the current week from (a source: scorestrip or ESPN)."""

    async def fetch_live(self) -> Week:
        """Return the current week; raise UpstreamError when it cannot."""


@dataclass(frozen=True, slots=True)
class Published:
    """A week as it went out: the record, to diff, and its exact bytes."""

    week: Week
    body: bytes


def poll_interval(week: Week, now: datetime, *, live_s: float, idle_s: float) -> float:
    """Return how long to wait before the next poll: seconds in play, up to idle_s otherwise.

    A week with a game still to start is polled at the live rate once its kickoff has passed,
    so the first score is not a whole idle interval late.
    """
    if week.state == "live":
        return live_s
    kickoffs = [game.kickoff for game in week.games if game.status == "scheduled"]
    if not kickoffs:
        return idle_s
    until_kickoff = (min(kickoffs) - now).total_seconds()
    return max(live_s, min(idle_s, until_kickoff))


async def publish_live_event(
    backend: Backend, body: bytes, *, token: str, maxlen: int, above: str | None = None
) -> str | None:
    """Append a live event to the history and publish it, if `token` holds the poller lease.

    Its id is above `above` too: the newest id this publisher knows, which a store that
    failed over to a replica may have lost.
    """
    return await backend.publish_event(
        keys.LIVE_STREAM, keys.LIVE_CHANNEL, body, maxlen=maxlen, lease=keys.POLLER_LEASE,
        token=token, above=above,
    )  # fmt: skip


def lease_token() -> str:
    """Return a token naming this poller in the lease (host and pid, for operators)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Poller:
    """Poll the live feed; while holding the lease, publish every change once."""

    def __init__(
        self,
        *,
        backend: Backend,
        feed: LiveFeed,
        cache: WeekCache,
        settings: Settings,
        lease_ttl_s: float = keys.POLLER_LEASE_TTL_S,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._feed = feed
        self._cache = cache
        self._live_s = settings.poll_live_interval_s
        self._idle_s = settings.poll_idle_interval_s
        self._maxlen = settings.live_history_maxlen
        self._lease_ttl_s = lease_ttl_s
        # A failing feed is tried again within one live interval at most, so the stream is
        # live again as soon as the upstream answers (not a whole idle interval later).
        feed_cap_s = max(self._live_s, 0.01)
        self._feed_backoff = Backoff(base_s=min(1.0, feed_cap_s), cap_s=feed_cap_s)
        self.token = lease_token()
        self._holding = False
        self._renew_at = 0.0
        self._next_poll = 0.0
        self._upstream_failures = 0
        self._store_failures = 0
        #: The id of the newest event of the history when last read, and that event.
        self._baseline_id: str | None = None
        self._baseline: Published | None = None
        #: The highest id this poller has seen or published: new ids go above it.
        self._above: str | None = None
        #: The last event this poller knows went out, kept across a store that lost it.
        self._last: Published | None = None

    @property
    def holding(self) -> bool:
        """Return True while this poller believes it holds the lease."""
        return self._holding

    async def run(self) -> None:
        """Poll until cancelled, then let go of the lease so another takes over at once."""
        try:
            while True:
                delay = await self.step()
                await asyncio.sleep(delay)
        finally:
            await self.release()

    async def step(self) -> float:
        """Do what is due now; return how many seconds to wait before the next step."""
        try:
            if not await self._hold_lease():
                return self._lease_ttl_s / 3
            if self._clock.monotonic() >= self._next_poll:
                await self._poll()
        except CacheUnavailable as exc:
            self._next_poll = 0.0
            self._store_failures += 1
            delay = STORE_BACKOFF.delay(self._store_failures)
            log.warning("the store does not answer (%s); trying again in %.1fs", exc, delay)
            return delay
        self._store_failures = 0
        return max(0.0, min(self._next_poll, self._renew_at) - self._clock.monotonic())

    async def _hold_lease(self) -> bool:
        ttl_ms = int(self._lease_ttl_s * 1000)
        now = self._clock.monotonic()
        if self._holding:
            if now < self._renew_at:
                return True
            if await self._backend.renew(keys.POLLER_LEASE, self.token, ttl_ms=ttl_ms):
                self._renew_at = now + self._lease_ttl_s / 3
                return True
            log.warning("lost the poller lease; another poller may publish now")
            self._holding = False
        if not await self._backend.acquire(keys.POLLER_LEASE, self.token, ttl_ms=ttl_ms):
            return False
        log.info("took the poller lease as %s", self.token)
        self._holding = True
        self._renew_at = now + self._lease_ttl_s / 3
        self._next_poll = 0.0
        return True

    async def _poll(self) -> None:
        try:
            week = await self._feed.fetch_live()
        except NoLiveWeek:
            # Between seasons the feed is an empty <ss/>: nothing to publish, look again later.
            log.debug("the live feed lists no week; polling again in %.1fs", self._idle_s)
            self._upstream_failures = 0
            self._next_poll = self._clock.monotonic() + self._idle_s
            return
        except UpstreamError as exc:
            self._upstream_failures += 1
            delay = self._feed_backoff.delay(self._upstream_failures)
            log.warning("the live feed failed (%s); polling again in %.1fs", exc, delay)
            self._next_poll = self._clock.monotonic() + delay
            return
        self._upstream_failures = 0
        interval = poll_interval(week, self._clock.now(), live_s=self._live_s, idle_s=self._idle_s)
        self._next_poll = self._clock.monotonic() + interval
        await self._cache.store(week)
        await self._publish_if_changed(week)

    async def _publish_if_changed(self, week: Week) -> None:
        # The newest event is read on every poll: another poller may have published, or the
        # store may have lost events (a restart, a failover to a replica that lacked them)
        # with no error this poller saw.
        newest = await self._backend.last_event(keys.LIVE_STREAM)
        newest_id = None if newest is None else newest[0]
        if newest is None or newest_id != self._baseline_id:
            self._baseline = None if newest is None else _published(newest)
            self._baseline_id = newest_id
            # Unless the store lost newer events than its newest (a failover): then the last
            # one out stays the one to repeat byte for byte if nothing moved since.
            if self._baseline is not None and _higher(self._above, newest_id) == newest_id:
                self._last = self._baseline
        self._above = _higher(self._above, newest_id)
        diff = diff_weeks(None if self._baseline is None else self._baseline.week, week)
        if not diff.changed:
            return
        body = self._body_for(week)
        event_id = await publish_live_event(
            self._backend, body, token=self.token, maxlen=self._maxlen, above=self._above
        )
        if event_id is None:
            log.warning("lost the poller lease before publishing; another poller has it")
            self._holding = False
            return
        self._baseline = self._last = Published(week, body)
        self._baseline_id = self._above = event_id
        metrics.EVENTS_PUBLISHED.inc()
        log.info("published %s: %s", event_id, diff.summary())

    def _body_for(self, week: Week) -> bytes:
        last = self._last
        if last is not None and not diff_weeks(last.week, week).changed:
            # The history was lost (a store restart) and nothing moved: the same bytes go out
            # again, so streams see the snapshot they already have and show nothing new.
            return last.body
        return encode_week(week)

    async def release(self) -> None:
        """Let go of the lease, if held, so that another poller takes over at once."""
        if not self._holding:
            return
        self._holding = False
        try:
            await self._backend.release(keys.POLLER_LEASE, self.token)
        except CacheUnavailable:
            log.warning("could not release the poller lease; it expires by itself")


def _higher(first: str | None, second: str | None) -> str | None:
    """Return the higher of two event ids (None is below every id)."""
    ranked = [(parse_event_id(i) or (0, 0), i) for i in (first, second) if i is not None]
    return max(ranked)[1] if ranked else None


def _published(event: Event) -> Published | None:
    _, body = event
    try:
        return Published(decode_week(body), body)
    except (ValueError, KeyError, TypeError):
        log.error("the newest event of the history does not hold a week; publishing anew")
        return None
