"""Standings and club seasons, built from the weeks the cache holds.

Every week comes through the WeekService, so a missing week is fetched once (single-flight)
and a held one costs nothing. A standings copy is fresh for as long as the least fresh week it
was built from: a finished season's standings keep the final lifetime, while a live week's
few seconds make them follow each result as it becomes final. Copies are stored under
keys.standings_key like week entries (kept past their freshness to serve as STALE while the
upstream fails); each process also keeps its own copies and builds each one once at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from nflscores.cache.entries import CachedWeek, make_entry, pack, unpack
from nflscores.cache.service import CacheResult, WeekService
from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.domain.club import ClubGame, club_games, regular_results
from nflscores.domain.encoding import decode_week, dumps, loads
from nflscores.domain.errors import CacheUnavailable, NoGames, UnknownSeason, UpstreamError
from nflscores.domain.models import FINAL_STATUSES, Game, Week, week_state
from nflscores.domain.standings import compute, conferences_to_list
from nflscores.domain.teams import COVERED_FROM
from nflscores.domain.weeks import WeekRef, regular_season, weeks_of
from nflscores.settings import Settings
from nflscores.store import Backend, keys

log = logging.getLogger(__name__)
V = TypeVar("V")

#: How many standings copies, and decoded weeks, each process keeps.
LOCAL_COPIES: Final = 256
#: The week no club plays in (AFC against NFC), left out of club seasons.
PRO_BOWL: Final = "probowl"


@dataclass(frozen=True, slots=True)
class ClubSeason:
    """A club's games of a season, its standings line, and how long the answer stays true."""

    games: tuple[ClubGame, ...]
    standing: dict[str, Any] | None
    fresh_until: float
    result: CacheResult


def combined_result(results: Iterable[CacheResult]) -> CacheResult:
    """Return STALE if any part was stale, else MISS if any was fetched, else HIT."""
    seen = set(results)
    if "STALE" in seen:
        return "STALE"
    return "MISS" if "MISS" in seen else "HIT"


def check_covered(season: int) -> None:
    """Raise UnknownSeason for a season before the league tables the service knows."""
    if season < COVERED_FROM:
        raise UnknownSeason(f"standings and clubs are known from {COVERED_FROM}, not {season}")


class StandingsService:
    """Answer "the standings of season S through week W" and "club C's season"."""

    def __init__(
        self,
        *,
        weeks: WeekService,
        backend: Backend,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._weeks = weeks
        self._backend = backend
        self._stale_keep_s = settings.stale_keep_s
        self._clock = clock
        self._local: OrderedDict[str, CachedWeek] = OrderedDict()
        self._decoded: OrderedDict[str, Week] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[tuple[CachedWeek, CacheResult]]] = {}

    async def standings(
        self, season: int, through: WeekRef | None
    ) -> tuple[CachedWeek, CacheResult]:
        """Return the standings' JSON entry through a week (None: the last with a final)."""
        check_covered(season)
        key = keys.standings_key(season, None if through is None else through.week)
        local = self._local.get(key)
        if local is not None and local.is_fresh(self._clock.time()):
            return local, "HIT"
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._resolve(key, season, through))
            self._inflight[key] = pending
            pending.add_done_callback(lambda _: self._inflight.pop(key, None))
        return await asyncio.shield(pending)

    async def club(self, season: int, team: str) -> ClubSeason:
        """Return a club's season (its code of that season): every game and its line."""
        table, table_result = await self.standings(season, None)
        refs = [ref for ref in weeks_of(season) if ref.slug != PRO_BOWL]
        entries = await self._week_entries(refs)
        weeks = [self._decode(entry) for entry, _ in entries]
        standing = _line_of(loads(table.body), team)
        return ClubSeason(
            games=tuple(club_games(team, weeks)),
            standing=standing,
            fresh_until=min([table.fresh_until, *(entry.fresh_until for entry, _ in entries)]),
            result=combined_result([table_result, *(result for _, result in entries)]),
        )

    async def _resolve(
        self, key: str, season: int, through: WeekRef | None
    ) -> tuple[CachedWeek, CacheResult]:
        stored = await self._load(key)
        if stored is not None and stored.is_fresh(self._clock.time()):
            self._keep(key, stored)
            return stored, "HIT"
        try:
            entry, result = await self._build(season, through)
        except UpstreamError as exc:
            if stored is None:
                raise
            log.warning("serving stale standings of %s: %s", season, exc)
            return stored, "STALE"
        await self._store(key, entry)
        self._keep(key, entry)
        return entry, result

    async def _build(self, season: int, through: WeekRef | None) -> tuple[CachedWeek, CacheResult]:
        # The default week depends on every week's results, so it reads them all.
        refs = regular_season(season)
        needed = refs if through is None else refs[: refs.index(through) + 1]
        entries = await self._week_entries(needed)
        weeks = [self._decode(entry) for entry, _ in entries]
        if through is None:
            if not any(week.games for week in weeks):
                raise NoGames(f"the upstream lists no regular-season games for {season}")
            through = _last_final_week(weeks) or refs[0]
        counted = [week for week in weeks if week.week <= through.week]
        games = tuple(game for week in counted for game in week.games)
        body = dumps(
            {
                "season": season,
                "through": through.slug,
                "complete": all(game.status in FINAL_STATUSES for game in games),
                "conferences": conferences_to_list(compute(season, regular_results(counted))),
            }
        )
        fresh_until = min(entry.fresh_until for entry, _ in entries)
        # Built now: a MISS even when every week was held; STALE when one of them was.
        result = combined_result(["MISS", *(result for _, result in entries)])
        return make_entry(body, week_state(games), fresh_until), result

    async def _week_entries(self, refs: Sequence[WeekRef]) -> list[tuple[CachedWeek, CacheResult]]:
        return list(await asyncio.gather(*(self._weeks.get(ref) for ref in refs)))

    def _decode(self, entry: CachedWeek) -> Week:
        week = self._decoded.get(entry.etag)
        if week is None:
            week = decode_week(entry.body)
        _remember(self._decoded, entry.etag, week)
        return week

    def _keep(self, key: str, entry: CachedWeek) -> None:
        _remember(self._local, key, entry)

    async def _load(self, key: str) -> CachedWeek | None:
        try:
            raw = await self._backend.get(key)
        except CacheUnavailable:
            log.warning("the store is down; building %s without it", key)
            return None
        return None if raw is None else unpack(raw)

    async def _store(self, key: str, entry: CachedWeek) -> None:
        ttl_s = max(0.0, entry.fresh_until - self._clock.time()) + self._stale_keep_s
        try:
            await self._backend.set(key, pack(entry), ttl_ms=int(ttl_s * 1000))
        except CacheUnavailable:
            log.warning("the store is down; %s is kept in this process only", key)


def _remember(cache: OrderedDict[str, V], key: str, value: V) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > LOCAL_COPIES:
        cache.popitem(last=False)


def _last_final_week(weeks: Sequence[Week]) -> WeekRef | None:
    for week in reversed(weeks):
        if any(_is_final(game) for game in week.games):
            return week.ref
    return None


def _is_final(game: Game) -> bool:
    return game.status in FINAL_STATUSES


def _line_of(standings: dict[str, Any], team: str) -> dict[str, Any] | None:
    for conference in standings["conferences"]:
        for division in conference["divisions"]:
            for line in division["teams"]:
                if line["team"] == team:
                    return dict(line)
    return None
