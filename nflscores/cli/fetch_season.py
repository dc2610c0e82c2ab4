"""`nflscores fetch-season SEASON`: every week of a season at once, then a season summary.

Each game is reported as it is stored and each week when it is done, in the talk's words.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from nflscores.cache.entries import WeekCache
from nflscores.cache.season import SeasonSummary, fetch_season
from nflscores.domain.errors import NflScoresError
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef, parse_season
from nflscores.settings import Settings
from nflscores.sources.base import Source, open_source
from nflscores.store import Backend, open_backend


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


async def fetch_and_report(
    season: int,
    *,
    upstream: Source,
    cache: WeekCache,
    backend: Backend,
    concurrency: int,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> SeasonSummary:
    """Fetch the season, writing the talk's lines to `out` and progress to a terminal `err`."""
    progress = _Progress(len(await upstream.weeks(season)), err)

    def report(ref: WeekRef, week: Week | None, error: NflScoresError | None) -> None:
        if week is not None and week.games:
            out.writelines(game_line(week, i) + "\n" for i in range(len(week.games)))
            out.write(week_line(ref) + "\n")
        elif week is not None:
            out.write(f"Season {season}/{ref.season_type}. Week {ref.week} has no games.\n")
        progress.step()

    try:
        return await fetch_season(
            season,
            upstream=upstream,
            cache=cache,
            backend=backend,
            concurrency=concurrency,
            on_week=report,
        )
    finally:
        progress.close()


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
        async with open_source(settings) as upstream:
            summary = await fetch_and_report(
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
