"""A scorestrip upstream for tests: serves weeks of the packaged history and fails on command."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from tests.feeds import before_kickoff, final_week

Mode = Literal["ok", "fail", "stall", "garbage", "truncate", "not_found"]

#: (season, seasonType, week) -> the week feed served, rendered from the packaged history.
WEEKS: dict[tuple[str, str, str], Callable[[], bytes]] = {
    ("2015", "REG", "1"): lambda: final_week(2015, "REG", 1),
    ("2015", "REG", "3"): lambda: final_week(2015, "REG", 3),
    ("2014", "REG", "10"): lambda: before_kickoff(2014, "REG", 10),
}
EMPTY = b'<?xml version="1.0" encoding="UTF-8"?>\n<ss></ss>\n'


@dataclass
class ScriptedUpstream:
    """What the test upstream serves, and what it was asked for."""

    mode: Mode = "ok"
    stall_s: float = 30.0
    live_body: bytes = EMPTY
    #: Bodies served instead of the capture, by (season, seasonType, week).
    bodies: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: Weeks answered 500 whatever the mode, by (season, seasonType, week).
    failing: set[tuple[str, str, str]] = field(default_factory=set)
    delay_s: float = 0.0
    #: The next this many week answers are cut short mid-body, whatever the mode.
    truncate_next: int = 0
    #: Week-feed requests being answered now, and the most there ever were at once.
    in_flight: int = 0
    peak_in_flight: int = 0

    @property
    def total(self) -> int:
        """Return how many week-feed requests arrived."""
        return sum(self.requests.values())

    def week_body(self, key: tuple[str, str, str]) -> bytes:
        """Return the document the upstream has for a week (empty <ss> when none)."""
        if key in self.bodies:
            return self.bodies[key]
        render = WEEKS.get(key)
        return render() if render else EMPTY

    async def _serve(self, body: bytes) -> web.StreamResponse:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.mode == "fail":
            return web.Response(status=500, text="upstream broke")
        if self.mode == "not_found":
            return web.Response(status=404, text="no")
        if self.mode == "stall":
            await asyncio.sleep(self.stall_s)
        if self.mode == "garbage":
            return web.Response(body=b"<html><body>Service Unavailable", content_type="text/html")
        return web.Response(body=body, content_type="text/xml")

    async def week(self, request: web.Request) -> web.StreamResponse:
        key = (
            request.query.get("season", ""),
            request.query.get("seasonType", ""),
            request.query.get("week", ""),
        )
        self.requests[key] += 1
        if key in self.failing:
            return web.Response(status=500, text="this week is broken")
        body = self.week_body(key)
        truncate = self.mode == "truncate" or self.truncate_next > 0
        self.truncate_next = max(0, self.truncate_next - 1)
        if truncate:
            return await self._cut_short(request, body)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            response = await self._serve(body)
        finally:
            self.in_flight -= 1
        return response

    async def _cut_short(self, request: web.Request, body: bytes) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(body))})
        response.content_type = "text/xml"
        await response.prepare(request)
        await response.write(body[: len(body) // 2])
        request.transport.close()  # type: ignore[union-attr]
        return response

    async def live(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(self.live_body)

    def app(self) -> web.Application:
        """Return the aiohttp app serving scorestrip's two endpoints."""
        app = web.Application()
        app.router.add_get("/ajax/scorestrip", self.week)
        app.router.add_get("/liveupdate/scorestrip/ss.xml", self.live)
        return app
