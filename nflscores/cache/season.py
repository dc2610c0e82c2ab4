"""A season's fetch: every week at once, then a summary that GET /api/?season= shows.

The talk's classic: every week of the season in flight together (27 in 2015, with the
preseason and the playoffs) instead of one after another. The follow-up step, storing the
summary, runs once every week has finished, successful or not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from nflscores.cache.entries import WeekCache
from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.domain.encoding import dumps, loads
from nflscores.domain.errors import NflScoresError
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.base import Source
from nflscores.store import Backend, keys

#: Called once per week as it finishes: the week stored, or the error it failed with.
WeekDone = Callable[[WeekRef, Week | None, NflScoresError | None], None]


@dataclass(slots=True)
class SeasonSummary:
    """What a season's fetch did: stored once every week is done."""

    season: int
    weeks: int = 0
    games: int = 0
    stored_weeks: list[str] = field(default_factory=list)
    empty_weeks: list[str] = field(default_factory=list)
    failed_weeks: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    finished_at: str = ""


async def fetch_season(
    season: int,
    *,
    upstream: Source,
    cache: WeekCache,
    backend: Backend,
    concurrency: int,
    on_week: WeekDone = lambda ref, week, error: None,
    clock: Clock = SYSTEM_CLOCK,
) -> SeasonSummary:
    """Fetch and store every week of a season, at most `concurrency` at once."""
    refs = await upstream.weeks(season)
    summary = SeasonSummary(season=season, weeks=len(refs))
    limit = asyncio.Semaphore(concurrency)
    started = time.perf_counter()

    async def one(ref: WeekRef) -> None:
        try:
            async with limit:
                week = await upstream.fetch_week(ref)
            await cache.store(week)
        except NflScoresError as exc:
            summary.failed_weeks[ref.slug] = f"{exc.code}: {exc}"
            on_week(ref, None, exc)
            return
        if week.games:
            summary.stored_weeks.append(ref.slug)
            summary.games += len(week.games)
        else:
            summary.empty_weeks.append(ref.slug)
        on_week(ref, week, None)

    async with asyncio.TaskGroup() as group:
        for ref in refs:
            group.create_task(one(ref))
    order = {ref.slug: i for i, ref in enumerate(refs)}
    summary.stored_weeks.sort(key=order.__getitem__)
    summary.empty_weeks.sort(key=order.__getitem__)
    summary.failed_weeks = dict(sorted(summary.failed_weeks.items(), key=lambda i: order[i[0]]))
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.finished_at = clock.now().isoformat(timespec="seconds")
    await store_summary(backend, summary)
    return summary


async def store_summary(backend: Backend, summary: SeasonSummary) -> None:
    """Run the follow-up step: keep the season's summary for GET /api/?season=."""
    await backend.set(keys.season_summary_key(summary.season), dumps(asdict(summary)))


async def load_summary(backend: Backend, season: int) -> dict[str, Any] | None:
    """Return the summary the last fetch of a season stored, or None."""
    raw = await backend.get(keys.season_summary_key(season))
    return None if raw is None else dict(loads(raw))
