"""`nflscores fetch-season`: every week at once, the talk's log lines, a summary, exit codes."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
import redis.asyncio as aioredis

from nflscores.cache.entries import unpack
from nflscores.domain.encoding import loads
from nflscores.domain.weeks import parse_week, weeks_of
from nflscores.store import keys
from tests.upstream import ScriptedUpstream

pytestmark = pytest.mark.slow


async def fetch_season(*args: str, redis_url: str, upstream_url: str) -> tuple[int, str, str]:
    """Run the real command in a subprocess and return its exit code, stdout and stderr."""
    env = {
        **os.environ,
        "NFLSCORES_REDIS_URL": redis_url,
        "NFLSCORES_UPSTREAM_URL": upstream_url,
        "NFLSCORES_UPSTREAM_RETRIES": "0",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nflscores",
        "fetch-season",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_fetch_season_stores_every_week_and_logs_each_game(
    redis_url: str, upstream_url: str, scripted: ScriptedUpstream
) -> None:
    """Every week is requested once, each game is logged as stored, then the summary is kept."""
    code, out, _ = await fetch_season("2015", redis_url=redis_url, upstream_url=upstream_url)
    assert code == 0
    refs = weeks_of(2015)
    assert len(refs) == 27
    assert sorted(scripted.requests) == sorted(
        (str(r.season), r.season_type, str(r.week)) for r in refs
    )
    assert set(scripted.requests.values()) == {1}
    lines = out.splitlines()
    assert (
        "Season 2015/REG. Week 1. Game ID 2015091301, SEA @ STL, scheduled at "
        "2015-09-13T13:00:00-04:00 updated in database"
    ) in lines
    assert "All games for Season 2015/REG. Week 3 processed!" in lines
    week_1_games = [line for line in lines if line.startswith("Season 2015/REG. Week 1. Game")]
    assert len(week_1_games) == 16
    # A week's line comes after every one of its games.
    assert lines.index("All games for Season 2015/REG. Week 1 processed!") > max(
        lines.index(line) for line in week_1_games
    )
    client = aioredis.Redis.from_url(redis_url)
    stored = await client.get(keys.week_key(parse_week(2015, "3")))
    assert isinstance(stored, bytes)
    entry = unpack(stored)
    assert entry is not None
    assert entry.state == "final"
    assert len(loads(entry.body)["games"]) == 16
    summary = loads(await client.get(keys.season_summary_key(2015)) or b"null")
    assert summary["season"] == 2015
    assert summary["weeks"] == 27
    assert summary["stored_weeks"] == ["1", "3"]
    assert summary["games"] == 32
    assert len(summary["empty_weeks"]) == 25
    assert summary["failed_weeks"] == {}


async def test_fetch_season_fetches_concurrently(
    redis_url: str, upstream_url: str, scripted: ScriptedUpstream
) -> None:
    """All weeks are in flight together by default, and never more than --concurrency."""
    scripted.delay_s = 0.5
    code, _, _ = await fetch_season("2015", redis_url=redis_url, upstream_url=upstream_url)
    assert code == 0
    assert scripted.peak_in_flight == 27
    scripted.peak_in_flight = 0
    code, _, _ = await fetch_season(
        "2015", "--concurrency", "4", redis_url=redis_url, upstream_url=upstream_url
    )
    assert code == 0
    assert scripted.peak_in_flight == 4


async def test_partial_failure_keeps_stored_weeks_and_exits_nonzero(
    redis_url: str, upstream_url: str, scripted: ScriptedUpstream
) -> None:
    """A failing week is listed and makes the exit code 1; the other weeks stay stored."""
    scripted.failing = {("2015", "REG", "3"), ("2015", "POST", "22")}
    code, out, err = await fetch_season("2015", redis_url=redis_url, upstream_url=upstream_url)
    assert code == 1
    assert "failed: week 3: upstream_unavailable" in err
    assert "failed: week superbowl: upstream_unavailable" in err
    assert "All games for Season 2015/REG. Week 1 processed!" in out
    client = aioredis.Redis.from_url(redis_url)
    assert await client.get(keys.week_key(parse_week(2015, "1"))) is not None
    assert await client.get(keys.week_key(parse_week(2015, "3"))) is None
    summary = loads(await client.get(keys.season_summary_key(2015)) or b"null")
    assert list(summary["failed_weeks"]) == ["3", "superbowl"]
    assert summary["stored_weeks"] == ["1"]


async def test_bad_season_exits_2(redis_url: str, upstream_url: str) -> None:
    """A malformed or out-of-range season is refused before any request."""
    for season in ("15", "1969"):
        code, _, err = await fetch_season(season, redis_url=redis_url, upstream_url=upstream_url)
        assert code == 2
        assert "season" in err
