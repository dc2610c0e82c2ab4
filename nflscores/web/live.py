"""Live scores in the application: the page at `/` and its files, the hub, the embedded poller.

`setup_live(app)` adds what keeps the stream running to an application that `create_app`
already gave a store, a week cache and a source. The routes themselves (`/api/livescore`,
`/`, `/static/{name}`) are in the route table, `nflscores.web.routes`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

from aiohttp import web

from nflscores.domain.errors import NotFound
from nflscores.live import tasks
from nflscores.live.events import LiveEvent
from nflscores.live.hub import LiveHub
from nflscores.live.poller import Poller
from nflscores.store import MemoryBackend
from nflscores.web.appkeys import BACKEND, CACHE, CLOCK, HUB, SETTINGS, UPSTREAM, WEEKS
from nflscores.web.errors import json_errors
from nflscores.web.headers import CACHE_CONTROL

__all__ = ["setup_live"]

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
#: The page's files by name, read from the package once: a request names one of these or
#: none, so no path a client sends is ever joined to a directory.
STATIC_FILES: Final = {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}
#: As long as nginx lets browsers keep them (deploy/nginx.conf, `expires 1h`).
STATIC_CACHE_CONTROL: Final = "public, max-age=3600"


def setup_live(app: web.Application) -> None:
    """Run the hub (and the embedded poller) with the app; end the streams at shutdown."""
    app.cleanup_ctx.append(_hub)
    app.cleanup_ctx.append(_embedded_poller)
    app.on_shutdown.append(_end_streams)


async def page(request: web.Request) -> web.FileResponse:
    """Serve the live scoreboard."""
    return web.FileResponse(STATIC_DIR / "index.html", headers={CACHE_CONTROL: "no-cache"})


@json_errors
async def static_file(request: web.Request) -> web.FileResponse:
    """Serve one of the page's files (`/static/app.js`); any other name is a JSON 404."""
    name = request.match_info["name"]
    path = STATIC_FILES.get(name)
    if path is None:
        raise NotFound(f"no file {name!r} under /static/")
    return web.FileResponse(path, headers={CACHE_CONTROL: STATIC_CACHE_CONTROL})


async def _hub(app: web.Application) -> AsyncIterator[None]:
    weeks = app.get(WEEKS)

    def remember(event: LiveEvent) -> None:
        # The week API of this process is never older than its stream.
        if weeks is not None:
            weeks.remember(event.ref, event.body)

    settings = app[SETTINGS]
    hub = LiveHub(
        app[BACKEND],
        heartbeat_s=settings.sse_heartbeat_s,
        write_timeout_s=settings.sse_write_timeout_s,
        on_event=remember,
    )
    app[HUB] = hub
    hub.start()
    yield
    await hub.stop()


async def _embedded_poller(app: web.Application) -> AsyncIterator[None]:
    """On the in-process store, poll in this process: nothing else can publish to it."""
    backend = app[BACKEND]
    upstream = app.get(UPSTREAM)
    if not isinstance(backend, MemoryBackend) or upstream is None:
        yield
        return
    poller = Poller(
        backend=backend,
        feed=upstream,
        cache=app[CACHE],
        settings=app[SETTINGS],
        clock=app[CLOCK],
    )
    task = tasks.start(poller.run(), "embedded-poller")
    yield
    await tasks.cancel_and_wait(task)


async def _end_streams(app: web.Application) -> None:
    app[HUB].close_streams()
