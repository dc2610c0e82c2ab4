"""The week cache: a week's API JSON in the store, fresh for as long as its state allows.

An entry is `<fresh-until ms> <state>\\n<week JSON>`. The store keeps it past its freshness for
`stale_keep_s`, so a copy can still be served (as STALE) while the upstream is failing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import get_args

from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.domain.encoding import decode_week, encode_week
from nflscores.domain.models import Week, WeekState
from nflscores.domain.policy import Lifetimes, fresh_for, public_max_age
from nflscores.domain.weeks import WeekRef
from nflscores.settings import Settings
from nflscores.store import Backend, keys

_STATES = frozenset(get_args(WeekState))


@dataclass(frozen=True, slots=True)
class CachedWeek:
    """A week's API JSON with what HTTP needs to serve it."""

    body: bytes
    etag: str
    state: WeekState
    #: Epoch seconds after which the copy must be read again from the upstream.
    fresh_until: float

    def is_fresh(self, now: float) -> bool:
        """Return True while the copy may be served without asking the upstream."""
        return now < self.fresh_until

    def max_age(self, now: float) -> int:
        """Return the Cache-Control max-age left for this copy."""
        return public_max_age(self.fresh_until - now)


def make_entry(body: bytes, state: WeekState, fresh_until: float) -> CachedWeek:
    """Return a cache entry for a week's JSON, with its strong ETag."""
    return CachedWeek(body=body, etag=etag_of(body), state=state, fresh_until=fresh_until)


def etag_of(body: bytes) -> str:
    """Return the strong ETag of a response body."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def pack(entry: CachedWeek) -> bytes:
    """Return the bytes stored for an entry."""
    return b"%d %s\n" % (int(entry.fresh_until * 1000), entry.state.encode()) + entry.body


def unpack(raw: bytes) -> CachedWeek | None:
    """Return the entry stored bytes hold, or None when they are not an entry."""
    header, sep, body = raw.partition(b"\n")
    fresh_ms, _, state = header.partition(b" ")
    state_text = state.decode("ascii", "replace")
    if not sep or not fresh_ms.isdigit() or state_text not in _STATES:
        return None
    return make_entry(body, state_text, int(fresh_ms) / 1000)  # type: ignore[arg-type]


class WeekCache:
    """Read and write week entries in the store."""

    def __init__(
        self, backend: Backend, settings: Settings, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._lifetimes = Lifetimes(
            final_s=settings.final_ttl_s,
            live_s=settings.live_ttl_s,
            upcoming_s=settings.upcoming_ttl_s,
            empty_s=settings.empty_ttl_s,
        )
        self._stale_keep_s = settings.stale_keep_s

    def entry_for(self, week: Week, *, body: bytes | None = None) -> CachedWeek:
        """Return the entry for a week fetched now, its freshness set by the week's state."""
        now = self._clock.now()
        fresh_s = fresh_for(week, now, self._lifetimes)
        return make_entry(body or encode_week(week), week.state, now.timestamp() + fresh_s)

    def entry_from_body(self, body: bytes) -> CachedWeek:
        """Return the entry for a week's API JSON fetched now (a live event, say)."""
        return self.entry_for(decode_week(body), body=body)

    async def load(self, ref: WeekRef) -> CachedWeek | None:
        """Return the stored entry for a week, fresh or not, or None."""
        raw = await self._backend.get(keys.week_key(ref))
        return None if raw is None else unpack(raw)

    async def store(self, week: Week) -> CachedWeek:
        """Store a week fetched now and return its entry."""
        entry = self.entry_for(week)
        await self.put(week.ref, entry)
        return entry

    async def put(self, ref: WeekRef, entry: CachedWeek) -> None:
        """Store an entry, kept past its freshness so it can serve as a stale copy."""
        ttl_s = max(0.0, entry.fresh_until - self._clock.time()) + self._stale_keep_s
        await self._backend.set(keys.week_key(ref), pack(entry), ttl_ms=int(ttl_s * 1000))
