"""The embedded backend: the Backend contract in one process's memory, for a single process."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from nflscores.domain.errors import CacheUnavailable
from nflscores.store.base import Event, parse_event_id

#: Messages a subscriber may fall behind before it is cut off, as Redis cuts off slow readers.
SUBSCRIBER_BUFFER: Final = 1024


class _Subscriber:
    """One subscription: the messages not yet read, or why it was cut off."""

    __slots__ = ("_messages", "_waiter", "broken")

    def __init__(self) -> None:
        self._messages: deque[bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.broken: str | None = None

    def put(self, message: bytes) -> None:
        if self.broken is not None:
            return
        if len(self._messages) >= SUBSCRIBER_BUFFER:
            # Never drop one silently: the reader learns it fell behind and reads the history.
            self._messages.clear()
            self.cut_off(f"the subscriber fell {SUBSCRIBER_BUFFER} messages behind")
            return
        self._messages.append(message)
        self._wake()

    def cut_off(self, reason: str) -> None:
        self.broken = reason
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def __aiter__(self) -> _Subscriber:
        return self

    async def __anext__(self) -> bytes:
        while not self._messages:
            if self.broken is not None:
                raise CacheUnavailable(self.broken)
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._messages.popleft()


class MemoryBackend:
    """A Backend for one process: keys with expiry, locks, a bounded stream and pub/sub."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[bytes, float | None]] = {}
        self._streams: dict[str, deque[Event]] = {}
        self._subscribers: dict[str, set[_Subscriber]] = {}
        self._last_id = (0, 0)

    def _live(self, key: str) -> bytes | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._values[key]
            return None
        return value

    def _store(self, key: str, value: bytes, ttl_ms: int | None) -> None:
        expires = None if ttl_ms is None else time.monotonic() + ttl_ms / 1000
        self._values[key] = (value, expires)

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes, *, ttl_ms: int | None = None) -> None:
        self._store(key, value, ttl_ms)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def acquire(self, key: str, token: str, *, ttl_ms: int) -> bool:
        holder = self._live(key)
        if holder is not None and holder != token.encode():
            return False
        self._store(key, token.encode(), ttl_ms)
        return True

    async def renew(self, key: str, token: str, *, ttl_ms: int) -> bool:
        if self._live(key) != token.encode():
            return False
        self._store(key, token.encode(), ttl_ms)
        return True

    async def release(self, key: str, token: str) -> bool:
        if self._live(key) != token.encode():
            return False
        del self._values[key]
        return True

    def _next_id(self, above: tuple[int, int] | None) -> str:
        now_ms = int(time.time() * 1000)
        last_ms, last_seq = max(self._last_id, above or (0, 0))
        self._last_id = (now_ms, 0) if now_ms > last_ms else (last_ms, last_seq + 1)
        return f"{self._last_id[0]}-{self._last_id[1]}"

    async def publish_event(
        self,
        stream: str,
        channel: str,
        data: bytes,
        *,
        maxlen: int,
        lease: str,
        token: str,
        above: str | None = None,
    ) -> str | None:
        if self._live(lease) != token.encode():
            return None
        event_id = self._next_id(None if above is None else parse_event_id(above))
        self._streams.setdefault(stream, deque(maxlen=maxlen)).append((event_id, data))
        message = event_id.encode() + b"\n" + data
        for subscriber in self._subscribers.get(channel, ()):
            subscriber.put(message)
        return event_id

    async def events_after(self, stream: str, after_id: str) -> list[Event] | None:
        after = parse_event_id(after_id)
        events = self._streams.get(stream, ())
        if after is None or not any(event_id == after_id for event_id, _ in events):
            return None
        return [event for event in events if _id(event) > after]

    async def last_event(self, stream: str) -> Event | None:
        events = self._streams.get(stream)
        return events[-1] if events else None

    async def all_events(self, stream: str) -> list[Event]:
        return list(self._streams.get(stream, ()))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        subscriber = _Subscriber()
        subscribers = self._subscribers.setdefault(channel, set())
        subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            subscribers.discard(subscriber)

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        for subscribers in self._subscribers.values():
            for subscriber in subscribers:
                subscriber.cut_off("the store was closed")
        self._values.clear()
        self._streams.clear()


def _id(event: Event) -> tuple[int, int]:
    parsed = parse_event_id(event[0])
    assert parsed is not None, "the memory stream only holds ids it made"
    return parsed
