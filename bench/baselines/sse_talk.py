"""SSE baseline: the talk's design, one Redis SUBSCRIBE per connected client.

Every stream holds a Redis connection of its own, so Redis's `maxclients` caps the clients.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import redis.asyncio as redis
from aiohttp import web
from aiohttp_sse import sse_response

from bench.baselines.common import redis_url
from nflscores.store import keys

REDIS = web.AppKey("redis", redis.Redis)
#: No pool cap: one connection per client is the design being measured.
UNBOUNDED = 1 << 30


async def _redis(app: web.Application) -> AsyncIterator[None]:
    pool = redis.ConnectionPool.from_url(redis_url(), max_connections=UNBOUNDED)
    app[REDIS] = redis.Redis(connection_pool=pool)
    yield
    await app[REDIS].aclose()
    await pool.disconnect()


async def livescore(request: web.Request) -> web.StreamResponse:
    """Subscribe for this client, then relay every message as an SSE event."""
    pubsub = request.app[REDIS].pubsub(ignore_subscribe_messages=True)
    try:
        # Subscribing before the response starts: a refused connection becomes a 500.
        await pubsub.subscribe(os.environ.get("BENCH_CHANNEL", keys.LIVE_CHANNEL))
        async with sse_response(request) as response:
            async for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                event_id, _, data = message["data"].partition(b"\n")
                await response.send(data.decode(), id=event_id.decode(), event="update")
        return response
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def create_app() -> web.Application:
    """Return the talk-design stream app."""
    app = web.Application()
    app.cleanup_ctx.append(_redis)
    app.router.add_get("/api/livescore", livescore)
    return app
