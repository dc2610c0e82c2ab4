"""Baseline (d): aiohttp doing one redis-py GET per request, the naive cached design.

On a miss it fetches the upstream, with no coordination between concurrent misses: the
cold-request benchmark shows what that costs the upstream.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import redis.asyncio as redis
from aiohttp import web

from bench.baselines.common import redis_url, week_key
from nflscores.domain.encoding import encode_week
from nflscores.domain.weeks import parse_season, parse_week
from nflscores.sources.scorestrip import parse_scorestrip

REDIS = web.AppKey("redis", redis.Redis)
SESSION = web.AppKey("session", aiohttp.ClientSession)
#: redis.asyncio's plain pool raises MaxConnectionsError past 100; this one waits instead.
POOL_SIZE = 100
TTL_S = 3600


async def _clients(app: web.Application) -> AsyncIterator[None]:
    pool = redis.BlockingConnectionPool.from_url(redis_url(), max_connections=POOL_SIZE, timeout=10)
    app[REDIS] = redis.Redis(connection_pool=pool)
    app[SESSION] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    yield
    await app[SESSION].close()
    await app[REDIS].aclose()
    await pool.disconnect()


async def week(request: web.Request) -> web.Response:
    """Return the week from Redis; on a miss, fetch, parse and store it."""
    season, slug = request.match_info["season"], request.match_info["week"]
    key = week_key(season, slug)
    cached: bytes | None = await request.app[REDIS].get(key)  # type: ignore[assignment]
    body = cached
    if body is None:
        ref = parse_week(parse_season(season), slug)
        params = {"season": ref.season, "seasonType": ref.season_type, "week": ref.week}
        upstream = os.environ["BENCH_UPSTREAM_URL"].rstrip("/") + "/ajax/scorestrip"
        async with request.app[SESSION].get(upstream, params=params) as response:
            xml = await response.read()
        body = encode_week(parse_scorestrip(xml, fetched_at=datetime.now(UTC), ref=ref))
        await request.app[REDIS].set(key, body, ex=TTL_S)
    return web.Response(body=body, content_type="application/json")


async def create_app() -> web.Application:
    """Return the naive app."""
    app = web.Application()
    app.cleanup_ctx.append(_clients)
    app.router.add_get("/api/{season}/{week}", week)
    return app
