"""nginx before the app (deploy/nginx.conf): its own errors JSON, limits, headers, cache key."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from nflscores.domain.encoding import loads
from nflscores.settings import Settings
from nflscores.web.app import create_app
from tests.live_support import EVENT_STREAM
from tests.stack import nginx_site
from tests.support import free_port, running
from tests.upstream import ScriptedUpstream

pytestmark = pytest.mark.slow

MakeServer = Callable[..., Awaitable[TestServer]]
#: A client address nginx limits (127.0.0.1, this host's own, is exempt).
LIMITED = "127.0.0.2"


@dataclass(frozen=True)
class Edge:
    """nginx on a port, in front of the real app."""

    url: str
    port: int


@pytest.fixture
async def edge(
    settings: Settings, aiohttp_server: MakeServer, nginx_dir: Path
) -> AsyncIterator[Edge]:
    """Run nginx with deploy/nginx.conf in front of the real app on real Redis."""
    app = await aiohttp_server(create_app(settings))
    port = free_port()
    site = nginx_site(
        listen=f"127.0.0.1:{port}", upstream=f"127.0.0.1:{app.port}", run_dir=nginx_dir
    )
    with running(site.argv(), port=port):
        yield Edge(f"http://127.0.0.1:{port}", port)


@pytest.fixture
def dead_edge(nginx_dir: Path) -> Iterator[Edge]:
    """Run nginx in front of an address where nothing listens."""
    port = free_port()
    site = nginx_site(
        listen=f"127.0.0.1:{port}", upstream=f"127.0.0.1:{free_port()}", run_dir=nginx_dir
    )
    with running(site.argv(), port=port):
        yield Edge(f"http://127.0.0.1:{port}", port)


@pytest.fixture
async def stuck_edge(nginx_dir: Path) -> AsyncIterator[Edge]:
    """Run nginx, its /api/ read timeout shortened to 1 s, before an app that never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # read nothing, answer nothing, keep the connection open

    silent = await asyncio.start_server(accept, "127.0.0.1", 0)
    app_port = silent.sockets[0].getsockname()[1]
    port = free_port()
    site = nginx_site(
        listen=f"127.0.0.1:{port}",
        upstream=f"127.0.0.1:{app_port}",
        run_dir=nginx_dir,
        shorter={"proxy_read_timeout 45s;": "proxy_read_timeout 1s;"},
    )
    try:
        with running(site.argv(), port=port):
            yield Edge(f"http://127.0.0.1:{port}", port)
    finally:
        for writer in held:
            writer.close()
        silent.close()
        await silent.wait_closed()


async def raw(port: int, data: bytes) -> tuple[int, bytes, bytes]:
    """Send raw bytes; return the status, head and body of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    try:
        async with asyncio.timeout(5):
            head = (await reader.readuntil(b"\r\n\r\n"))[:-4]
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            body = await reader.readexactly(length)
    finally:
        writer.close()
    return int(head.split(b" ", 2)[1]), head, body


def assert_json_error(head: bytes, body: bytes, status: int) -> None:
    """Assert an answer is docs/api.md's JSON error with that status."""
    assert b"application/json" in head, head
    assert loads(body)["error"]["status"] == status


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /api/ HTTP/1.1\r\n\r\n", 400),
        (b"GET /api/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /api/ HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"POST /api/2015/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 413),
        (b"POST /static/app.js HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (b"GET /static/nothing.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
    ],
)
async def test_nginxs_own_errors_are_json(edge: Edge, data: bytes, status: int) -> None:
    """Errors nginx answers itself are docs/api.md's JSON errors with their status, not HTML."""
    got, head, body = await raw(edge.port, data)
    assert got == status
    assert_json_error(head, body, status)
    assert b"nginx/" not in head + body


async def test_a_dead_app_is_a_json_502(dead_edge: Edge) -> None:
    """With nothing behind nginx, /api/ answers a JSON 502."""
    async with aiohttp.ClientSession() as session, session.get(dead_edge.url + "/api/") as r:
        assert r.status == 502
        assert (await r.json())["error"]["code"] == "app_unavailable"


