"""The live hub: ONE subscription per process, fanned out in memory to every open stream.

Each event is decoded once and encoded once per wire form; the hub writes the same bytes to
every listener in one synchronous pass. When the subscription drops, the hub subscribes again
and fills the gap from the stream history by the last id it saw, so a process neither loses
nor repeats an event. It also keeps its last few events, so clients that reconnect (after a
restart, say) are answered from memory rather than each asking the store.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable
from typing import Final

from nflscores import metrics
from nflscores.backoff import Backoff
from nflscores.domain.errors import CacheUnavailable
from nflscores.live import tasks
from nflscores.live.events import BadEvent, LiveEvent
from nflscores.live.listener import Listener
from nflscores.store import Backend, keys, parse_event_id

log = logging.getLogger(__name__)

#: Events each process keeps to answer reconnecting clients without asking the store.
RECENT_EVENTS: Final = 64
#: How often gone clients are looked for (a sweep of 10,000 streams costs about 10 ms).
CHECK_INTERVAL_S: Final = 0.25
#: How often each stream's socket is asked how much its client took (one ioctl per stream).
PROGRESS_INTERVAL_S: Final = 1.0
#: The most the progress sweep waits after an event's writes: the other processes of the host
#: are still writing it to their streams, and the sweep's time is theirs. A sweep right after
#: an event asks every socket just written (bench/, 100,000 streams: 12% of the workers' time).
SWEEP_HOLD_S: Final = 1.5
#: Streams swept per CHECK_INTERVAL_S at most; more streams stretch the interval.
CHECKS_PER_INTERVAL: Final = 4096
#: Waits before subscribing again: short, and jittered so that the workers of every host do
#: not all reconnect at the same instant after a Redis restart.
RESUBSCRIBE_BACKOFF: Final = Backoff(base_s=0.05, cap_s=1.0)


class LiveHub:
    """Follow the live channel and hand each event to every listener of this process."""

    def __init__(
        self,
        backend: Backend,
        *,
        heartbeat_s: float,
        write_timeout_s: float = 10.0,
        on_event: Callable[[LiveEvent], None] | None = None,
    ) -> None:
        self._backend = backend
        self._heartbeat_s = max(heartbeat_s, 0.1)
        self._on_event = on_event
        # A stalled stream is cut off at a progress sweep once the write timeout has passed;
        # the kernel drops it (TCP_USER_TIMEOUT) at twice the write timeout. Holding a sweep
        # must keep the cut-off first: one interval late at most already, then the hold.
        self._sweep_hold_s = min(SWEEP_HOLD_S, max(0.0, write_timeout_s - 2 * PROGRESS_INTERVAL_S))
        #: When this process last wrote an event to its streams (loop time).
        self._event_at = float("-inf")
        # Each stream is in one of these phases, dealt round-robin, visited every half
        # heartbeat, and pinged when nothing was written to it since the visit before: the
        # pings of 10,000 streams spread over the interval instead of all landing (and holding
        # back an event) at one instant, a stream that events keep busy is never pinged, and
        # none is silent longer than the heartbeat. The phases are the only sets of streams:
        # one more, of all of them, would be about 40 bytes a stream.
        phases = max(1, round(self._heartbeat_s / 2 / CHECK_INTERVAL_S))
        self._phases: list[set[Listener]] = [set() for _ in range(phases)]
        self._phase = 0
        self._dealt = 0
        self._count = 0
        self._recent: deque[LiveEvent] = deque(maxlen=RECENT_EVENTS)
        self._latest: LiveEvent | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    @property
    def latest(self) -> LiveEvent | None:
        """Return the newest event this process has seen: the current snapshot."""
        return self._latest

    @property
    def listeners(self) -> tuple[Listener, ...]:
        """Return the streams open in this process now."""
        return tuple(itertools.chain.from_iterable(self._phases))

    def start(self) -> None:
        """Start following the live channel and the heartbeat."""
        self._tasks = [
            tasks.start(self._follow(), "live-hub-follow"),
            tasks.start(self._tick(), "live-hub-tick"),
        ]

    async def stop(self) -> None:
        """Stop following; every stream should have been ended by close_streams."""
        for task in self._tasks:
            await tasks.cancel_and_wait(task)
        self._tasks = []

    def close_streams(self) -> None:
        """End every stream with a reconnect hint (shutdown); refuse new ones."""
        self._closing = True
        for listener in self.listeners:
            listener.close()

    def add(self, listener: Listener) -> None:
        """Feed the listener every event until it is discarded."""
        # A plain add and discard rather than a context manager: an async generator per
        # stream is memory held for the stream's whole life (bench/ counts bytes per stream).
        listener.ping_phase = self._dealt = (self._dealt + 1) % len(self._phases)
        self._phases[listener.ping_phase].add(listener)
        self._count += 1
        metrics.SSE_CLIENTS.inc()
        if self._closing:
            listener.close()

    def discard(self, listener: Listener) -> None:
        """Stop feeding the listener."""
        phase = self._phases[listener.ping_phase]
        if listener in phase:
            phase.remove(listener)
            self._count -= 1
            metrics.SSE_CLIENTS.dec()

    async def backlog(self, last_event_id: str | None) -> tuple[list[LiveEvent], bool]:
        """Return what a new stream starts with, and whether it is a replay.

        A replay is every event after the client's last id (each linked to the one before,
        so its delta is known); otherwise the list is the current snapshot. Add the listener
        first: events arriving meanwhile queue in it, and the ones this list already holds
        are not written twice.
        """
        if last_event_id and parse_event_id(last_event_id) is not None:
            missed = self._recent_after(last_event_id)
            if missed is None:
                missed = await self._stored_after(last_event_id)
            if missed is not None:
                return missed, True
        return ([] if self._latest is None else [self._latest]), False

    def _recent_after(self, event_id: str) -> list[LiveEvent] | None:
        for index, event in enumerate(self._recent):
            if event.id == event_id:
                return list(itertools.islice(self._recent, index + 1, None))
        return None

    async def _stored_after(self, event_id: str) -> list[LiveEvent] | None:
        try:
            stored = await self._backend.events_after(keys.LIVE_STREAM, event_id)
        except CacheUnavailable as exc:
            log.warning("cannot read the live history (%s); sending the snapshot", exc)
            return None
        if stored is None:
            return None
        events: list[LiveEvent] = []
        for stored_id, body in stored:
            try:
                event = LiveEvent(stored_id, body)
            except BadEvent as exc:
                log.error("skipping an unreadable event in the history: %s", exc)
                continue
            # The first has nothing before it here: a delta client gets it whole.
            event.follow(events[-1] if events else None)
            events.append(event)
        return events

    async def _follow(self) -> None:
        failures = 0
        while True:
            try:
                async with self._backend.subscribe(keys.LIVE_CHANNEL) as messages:
                    await self._catch_up()
                    failures = 0
                    async for message in messages:
                        self._receive(message)
            except CacheUnavailable as exc:
                failures += 1
                delay = RESUBSCRIBE_BACKOFF.delay(failures)
                log.warning("the live feed dropped (%s); subscribing again in %.2fs", exc, delay)
            except Exception:
                # Whatever went wrong, this process must keep following the feed.
                failures += 1
                delay = RESUBSCRIBE_BACKOFF.delay(failures)
                log.exception("the live hub failed; subscribing again in %.2fs", delay)
            else:
                failures += 1
                delay = RESUBSCRIBE_BACKOFF.delay(failures)
            await asyncio.sleep(delay)

    async def _catch_up(self) -> None:
        """Deliver what was published while this process was not subscribed."""
        latest = self._latest
        if latest is None:
            # First start: the newest event is the snapshot; nobody was sent anything yet.
            newest = await self._backend.last_event(keys.LIVE_STREAM)
            if newest is not None:
                self._accept(*newest)
            return
        missed = await self._backend.events_after(keys.LIVE_STREAM, latest.id)
        if missed is None:
            # The history no longer holds our last id: it was trimmed, or Redis restarted
            # empty and the poller has published since. Everything it holds now is newer
            # than what the streams have (older ids are skipped): deliver all of it, so the
            # first events after a restart are not lost.
            missed = await self._backend.all_events(keys.LIVE_STREAM)
        for event_id, body in missed:
            self._accept(event_id, body)

    def _receive(self, message: bytes) -> None:
        event_id, _, body = message.partition(b"\n")
        self._accept(event_id.decode("ascii", "replace"), body)

    def _accept(self, event_id: str, body: bytes) -> None:
        key = parse_event_id(event_id)
        latest = self._latest
        if key is None or (latest is not None and key <= latest.key):
            return  # already delivered: the history and the channel overlap after a resubscribe
        try:
            event = LiveEvent(event_id, body)
        except BadEvent as exc:
            log.error("skipping an unreadable live event: %s", exc)
            return
        event.follow(latest)
        self._recent.append(event)
        self._latest = event
        if latest is not None:
            latest.retire()
        if latest is not None and body == latest.body:
            # The same snapshot under a new id: the store lost its history and the poller
            # wrote it again. New streams start from the new id; open ones need nothing.
            return
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("the live event hook failed for %s", event.id)
        delivered = 0
        for phase in self._phases:
            for listener in phase:
                delivered += listener.offer(event)
        metrics.EVENTS_DELIVERED.inc(delivered)
        self._event_at = asyncio.get_running_loop().time()

    def _sweep_due(self, now: float, due: float) -> bool:
        """Return True when a progress sweep due at `due` runs now: held after an event."""
        hold = self._sweep_hold_s
        return now >= due and (now - self._event_at >= hold or now - due >= hold)

    async def _tick(self) -> None:
        """Ping, look for gone clients and sweep progress for as long as the hub runs."""
        while True:
            try:
                await self._sweep()
            except Exception:
                # Without this task no stream of the process is pinged, and no gone or
                # stalled client is noticed, for the rest of its life: one failure must
                # not end it, as one failure does not end the feed's task either.
                log.exception("the live hub's sweep failed; sweeping again")
                await asyncio.sleep(CHECK_INTERVAL_S)

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        ping_every = self._heartbeat_s / 2 / len(self._phases)
        next_ping = loop.time() + ping_every
        next_check = loop.time()
        next_progress = loop.time() + PROGRESS_INTERVAL_S
        while True:
            # Wake at the next phase's time at the latest.
            await asyncio.sleep(min(CHECK_INTERVAL_S, max(0.0, next_ping - loop.time())))
            now = loop.time()
            if now >= next_check:
                for phase in self._phases:
                    for listener in phase:
                        listener.check()
                # A sweep costs about 1 us a stream: with many, sweep less often, so that
                # sweeping never takes more than a few percent of the process.
                spaced = CHECK_INTERVAL_S * max(1.0, self._count / CHECKS_PER_INTERVAL)
                next_check = loop.time() + spaced
            if self._sweep_due(now, next_progress):
                next_progress = now + PROGRESS_INTERVAL_S
                for listener in self.listeners:
                    listener.check_progress(now)
            # One phase per wake-up; a late wake-up catches up, so no stream waits longer
            # than a heartbeat between pings.
            for _ in self._phases:
                if loop.time() < next_ping:
                    break
                next_ping += ping_every
                for listener in self._phases[self._phase]:
                    listener.heartbeat()
                self._phase = (self._phase + 1) % len(self._phases)
