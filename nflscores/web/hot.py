"""The cached week's answer, made once for each copy and second of max-age, not per request.

Nearly every request for a week is a HIT on this process's copy, and its answer differs from
the last one's only when the copy changes, its max-age ticks down a second, or the day turns
(which decides the seasons a path may name). So the first HIT of a path keeps what it
answered, and the next requests for the same path reuse it until one of those happens: the
path's parse, the copy's lookup and freshness check, and the headers are then done once, not
on every request (bench/, the cached GET against the bare aiohttp app).

A request with If-None-Match, a miss or a stale copy takes the full path in web.views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from nflscores import metrics
from nflscores.cache.entries import CachedWeek
from nflscores.cache.service import WeekService
from nflscores.domain.clock import Clock

#: How many paths' answers a process keeps; past it they are all dropped and made again.
HOT_PATHS: Final = 256
_DAY_S: Final = 86400


@dataclass(frozen=True, slots=True)
class HotAnswer:
    """A HIT's body and headers, good while `changes` holds and the time is before `until`."""

    body: bytes
    headers: dict[str, str]
    until: float
    changes: int


class HotAnswers:
    """The last HIT answer of each week path, checked against the copies they came from."""

    def __init__(self, weeks: WeekService, clock: Clock) -> None:
        self._weeks = weeks
        self._clock = clock
        self._answers: dict[tuple[str, str], HotAnswer] = {}

    def get(self, season: str, week: str) -> HotAnswer | None:
        """Return the answer kept for the path now, counted as a hit, or None."""
        hot = self._answers.get((season, week))
        if hot is None or self._clock.time() >= hot.until or hot.changes != self._weeks.changes:
            return None
        metrics.CACHE_HITS.n += 1
        return hot

    def keep(
        self,
        season: str,
        week: str,
        entry: CachedWeek,
        headers: dict[str, str],
        *,
        max_age: int,
        now: float,
    ) -> None:
        """Keep a HIT answer of the path, made at `now` with `max_age` from `entry`."""
        # max-age is int(fresh_until - now), capped: it holds until fresh_until - max_age.
        until = min(entry.fresh_until - max_age, (now // _DAY_S + 1) * _DAY_S)
        if len(self._answers) >= HOT_PATHS:
            self._answers.clear()
        self._answers[season, week] = HotAnswer(entry.body, headers, until, self._weeks.changes)
