"""The upstream HTTP client as a polite client: Retry-After, validators, User-Agent, body cap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from nflscores import __version__
from nflscores.domain.errors import UpstreamBadResponse
from nflscores.settings import Settings
from nflscores.sources.http import RETRY_AFTER_MAX_S, UpstreamClient, retry_after_seconds
from tests.support import MakeServer

LAST_MODIFIED = "Sun, 09 Oct 2022 18:10:00 GMT"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("86400", RETRY_AFTER_MAX_S),
        ("Sun, 09 Oct 2022 18:11:00 GMT", 60.0),
        ("Sun, 09 Oct 2022 18:00:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(value: str | None, seconds: float | None) -> None:
    """Retry-After reads as seconds or an HTTP date, never negative, capped, else unknown."""
    at = datetime(2022, 10, 9, 18, 10, tzinfo=UTC)
    assert retry_after_seconds(value, at=at) == seconds


class Validating:
    """An upstream that sends Last-Modified and answers 304 to a matching If-Modified-Since."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.body = b"one"

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append(dict(request.headers))
        if request.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return web.Response(status=304)
        return web.Response(body=self.body, headers={"Last-Modified": LAST_MODIFIED})


@pytest.fixture
async def validating(aiohttp_server: MakeServer) -> tuple[Validating, str]:
    """Start the validating upstream; return it and its base URL."""
    upstream = Validating()
    app = web.Application()
    app.router.add_get("/doc", upstream.handle)
    app.router.add_get("/big", _big)
    server = await aiohttp_server(app)
    return upstream, str(server.make_url("")).rstrip("/")


async def _big(request: web.Request) -> web.StreamResponse:
    # Chunked, without Content-Length: the cap must hold while reading.
    response = web.StreamResponse()
    await response.prepare(request)
    for _ in range(80):
        await response.write(b"x" * 65536)
    await response.write_eof()
    return response


@pytest.fixture
async def client(validating: tuple[Validating, str]) -> AsyncIterator[UpstreamClient]:
    """Return a client on the validating upstream, with a 4 MiB cap."""
    settings = Settings(upstream_url=validating[1], upstream_retries=0)
    async with UpstreamClient.open(settings, accept="application/json") as upstream:
        yield upstream


async def test_last_modified_makes_the_next_request_conditional(
    client: UpstreamClient, validating: tuple[Validating, str]
) -> None:
    """After a Last-Modified, the next request sends If-Modified-Since; a 304 is the kept body."""
    upstream, _ = validating
    assert await client.fetch("/doc") == b"one"
    upstream.body = b"two"
    assert await client.fetch("/doc") == b"one"
    assert "If-Modified-Since" not in upstream.seen[0]
    assert upstream.seen[1]["If-Modified-Since"] == LAST_MODIFIED


async def test_user_agent_and_accept(
    client: UpstreamClient, validating: tuple[Validating, str]
) -> None:
    """Each request names the service and version, and asks for the source's format."""
    upstream, _ = validating
    await client.fetch("/doc")
    assert upstream.seen[0]["User-Agent"].startswith(f"nflscores/{__version__} ")
    assert upstream.seen[0]["Accept"] == "application/json"


async def test_a_chunked_body_over_the_cap_is_refused(client: UpstreamClient) -> None:
    """A 5 MB body without Content-Length is cut off at the cap: UpstreamBadResponse."""
    with pytest.raises(UpstreamBadResponse, match="over"):
        await client.fetch("/big")
