"""Baseline (a): aiohttp returning the week's bytes from memory, the ceiling for Python."""

from __future__ import annotations

from aiohttp import web

from bench.baselines.common import week_file


async def create_app() -> web.Application:
    """Return an app that answers every week request with the same bytes."""
    body = week_file()

    async def week(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/{season}/{week}", week)
    return app