async def test_an_app_that_does_not_answer_is_a_json_504(stuck_edge: Edge) -> None:
    """Past /api/'s proxy_read_timeout without an answer, nginx answers its JSON 504."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(stuck_edge.url + "/api/2015/1") as response,
    ):
        assert response.status == 504
        assert response.headers["Content-Type"].startswith("application/json")
        assert (await response.json())["error"]["code"] == "app_timeout"


async def test_metrics_from_outside_are_a_json_403(edge: Edge) -> None:
    """/metrics from an address nginx does not allow is refused with JSON."""
    connector = aiohttp.TCPConnector(local_addr=(LIMITED, 0))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(edge.url + "/metrics") as response,
    ):
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "forbidden"


async def test_a_burst_of_api_requests_is_limited_with_a_json_429(edge: Edge) -> None:
    """Past the burst, one address gets JSON 429s with Retry-After; the host's own is exempt."""
    connector = aiohttp.TCPConnector(local_addr=(LIMITED, 0), limit=50)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> tuple[int, str | None, bytes]:
            async with session.get(edge.url + "/healthz?x=1") as response:
                return response.status, response.headers.get("Retry-After"), await response.read()

        async def api() -> tuple[int, str | None, bytes]:
            async with session.get(edge.url + "/api/") as response:
                return response.status, response.headers.get("Retry-After"), await response.read()

        answers = await asyncio.gather(*(api() for _ in range(300)))
    limited = [answer for answer in answers if answer[0] == 429]
    assert limited, "300 requests at once should pass the burst of 100"
    assert all(retry == "1" for _, retry, _ in limited)
    assert loads(limited[0][2])["error"]["code"] == "rate_limited"
    async with aiohttp.ClientSession() as session:  # from 127.0.0.1: never limited
        statuses = await asyncio.gather(*(session.get(edge.url + "/api/") for _ in range(300)))
        assert {response.status for response in statuses} == {200}
        for response in statuses:
            response.close()


async def test_too_many_streams_from_one_address_get_a_json_429(edge: Edge) -> None:
    """An address may hold 16 streams at once; the 17th and later are refused."""
    connector = aiohttp.TCPConnector(local_addr=(LIMITED, 0), limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        responses = [
            await session.get(edge.url + "/api/livescore", headers=EVENT_STREAM) for _ in range(20)
        ]
        try:
            statuses = [response.status for response in responses]
            assert statuses.count(200) == 16
            assert statuses.count(429) == 4
        finally:
            for response in responses:
                response.close()


async def test_the_cache_key_ignores_query_strings_the_api_does_not_read(
    edge: Edge, scripted: ScriptedUpstream
) -> None:
    """?cb=1 and ?cb=2 are the same cached week: one app request, the second a HIT."""
    async with aiohttp.ClientSession() as session:
        async with session.get(edge.url + "/api/2015/1?cb=1") as first:
            assert first.status == 200
        async with session.get(edge.url + "/api/2015/1?cb=2") as second:
            assert second.headers["X-Proxy-Cache"] == "HIT"
        async with session.get(edge.url + "/api/?season=2015") as season:
            assert (await season.json())["season"] == 2015
        async with session.get(edge.url + "/api/?season=2014") as other:
            assert (await other.json())["season"] == 2014
    assert scripted.requests[("2015", "REG", "1")] == 1


async def test_headers_through_nginx_name_no_version_and_guard_the_page(edge: Edge) -> None:
    """nginx's Server has no version; the page keeps its CSP; the API its CORS and nosniff."""
    async with aiohttp.ClientSession() as session:
        async with session.get(edge.url + "/") as page:
            assert page.headers["Server"] == "nginx"
            assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
            assert page.headers["X-Content-Type-Options"] == "nosniff"
        async with session.get(edge.url + "/api/") as api:
            assert api.headers["Access-Control-Allow-Origin"] == "*"
            assert api.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_http09_request_is_answered_at_once(edge: Edge) -> None:
    """`GET /` without a version gets its answer and the connection closes, no waiting."""
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(b"GET /\r\n")
    try:
        async with asyncio.timeout(5):
            answer = await reader.read()
    finally:
        writer.close()
    assert answer  # nginx answers HTTP/0.9 with the body alone, then closes
