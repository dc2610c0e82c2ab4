"""Peer baseline: the cached week in FastAPI on uvicorn, one redis.asyncio GET per request.

The idiomatic design a user would pick instead: one `redis.asyncio` client per worker made in
the lifespan, a GET per request, and the cached JSON (encoded by orjson when it was stored)
returned as the response body. Sending the stored bytes as they are is the generous reading of
"an orjson response": `ORJSONResponse(orjson.loads(raw))` would decode and encode them again,
and FastAPI 0.130+ deprecates it. Run as `uvicorn --workers N --factory ...:create_app`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import FastAPI, HTTPException, Request, Response

from bench.baselines.common import redis_url, week_key

#: redis.asyncio's plain pool raises MaxConnectionsError past its cap; this one waits instead.
POOL_SIZE = 100


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the worker's Redis client for the app's lifetime."""
    pool = redis.BlockingConnectionPool.from_url(redis_url(), max_connections=POOL_SIZE, timeout=10)
    app.state.redis = redis.Redis(connection_pool=pool)
    yield
    await app.state.redis.aclose()
    await pool.disconnect()


async def week(season: str, week: str, request: Request) -> Response:
    """Return the week's cached JSON from Redis, or 404."""
    raw: bytes | None = await request.app.state.redis.get(week_key(season, week))
    if raw is None:
        raise HTTPException(status_code=404, detail="week not cached")
    return Response(content=raw, media_type="application/json")


def create_app() -> FastAPI:
    """Return the FastAPI app (uvicorn's --factory calls this in each worker)."""
    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.add_api_route("/api/{season}/{week}", week, methods=["GET"])
    return app
