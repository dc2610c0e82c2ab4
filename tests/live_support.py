"""Helpers of the live-score tests: an SSE reader, live weeks to publish, a scripted live feed."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import aiohttp
from aiohttp import web

from nflscores.domain.encoding import decode_week, encode_week
from nflscores.domain.models import Week
from nflscores.live.poller import publish_live_event
from nflscores.sources.scorestrip import parse_scorestrip
from nflscores.store import Backend, RedisBackend, keys
from tests.feeds import THURSDAY_GAME, thursday_live
from tests.support import Client, until

EVENT_STREAM = {"Accept": "text/event-stream"}
#: The live feed's one game in play: Cleveland (away) at Cincinnati (home), CIN 3 CLE 17.
IN_PLAY_GAME = THURSDAY_GAME


def live_xml(*, cin: int = 3, cle: int = 17, clock: str = "01:03") -> bytes:
    """Return ss.xml of 2014 week 10 with the Thursday game in play at a score and clock."""
    return thursday_live(cin=cin, cle=cle, clock=clock)


def live_week(*, cin: int = 3, cle: int = 17, clock: str = "01:03") -> Week:
    """Return the live capture's week with the game in play at another score or clock."""
    fetched = datetime(2014, 11, 7, 2, 0, tzinfo=UTC)
    return parse_scorestrip(live_xml(cin=cin, cle=cle, clock=clock), fetched_at=fetched)


def live_body(*, cin: int = 3, cle: int = 17, clock: str = "01:03", pad: int = 0) -> bytes:
    """Return the week JSON of live_week; `pad` lengthens every nickname to make it big."""
    week = live_week(cin=cin, cle=cle, clock=clock)
    if pad:
        games = tuple(
            dataclasses.replace(game, home=dataclasses.replace(game.home, nickname="x" * pad))
            for game in week.games
        )
        week = dataclasses.replace(week, games=games)
    return encode_week(week)


def cin_score(body: bytes) -> int | None:
    """Return Cincinnati's score in a week JSON body."""
    week = decode_week(body)
    game = next(game for game in week.games if game.id == IN_PLAY_GAME)
    return game.home.score


class Publisher:
    """Publish live events as the poller does, holding the lease under a test token."""

    def __init__(self, backend: Backend, *, maxlen: int = keys.LIVE_HISTORY_MAXLEN) -> None:
        self.backend = backend
        self.token = "test-" + secrets.token_hex(4)
        self.maxlen = maxlen

    async def publish(self, body: bytes) -> str:
        """Publish one event and return its id."""
        await self.backend.acquire(keys.POLLER_LEASE, self.token, ttl_ms=60_000)
        event_id = await publish_live_event(
            self.backend, body, token=self.token, maxlen=self.maxlen
        )
        assert event_id is not None, "the test publisher lost its lease"
        return event_id


@dataclass(frozen=True)
class Frame:
    """One SSE frame as read off the wire, and its fields."""

    raw: bytes

    def field(self, name: str) -> str | None:
        """Return the value of the frame's first line `name: value`, or None."""
        prefix = name.encode() + b": "
        for line in self.raw.split(b"\n"):
            if line.startswith(prefix):
                return line[len(prefix) :].decode()
        return None

    @property
    def id(self) -> str | None:
        """Return the event id, if the frame has one."""
        return self.field("id")

    @property
    def data(self) -> bytes:
        """Return the frame's data (every frame of this service has one data line)."""
        value = self.field("data")
        assert value is not None, f"no data in {self.raw!r}"
        return value.encode()

    @property
    def is_ping(self) -> bool:
        """Return True for a heartbeat comment."""
        return self.raw == b": ping\n\n"


class SseReader:
    """Read an event stream frame by frame, exactly as the server wrote it."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def frame(self, *, within: float = 10.0) -> Frame:
        """Return the next frame, pings included."""
        async with asyncio.timeout(within):
            raw = await self.response.content.readuntil(b"\n\n")
        assert raw.endswith(b"\n\n"), f"the stream ended: {raw!r}"
        return Frame(raw)

    async def event(self, *, within: float = 10.0) -> Frame:
        """Return the next frame that is not a heartbeat."""
        while True:
            frame = await self.frame(within=within)
            if not frame.is_ping:
                return frame

    async def events(self, count: int, *, within: float = 10.0) -> list[Frame]:
        """Return the next count events."""
        return [await self.event(within=within) for _ in range(count)]

    async def rest(self, *, within: float = 10.0) -> bytes:
        """Return everything until the server ends the stream."""
        async with asyncio.timeout(within):
            return await self.response.content.read()


@dataclass
class LiveFeedServer:
    """A scripted upstream serving ss.xml: the test sets its bytes and may make it fail."""

    body: bytes = dataclasses.field(default_factory=live_xml)
    failing: bool = False
    requests: int = 0

    async def live(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.failing:
            return web.Response(status=503, text="down for the test")
        return web.Response(body=self.body, content_type="text/xml")

    def app(self) -> web.Application:
        """Return the aiohttp app serving /liveupdate/scorestrip/ss.xml."""
        app = web.Application()
        app.router.add_get("/liveupdate/scorestrip/ss.xml", self.live)
        return app

    async def served_again(self, *, times: int = 2, within: float = 10.0) -> None:
        """Return once the feed was asked `times` more times."""
        target = self.requests + times
        await until(lambda: self.requests >= target, within=within)


async def live_history(backend: RedisBackend) -> list[tuple[str, bytes]]:
    """Return every event of the live history in Redis, oldest first: (id, body)."""
    entries = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]", await backend.client.xrange(keys.LIVE_STREAM)
    )
    return [(event_id.decode(), fields[b"d"]) for event_id, fields in entries]


async def open_stream(
    client: Client, *, query: str = "", headers: dict[str, str] | None = None
) -> SseReader:
    """Open the live stream and return a reader positioned after its `retry:` frame."""
    response = await client.get(
        "/api/livescore" + query, headers={**EVENT_STREAM, **(headers or {})}
    )
    assert response.status == 200, await response.text()
    reader = SseReader(response)
    assert (await reader.frame()).raw.startswith(b"retry: ")
    return reader
