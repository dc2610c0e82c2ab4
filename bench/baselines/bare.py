"""Baseline (a): aiohttp returning the week's bytes from memory, the ceiling for Python.

It sends the same bytes as the app: the body and every header of the app's answer but Date
(captured from the app's own answer), so the ratio measures only the app's work per request.
"""

from __future__ import annotations

from aiohttp import web

from bench.baselines.common import week_file, week_headers


async def create_app() -> web.Application:
    """Return an app that answers every week request with the same bytes."""
    body = week_file()
    headers = {**week_headers(), "Content-Type": "application/json"}

    async def week(request: web.Request) -> web.Response:
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/api/{season}/{week}", week)
    return app
