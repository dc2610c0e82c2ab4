"""`nflscores fetch-season SEASON`: every week of a season at once, then a season summary.

The talk's classic: 22 requests in flight together instead of one after another. Each game is
reported as it is stored, each week when it is done; the follow-up step runs once every week
has finished, successful or not.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from nflscores import keys
from nflscores.backends import Backend, open_backend
from nflscores.cache import WeekCache
from nflscores.encoding import dumps
from nflscores.errors import NflScoresError
from nflscores.models import Week
from nflscores.settings import Settings
from nflscores.upstream import UpstreamClient
from nflscores.weeks import WeekRef, parse_season, weeks_of


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


def game_line(week: Week, index: int) -> str:
    """Return the talk's line for one stored game."""
    game = week.games[index]
    return (
        f"Season {week.season}/{week.season_type}. Week {week.week}. Game ID {game.id}, "
        f"{game.away.team} @ {game.home.team}, scheduled at {game.kickoff.isoformat()} "
        "updated in database"
    )


def week_line(ref: WeekRef) -> str:
    """Return the talk's line for one finished week."""
    return f"All games for Season {ref.season}/{ref.season_type}. Week {ref.week} processed!"


class _Progress:
    """A one-line progress counter, drawn only on a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = total
        self._done = 0
        self._stream = stream
        self._live = stream.isatty()

    def step(self) -> None:
        self._done += 1
        if self._live:
            self._stream.write(f"\r[{self._done}/{self._total} weeks]")
            self._stream.flush()

    def close(self) -> None:
        if self._live:
            self._stream.write("\n")


async def fetch_season(
    season: int,
    *,
    upstream: UpstreamClient,
    cache: WeekCache,
    backend: Backend,
    concurrency: int,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> SeasonSummary:
    """Fetch and store every week of a season, at most `concurrency` at once."""
    refs = weeks_of(season)
    summary = SeasonSummary(season=season, weeks=len(refs))
    limit = asyncio.Semaphore(concurrency)
    progress = _Progress(len(refs), err)
    started = time.perf_counter()

    async def one(ref: WeekRef) -> None:
        try:
            async with limit:
                week = await upstream.fetch_week(ref)
            await cache.store(week)
        except NflScoresError as exc:
            summary.failed_weeks[ref.slug] = f"{exc.code}: {exc}"
        else:
            if week.games:
                summary.stored_weeks.append(ref.slug)
                summary.games += len(week.games)
                out.writelines(game_line(week, i) + "\n" for i in range(len(week.games)))
                out.write(week_line(ref) + "\n")
            else:
                summary.empty_weeks.append(ref.slug)
                out.write(f"Season {season}/{ref.season_type}. Week {ref.week} has no games.\n")
        progress.step()

    async with asyncio.TaskGroup() as group:
        for ref in refs:
            group.create_task(one(ref))
    progress.close()
    order = {ref.slug: i for i, ref in enumerate(refs)}
    summary.stored_weeks.sort(key=order.__getitem__)
    summary.empty_weeks.sort(key=order.__getitem__)
    summary.failed_weeks = dict(sorted(summary.failed_weeks.items(), key=lambda i: order[i[0]]))
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    await store_summary(backend, summary)
    return summary


async def store_summary(backend: Backend, summary: SeasonSummary) -> None:
    """Run the follow-up step: keep the season's summary for GET /api/?season=."""
    await backend.set(keys.season_summary_key(summary.season), dumps(asdict(summary)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare SEASON and --concurrency."""
    parser.add_argument("season", help="season year, e.g. 2015")
    parser.add_argument(
        "--concurrency",
        type=int,
        help="most weeks in flight at once (default NFLSCORES_UPSTREAM_CONCURRENCY)",
    )


async def _main(season: int, concurrency: int, settings: Settings) -> int:
    backend = open_backend(settings)
    try:
        async with UpstreamClient.open(settings) as upstream:
            summary = await fetch_season(
                season,
                upstream=upstream,
                cache=WeekCache(backend, settings),
                backend=backend,
                concurrency=concurrency,
            )
    finally:
        await backend.aclose()
    print(
        f"Season {season}: {len(summary.stored_weeks)} weeks, {summary.games} games stored, "
        f"{len(summary.empty_weeks)} empty, {len(summary.failed_weeks)} failed "
        f"in {summary.seconds:.2f}s"
    )
    if summary.failed_weeks:
        for slug, reason in summary.failed_weeks.items():
            print(f"failed: week {slug}: {reason}", file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch the season; exit 1 listing the weeks that failed, 2 on a bad season."""
    try:
        season = parse_season(args.season)
    except NflScoresError as exc:
        print(f"nflscores fetch-season: {exc}", file=sys.stderr)
        return 2
    concurrency = args.concurrency or settings.upstream_concurrency
    if concurrency < 1:
        print("nflscores fetch-season: --concurrency must be at least 1", file=sys.stderr)
        return 2
    if settings.redis_url is None:
        print(
            "nflscores fetch-season: NFLSCORES_REDIS_URL is not set; the weeks are fetched "
            "into this process's memory only and are gone when it exits",
            file=sys.stderr,
        )
    try:
        return asyncio.run(_main(season, concurrency, settings))
    except NflScoresError as exc:
        print(f"nflscores fetch-season: {exc}", file=sys.stderr)
        return 1
