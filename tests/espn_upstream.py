"""An ESPN upstream for tests: serves the hand-made scoreboards, fails and throttles on command."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from nflscores.sources.espn import SCOREBOARD_PATH
from tests.espn_support import fixture_bytes

Mode = Literal["ok", "fail", "throttle", "html", "huge"]

#: (dates, seasontype, week) -> fixture, for the week requests.
FIXTURES = {
    ("2022", "2", "5"): "2022-REG-05-live.json",
    ("2015", "2", "10"): "2015-REG-10.json",
    ("2016", "2", "2"): "2016-REG-02.json",
    ("2019", "3", "1"): "2019-POST-01.json",
    ("2021", "1", "1"): "2021-PRE-01.json",
    ("2021", "3", "4"): "2021-POST-04.json",
    ("2025", "3", "5"): "2025-POST-05.json",
}


def empty(key: tuple[str, str, str]) -> bytes:
    """Return ESPN's answer for a week without events: its header and no events."""
    season, season_type, week = key
    return b'{"season": {"year": %s, "type": %s}, "week": {"number": %s}, "events": []}' % (
        season.encode(),
        season_type.encode(),
        week.encode(),
    )


FIVE_MB: int = 5 * 1024 * 1024


@dataclass
class EspnUpstream:
    """What the test upstream serves, and what it was asked for."""

    mode: Mode = "ok"
    #: The body of the scoreboard without a query (ESPN's current week).
    live_body: bytes = field(default_factory=lambda: fixture_bytes("2022-REG-05-live.json"))
    #: Bodies served instead of the fixtures, by (dates, seasontype, week).
    bodies: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    retry_after: str = "120"
    #: How many requests to answer 429 before serving again, whatever the mode.
    throttle_next: int = 0
    #: Send an ETag with each body and answer 304 to a matching If-None-Match.
    validators: bool = False
    requests: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: The headers of every request, in order.
    headers: list[dict[str, str]] = field(default_factory=list)
    not_modified: int = 0

    @property
    def total(self) -> int:
        """Return how many scoreboard requests arrived."""
        return sum(self.requests.values())

    def body_for(self, key: tuple[str, str, str]) -> bytes:
        """Return the scoreboard the upstream has for a query (the live one without a query)."""
        if key in self.bodies:
            return self.bodies[key]
        if key == ("", "", ""):
            return self.live_body
        name = FIXTURES.get(key)
        return fixture_bytes(name) if name else empty(key)

    async def scoreboard(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        key = (query.get("dates", ""), query.get("seasontype", ""), query.get("week", ""))
        self.requests[key] += 1
        self.headers.append(dict(request.headers))
        if self.mode == "fail":
            return web.Response(status=503, text="upstream broke")
        if self.throttle_next > 0 or self.mode == "throttle":
            self.throttle_next = max(0, self.throttle_next - 1)
            return web.Response(
                status=429, text="slow down", headers={"Retry-After": self.retry_after}
            )
        if self.mode == "html":
            return web.Response(body=b"<html><body>Oops</body></html>", content_type="text/html")
        body = self.body_for(key)
        if self.mode == "huge":
            body = body[:-2] + b" " * FIVE_MB + body[-2:]
        headers = {}
        if self.validators:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                self.not_modified += 1
                return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type="application/json", headers=headers)

    def app(self) -> web.Application:
        """Return the aiohttp app serving ESPN's scoreboard path."""
        app = web.Application()
        app.router.add_get(SCOREBOARD_PATH, self.scoreboard)
        return app
