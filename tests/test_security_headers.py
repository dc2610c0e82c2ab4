"""Security basics at the app: no version, nosniff, CORS on the API only, CSP on the page."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient, make_mocked_request
from aiohttp.web import Application, Request
from multidict import istr
from yarl import URL

from nflscores import __version__
from nflscores.settings import Settings, SettingsError
from nflscores.web import headers, stream
from nflscores.web.app import create_app
from nflscores.web.metrics_view import allowed
from tests.live_support import EVENT_STREAM, Publisher, live_body

Client = TestClient[Request, Application]
MakeClient = Callable[..., Awaitable[Client]]

#: One request for every route (and the fallback), errors among them: (method, path, family).
#: Every answer the app makes, as its handler's or as an error's, carries its path's headers.
ANSWERS = [
    ("GET", "/api/", "api"),
    ("GET", "/api/?season=1800", "api"),
    ("GET", "/api/2015/1", "api"),
    ("HEAD", "/api/2015/1", "api"),
    ("GET", "/api/1800/1", "api"),
    ("GET", "/api/2015/99", "api"),
    ("GET", "/api/openapi.json", "api"),
    ("GET", "/api/livescore", "api"),  # not an event stream: sent to the index
    ("GET", "/api/livescore?events=nope", "api"),
    ("OPTIONS", "/api/livescore", "api"),
    ("GET", "/api/1800/standings", "api"),
    ("GET", "/api/1800/teams/NE", "api"),
    ("GET", "/api/1800/teams/NE.ics", "api"),
    ("POST", "/api/2015/1", "api"),
    ("GET", "/api/nowhere/at/all", "api"),
    ("GET", "/healthz", "page"),
    ("GET", "/readyz", "page"),
    ("GET", "/metrics", "metrics"),
    ("GET", "/", "page"),
    ("GET", "/static/app.js", "page"),
    ("HEAD", "/static/style.css", "page"),
    ("GET", "/static/nothing.css", "page"),
    ("GET", "/nowhere", "page"),
]


@pytest.mark.parametrize(("method", "path", "family"), ANSWERS)
async def test_every_answer_carries_the_headers_of_its_path(
    client: Client, method: str, path: str, family: str
) -> None:
    """`Server` names no version, all are nosniff; CORS on the API only, CSP on the page only."""
    response = await client.request(method, path, allow_redirects=False)
    assert response.headers["Server"] == "nflscores", response.status
    assert "aiohttp" not in str(response.headers)
    assert "Python" not in str(response.headers)
    assert response.headers["X-Content-Type-Options"] == "nosniff", response.status
    assert ("Access-Control-Allow-Origin" in response.headers) == (family == "api")
    assert ("Content-Security-Policy" in response.headers) == (family == "page")


async def test_the_answers_above_ask_every_route_the_app_has(client: Client) -> None:
    """A route added later without its headers would not go unasked."""
    asked = set()
    for method, path, _ in ANSWERS:
        match = await client.app.router.resolve(make_mocked_request(method, path))
        asked.add(match.route.resource.name if match.route.resource else None)
    assert asked == {resource.name for resource in client.app.router.resources()}


def test_every_header_name_the_service_sets_is_made_once_as_an_istr() -> None:
    """A plain str would be case-folded, and the copy kept, by each answer's multidict."""
    tables = (headers.COMMON, headers.API, headers.PREFLIGHT, headers.PAGE, stream.HEADERS)
    for table in tables:
        assert all(isinstance(name, istr) for name in table), table


async def test_a_week_names_its_headers_as_docs_api_spells_them(client: Client) -> None:
    """On the wire the names keep their documented case: `ETag`, `X-Cache`, `Cache-Control`."""
    response = await client.get("/api/2015/1")
    assert response.status == 200
    names = {name for name, _ in response.raw_headers}
    assert {b"ETag", b"X-Cache", b"Cache-Control", b"Content-Type", b"Server"} <= names


