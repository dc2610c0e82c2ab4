"""The application factory: wires the store, the source, the week API and the stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from nflscores.cache.entries import WeekCache
from nflscores.cache.service import WeekService
from nflscores.cache.standings import StandingsService
from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.settings import Settings
from nflscores.sources.base import open_source
from nflscores.store import Backend, open_backend
from nflscores.web import protocol
from nflscores.web.accesslog import request_log_args
from nflscores.web.appkeys import (
    BACKEND,
    CACHE,
    CLOCK,
    HOT,
    ROUTE_TABLE,
    SETTINGS,
    STANDINGS,
    UPSTREAM,
    WEEKS,
)
from nflscores.web.errors import add_fallback_route
from nflscores.web.headers import setup_preflight, with_headers
from nflscores.web.hot import HotAnswers
from nflscores.web.live import setup_live
from nflscores.web.metrics_view import setup_observability
from nflscores.web.routes import ROUTES

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def _store(shared: Backend | None) -> CleanupContext:
    async def store(app: web.Application) -> AsyncIterator[None]:
        backend = shared or open_backend(app[SETTINGS])
        app[BACKEND] = backend
        app[CACHE] = WeekCache(backend, app[SETTINGS], clock=app[CLOCK])
        yield
        if shared is None:
            await backend.aclose()

    return store


async def _upstream(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    clock = app[CLOCK]
    async with open_source(settings, clock=clock) as upstream:
        app[UPSTREAM] = upstream
        weeks = WeekService(
            cache=app[CACHE],
            backend=app[BACKEND],
            upstream=upstream,
            settings=settings,
            clock=clock,
        )
        app[WEEKS] = weeks
        app[HOT] = HotAnswers(weeks, clock)
        app[STANDINGS] = StandingsService(
            weeks=app[WEEKS], backend=app[BACKEND], settings=settings, clock=clock
        )
        yield
        await weeks.aclose()


def create_app(
    settings: Settings, *, backend: Backend | None = None, clock: Clock = SYSTEM_CLOCK
) -> web.Application:
    """Return the application; a given backend is shared with the caller and left open."""
    app = web.Application(handler_args=request_log_args())
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app.cleanup_ctx.append(_store(backend))
    app.cleanup_ctx.append(_upstream)
    app[ROUTE_TABLE] = ROUTES
    for route in ROUTES:
        app.router.add_get(
            route.pattern or route.path,
            route.handler if route.own_headers else with_headers(route.handler),
            name=route.name,
            allow_head=route.allow_head,
        )
    setup_live(app)
    setup_observability(app)
    setup_preflight(app)
    add_fallback_route(app)
    protocol.install(app, header_timeout_s=settings.header_read_timeout_s)
    return app


async def create_app_from_env() -> web.Application:
    """Return the application configured from the environment (gunicorn's entry point)."""
    return create_app(Settings.from_env())
