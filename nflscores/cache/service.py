"""The week read path: per-process copy, then the store, then ONE upstream fetch.

Concurrent misses for one week wait on a single fetch: inside a process through a shared
future, across processes (gunicorn workers) through a lock in the store, whose holder fetches
while the others watch the store for its result.

A copy past its freshness is served at once (STALE) while one background refresh per week
runs, as nginx's `proxy_cache_use_stale updating` does: nobody waits on a slow upstream for a
week the cache can answer. Only a week with no copy at all waits for the upstream.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from typing import Final, Literal

from nflscores import metrics
from nflscores.cache.entries import CachedWeek, WeekCache
from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.domain.errors import CacheUnavailable, UpstreamError, UpstreamTimeout
from nflscores.domain.weeks import WeekRef, canonical
from nflscores.settings import Settings
from nflscores.sources.base import Source
from nflscores.store import Backend, keys

log = logging.getLogger(__name__)

CacheResult = Literal["HIT", "MISS", "STALE"]

#: How many weeks each process keeps a copy of.
LOCAL_COPIES: Final = 2048
#: How often a process waiting on another's fetch looks at the store.
WAIT_POLL_S: Final = 0.05


class WeekService:
    """Answer "give me week W" from the fastest place that holds a fresh copy."""

    def __init__(
        self,
        *,
        cache: WeekCache,
        backend: Backend,
        upstream: Source,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._cache = cache
        self._clock = clock
        self._backend = backend
        self._upstream = upstream
        self._local: OrderedDict[WeekRef, CachedWeek] = OrderedDict()
        #: Counts every change to the copies (one kept, one dropped): what was derived from
        #: them (web.hot's answers) holds while it is unchanged.
        self.changes = 0
        self._inflight: dict[WeekRef, asyncio.Future[tuple[CachedWeek, CacheResult]]] = {}
        self._refreshing: dict[WeekRef, asyncio.Task[None]] = {}
        # A fetch holds the lock no longer than its retries can take, plus a margin.
        attempts = settings.upstream_retries + 1
        attempt_s = settings.upstream_queue_timeout_s + settings.upstream_timeout_s
        self._lock_ttl_s = attempt_s * attempts + 2.0

    def cached(self, ref: WeekRef, now: float | None = None) -> CachedWeek | None:
        """Return this process's fresh copy of the week at `now`, counted as a hit, or None."""
        local = self._local.get(ref)
        if local is not None and local.is_fresh(self._clock.time() if now is None else now):
            metrics.CACHE_HITS.n += 1
            return local
        return None

    async def get(self, ref: WeekRef) -> tuple[CachedWeek, CacheResult]:
        """Return the week's entry and where it came from; raise UpstreamError or kin."""
        local = self.cached(ref)
        if local is not None:
            return local, "HIT"
        pending = self._inflight.get(ref)
        if pending is None:
            pending = asyncio.ensure_future(self._resolve(ref))
            self._inflight[ref] = pending
            pending.add_done_callback(lambda _: self._inflight.pop(ref, None))
        # Shielded: one caller going away must not cancel the fetch the others wait on.
        entry, result = await asyncio.shield(pending)
        metrics.CACHE_RESULTS_TALLY.add(result.lower())
        return entry, result

    def remember(self, ref: WeekRef, body: bytes) -> CachedWeek:
        """Refresh this process's copy of a week from its API JSON (a live event)."""
        entry = self._cache.entry_from_body(body)
        self._keep(ref, entry)
        return entry

    def _keep(self, ref: WeekRef, entry: CachedWeek) -> None:
        # Kept under the ref the request path parses to (a live event's is its equal copy):
        # looking it up is then an identity check, not a dataclass __eq__, on every request.
        ref = canonical(ref)
        self.changes += 1
        self._local[ref] = entry
        self._local.move_to_end(ref)
        while len(self._local) > LOCAL_COPIES:
            self._local.popitem(last=False)

    async def _resolve(self, ref: WeekRef) -> tuple[CachedWeek, CacheResult]:
        try:
            stored = await self._cache.load(ref)
        except CacheUnavailable:
            log.warning("the store is down; asking the upstream for %s directly", ref)
            return await self._fetch_without_store(ref), "MISS"
        if stored is not None and stored.is_fresh(self._clock.time()):
            self._keep(ref, stored)
            return stored, "HIT"
        if stored is not None:
            self._refresh_in_background(ref)
            return stored, "STALE"
        try:
            entry = await self._fetch_once(ref)
        except CacheUnavailable:
            log.warning("the store went down; asking the upstream for %s directly", ref)
            return await self._fetch_without_store(ref), "MISS"
        self._keep(ref, entry)
        return entry, "MISS"

    def _refresh_in_background(self, ref: WeekRef) -> None:
        """Start the one refresh of a stale week, unless it is running already."""
        if ref in self._refreshing:
            return
        task = asyncio.create_task(self._refresh(ref), name=f"refresh-{ref}")
        self._refreshing[ref] = task
        task.add_done_callback(lambda _: self._refreshing.pop(ref, None))

    async def _refresh(self, ref: WeekRef) -> None:
        try:
            self._keep(ref, await self._fetch_once(ref))
        except (UpstreamError, CacheUnavailable) as exc:
            log.warning("serving a stale copy of %s: the refresh failed: %s", ref, exc)

    async def aclose(self) -> None:
        """Stop the background refreshes (the upstream client is about to close)."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _fetch_without_store(self, ref: WeekRef) -> CachedWeek:
        try:
            week = await self._upstream.fetch_week(ref)
        except UpstreamError as exc:
            raise CacheUnavailable(f"the store is down and the upstream failed: {exc}") from exc
        return self._cache.entry_for(week)

    async def _fetch_once(self, ref: WeekRef) -> CachedWeek:
        """Fetch the week, or wait while another process fetches it."""
        lock = keys.week_lock_key(ref)
        token = secrets.token_hex(8)
        deadline = self._clock.monotonic() + self._lock_ttl_s
        while True:
            if await self._backend.acquire(lock, token, ttl_ms=int(self._lock_ttl_s * 1000)):
                try:
                    # Another process may have fetched and let go between this one's miss and
                    # its lock: its copy is the answer (a second fetch seen at 200 at once).
                    stored = await self._load_fresh(ref)
                    if stored is not None:
                        return stored
                    return await self._cache.store(await self._upstream.fetch_week(ref))
                finally:
                    await self._backend.release(lock, token)
            entry = await self._wait_for_other(ref, lock, deadline)
            if entry is not None:
                return entry
            if self._clock.monotonic() >= deadline:
                raise UpstreamTimeout(f"another process's fetch of {ref} did not finish in time")
            # The holder let go without a fresh copy (its fetch failed): try once more here.

    async def _wait_for_other(self, ref: WeekRef, lock: str, deadline: float) -> CachedWeek | None:
        while self._clock.monotonic() < deadline:
            await asyncio.sleep(WAIT_POLL_S)
            entry = await self._load_fresh(ref)
            if entry is not None:
                return entry
            if await self._backend.get(lock) is None:
                return None
        return None

    async def _load_fresh(self, ref: WeekRef) -> CachedWeek | None:
        """Return the store's copy of the week while it is fresh, else None."""
        entry = await self._cache.load(ref)
        return entry if entry is not None and entry.is_fresh(self._clock.time()) else None
