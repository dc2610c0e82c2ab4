"""SSE baseline: a plain per-worker hub, one Redis subscription fanned out to client queues.

Each client still pays for its own aiohttp-sse `send()` (formatting and a write per event),
which is what a hub writing pre-encoded frames avoids.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import redis.asyncio as redis
from aiohttp import web
from aiohttp_sse import sse_response

from bench.baselines.common import Hub, Message, redis_url
from nflscores.store import keys

HUB = web.AppKey("hub", Hub)


async def _listen(client: redis.Redis, hub: Hub) -> None:
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(os.environ.get("BENCH_CHANNEL", keys.LIVE_CHANNEL))
        async for message in pubsub.listen():
            if message["type"] == "message":
                hub.publish(message["data"])
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _hub(app: web.Application) -> AsyncIterator[None]:
    client = redis.Redis.from_url(redis_url())
    app[HUB] = hub = Hub()
    listener = asyncio.create_task(_listen(client, hub))
    yield
    listener.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listener
    await client.aclose()


async def livescore(request: web.Request) -> web.StreamResponse:
    """Register a queue with the hub and relay what arrives, one send() per event."""
    hub = request.app[HUB]
    queue: asyncio.Queue[Message] = asyncio.Queue()
    hub.queues.add(queue)
    try:
        async with sse_response(request) as response:
            while True:
                event_id, data = await queue.get()
                await response.send(data, id=event_id, event="update")
        return response
    finally:
        hub.queues.discard(queue)


async def create_app() -> web.Application:
    """Return the plain-hub stream app."""
    app = web.Application()
    app.cleanup_ctx.append(_hub)
    app.router.add_get("/api/livescore", livescore)
    return app
