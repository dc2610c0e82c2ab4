"""The real app and the scripted upstream served from a thread, for synchronous clients."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from aiohttp import web

from nflscores.settings import Settings
from nflscores.web.app import create_app
from tests.upstream import ScriptedUpstream


@dataclass(frozen=True)
class Served:
    """Where the threaded app listens, and its upstream's controls."""

    url: str
    port: int
    scripted: ScriptedUpstream


@contextlib.contextmanager
def serve_in_thread(settings: Settings) -> Iterator[Served]:
    """Run the scripted upstream and the app (on it) in a thread's own loop for the block."""
    scripted = ScriptedUpstream()
    loop = asyncio.new_event_loop()
    started: asyncio.Future[tuple[int, list[web.AppRunner]]] = loop.create_future()

    async def start() -> None:
        upstream = web.AppRunner(scripted.app())
        await upstream.setup()
        await web.TCPSite(upstream, "127.0.0.1", 0).start()
        upstream_port = upstream.addresses[0][1]
        app_settings = Settings(
            **{
                **{field: getattr(settings, field) for field in settings.__slots__},
                "upstream_url": f"http://127.0.0.1:{upstream_port}",
            }
        )
        runner = web.AppRunner(create_app(app_settings))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        started.set_result((runner.addresses[0][1], [runner, upstream]))

    thread = threading.Thread(target=loop.run_forever, name="threaded-app", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(30)
    port, runners = started.result()
    try:
        yield Served(f"http://127.0.0.1:{port}", port, scripted)
    finally:

        async def stop() -> None:
            for runner in runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
