"""Peer baseline: the live stream with sse-starlette behind FastAPI, fed by Redis pub/sub.

The idiomatic fan-out: ONE subscription per worker (started in the lifespan) puts every
message on a per-client `asyncio.Queue`; each client's generator yields `ServerSentEvent`s
that sse-starlette formats and sends, with its own pings. Run as
`uvicorn --workers N --factory bench.baselines.sse_starlette_hub:create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import FastAPI, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from bench.baselines.common import Hub, Message, redis_url
from nflscores.store import keys


async def _listen(client: redis.Redis, hub: Hub, channel: str) -> None:
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(channel)
        async for message in pubsub.listen():
            if message["type"] == "message":
                hub.publish(message["data"])
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Subscribe once for this worker for the app's lifetime."""
    client = redis.Redis.from_url(redis_url())
    app.state.hub = hub = Hub()
    channel = os.environ.get("BENCH_CHANNEL", keys.LIVE_CHANNEL)
    listener = asyncio.create_task(_listen(client, hub, channel))
    yield
    listener.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listener
    await client.aclose()


async def livescore(request: Request) -> EventSourceResponse:
    """Register a queue with the hub and stream what arrives as `update` events."""
    hub: Hub = request.app.state.hub
    queue: asyncio.Queue[Message] = asyncio.Queue()
    hub.queues.add(queue)

    async def events() -> AsyncIterator[ServerSentEvent]:
        try:
            while True:
                event_id, data = await queue.get()
                yield ServerSentEvent(data=data, id=event_id, event="update")
        finally:
            hub.queues.discard(queue)

    return EventSourceResponse(events())


def create_app() -> FastAPI:
    """Return the FastAPI app (uvicorn's --factory calls this in each worker)."""
    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.add_api_route("/api/livescore", livescore, methods=["GET"])
    return app
