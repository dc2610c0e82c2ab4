"""Baseline for fetch-season: fetch, parse and store every week of a season, plainly.

`--mode sequential` fetches one week after another (the talk's starting point); `--mode
gather` starts them all at once with asyncio.gather. Prints one JSON object with the seconds
the fetching took, measured inside the process like fetch-season's own figure.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

import aiohttp
import orjson
import redis.asyncio as redis

from nflscores.domain.encoding import encode_week
from nflscores.domain.weeks import WeekRef, weeks_of
from nflscores.sources.scorestrip import parse_scorestrip


async def fetch_one(
    session: aiohttp.ClientSession, client: redis.Redis, upstream: str, ref: WeekRef
) -> bool:
    """Fetch, parse and store one week; return True when it worked."""
    params = {"season": ref.season, "seasonType": ref.season_type, "week": ref.week}
    async with session.get(f"{upstream}/ajax/scorestrip", params=params) as response:
        body = await response.read()
        if response.status != 200:
            return False
    week = parse_scorestrip(body, fetched_at=datetime.now(UTC), ref=ref)
    await client.set(f"bench:fetch:{ref.season}:{ref.season_type}:{ref.week}", encode_week(week))
    return True


async def main(args: argparse.Namespace) -> None:
    """Fetch the season in the chosen mode and print the figures."""
    upstream = args.upstream.rstrip("/")
    refs = weeks_of(args.season)
    client = redis.Redis.from_url(args.redis)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        if args.mode == "sequential":
            ok = [await fetch_one(session, client, upstream, ref) for ref in refs]
        else:
            ok = await asyncio.gather(*(fetch_one(session, client, upstream, r) for r in refs))
        seconds = time.perf_counter() - started
    await client.aclose()
    print(orjson.dumps({"seconds": seconds, "weeks": len(refs), "ok": sum(ok)}).decode())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--season", type=int, default=2015)
    parser.add_argument("--mode", choices=("sequential", "gather"), required=True)
    asyncio.run(main(parser.parse_args()))