async def test_the_index_names_its_version_only_when_asked(client: Client) -> None:
    """GET /api/ says nothing of the version; GET /api/?version does."""
    assert "version" not in await (await client.get("/api/")).json()
    assert (await (await client.get("/api/?version")).json())["version"] == __version__


@pytest.mark.parametrize("path", ["/api/", "/api/2015/1", "/api/1800/1", "/api/openapi.json"])
async def test_the_api_is_open_to_every_origin_without_credentials(
    client: Client, path: str
) -> None:
    """Any origin may read the API; credentials are never allowed."""
    response = await client.get(path, headers={"Origin": "https://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_a_week_and_its_304_carry_every_header_of_an_api_answer(client: Client) -> None:
    """The week's answer is made whole by its handler; the 304 keeps the same headers."""
    first = await client.get("/api/2015/1")
    again = await client.get("/api/2015/1", headers={"If-None-Match": first.headers["ETag"]})
    assert (first.status, again.status) == (200, 304)
    for response in (first, again):
        assert response.headers["Server"] == "nflscores"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Access-Control-Expose-Headers"] == "ETag, X-Cache, Retry-After"
        assert "Content-Security-Policy" not in response.headers


async def test_a_percent_encoded_api_path_gets_the_api_headers_it_is_routed_to(
    client: Client,
) -> None:
    """The headers follow the path the router matched: `/%61pi/2015/1` is the week's answer."""
    # encoded=True: the client would otherwise normalize %61 to "a" before sending it.
    response = await client.get(URL("/%61pi/2015/1", encoded=True))
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Security-Policy" not in response.headers


async def test_the_stream_is_open_to_every_origin(client: Client, backend: object) -> None:
    """The live stream carries the same CORS header (an EventSource from another site)."""
    await Publisher(backend).publish(live_body())  # type: ignore[arg-type]
    async with client.get(
        "/api/livescore", headers={**EVENT_STREAM, "Origin": "https://elsewhere.example"}
    ) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_a_preflight_allows_get_and_head_with_the_stream_headers(client: Client) -> None:
    """OPTIONS with Access-Control-Request-* is answered 204 with what a browser needs."""
    response = await client.options(
        "/api/livescore",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "last-event-id",
        },
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "last-event-id" in response.headers["Access-Control-Allow-Headers"].lower()


async def test_metrics_are_never_shared_with_other_origins(client: Client) -> None:
    """/metrics has no CORS header, whatever the Origin."""
    response = await client.get("/metrics", headers={"Origin": "https://elsewhere.example"})
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_the_page_has_a_strict_policy(client: Client) -> None:
    """The page forbids inline script, framing and full referrers; its HTML has no inline code."""
    response = await client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    html = await response.text()
    assert "<script>" not in html
    assert " style=" not in html
    assert " onclick=" not in html


async def test_metrics_only_answer_the_allowed_networks(
    settings: Settings, aiohttp_client: MakeClient
) -> None:
    """With NFLSCORES_METRICS_ALLOW naming another network, loopback gets a JSON 403."""
    client = await aiohttp_client(
        create_app(dataclasses.replace(settings, metrics_allow="10.0.0.0/8"))
    )
    response = await client.get("/metrics")
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"


def test_the_default_allows_loopback_and_private_ranges_only() -> None:
    """Loopback, private v4 and v6 (and v4 mapped in v6) pass; public addresses do not."""
    allow = Settings().metrics_allow
    for remote in ("127.0.0.1", "::1", "10.1.2.3", "172.20.0.5", "192.168.1.1", "fd00::1",
                   "::ffff:10.0.0.1", None):  # fmt: skip
        assert allowed(remote, allow), remote
    for remote in ("8.8.8.8", "2001:4860::8888", "not-an-address"):
        assert not allowed(remote, allow), remote


def test_an_unreadable_metrics_allow_stops_the_start() -> None:
    """A network that is not a CIDR is refused at startup, naming the variable."""
    with pytest.raises(SettingsError, match="NFLSCORES_METRICS_ALLOW"):
        Settings.from_env({"NFLSCORES_METRICS_ALLOW": "10.0.0.0/8,localhost"})
