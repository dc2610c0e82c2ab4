"""The Backend protocol every store implements, and its event ids."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Final, Protocol

#: One live event: its stream id (the SSE event id) and its payload.
Event = tuple[str, bytes]


class Backend(Protocol):
    """What the service needs from its store."""

    async def get(self, key: str) -> bytes | None:
        """Return the value under key, or None."""

    async def set(self, key: str, value: bytes, *, ttl_ms: int | None = None) -> None:
        """Store value under key, expiring after ttl_ms when given."""

    async def delete(self, key: str) -> None:
        """Remove key."""

    async def acquire(self, key: str, token: str, *, ttl_ms: int) -> bool:
        """Take the lock `key` for `token` unless another holds it; True when taken.

        Taking a lock the token already holds succeeds and renews it, so a call sent twice
        (a retry after a dropped connection) does not lock its own caller out.
        """

    async def renew(self, key: str, token: str, *, ttl_ms: int) -> bool:
        """Extend the lock while `token` still holds it; False when it was lost."""

    async def release(self, key: str, token: str) -> bool:
        """Let go of the lock if `token` holds it; True when it did."""

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
        """Append data to the bounded stream and publish `<id>\\n<data>` on channel, at once.

        Does nothing and returns None unless `token` holds the lock `lease`: a poller that
        lost its lease can never publish. The new id is above `above` (an id published before,
        which a store that failed over may have lost) as well as above the stream's newest.
        """

    async def events_after(self, stream: str, after_id: str) -> list[Event] | None:
        """Return the events after `after_id`, oldest first; None unless the stream holds it.

        None means the reader cannot catch up from the history: the id is malformed, was
        trimmed, or belongs to a history the store lost (a restart).
        """

    async def last_event(self, stream: str) -> Event | None:
        """Return the newest event of the stream, or None when it is empty."""

    async def all_events(self, stream: str) -> list[Event]:
        """Return every event the stream holds, oldest first (at most its maxlen)."""

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Subscribe to channel for the block; iterate to get each message published since.

        Entering returns once the store has the subscription in place, so the history read
        afterwards leaves no gap. Iterating raises CacheUnavailable when the link drops (and
        whenever messages may have been missed), never skipping silently.
        """

    async def ping(self) -> None:
        """Return when the store answers; raise CacheUnavailable otherwise."""

    async def aclose(self) -> None:
        """Close every connection."""


#: A Redis stream id: two unsigned 64-bit integers in ASCII digits (at most 20 each).
_EVENT_ID_RE: Final = re.compile(r"([0-9]{1,20})-([0-9]{1,20})", re.ASCII)
_U64_MAX: Final = 2**64 - 1


def parse_event_id(event_id: str) -> tuple[int, int] | None:
    """Return a stream id `ms-seq` as a pair to compare, or None when it is not one.

    Anything else is None, never an error: the id comes from clients (Last-Event-ID), and
    `str.isdigit` alone would let through digits `int` refuses ("²") or cannot hold.
    """
    match = _EVENT_ID_RE.fullmatch(event_id)
    if match is None:
        return None
    ms, seq = int(match[1]), int(match[2])
    if ms > _U64_MAX or seq > _U64_MAX:
        return None
    return ms, seq
