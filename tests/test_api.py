"""The week API end to end: real app, real Redis, a real (scripted) upstream over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import redis.asyncio as aioredis
from yarl import URL

from nflscores.domain.clock import ManualClock
from nflscores.domain.encoding import loads
from nflscores.domain.weeks import parse_week, weeks_of
from nflscores.settings import Settings
from nflscores.store import keys
from nflscores.web.app import create_app
from nflscores.web.appkeys import WEEKS
from nflscores.web.live import STATIC_DIR
from nflscores.web.routes import ROUTES
from tests.live_support import live_xml
from tests.support import Client, MakeClient, free_port, until
from tests.upstream import ScriptedUpstream

WEEK_1 = ("2015", "REG", "1")
WEEK_3 = ("2015", "REG", "3")
LIVE_WEEK = ("2014", "REG", "10")


async def test_finished_week_is_served_from_redis_without_upstream_request(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream, redis_url: str
) -> None:
    """A finished week fetched once is served from Redis by a fresh process, not refetched."""
    first = await aiohttp_client(create_app(settings))
    response = await first.get("/api/2015/1")
    assert response.status == 200
    assert response.headers["X-Cache"] == "MISS"
    body = await response.read()

    second = await aiohttp_client(create_app(settings))  # a new process: no local copy
    again = await second.get("/api/2015/1")
    assert again.headers["X-Cache"] == "HIT"
    assert await again.read() == body
    assert scripted.requests[WEEK_1] == 1
    stored = await aioredis.Redis.from_url(redis_url).get(keys.week_key(parse_week(2015, "1")))
    assert isinstance(stored, bytes)
    assert stored.endswith(body)


async def test_week_json_has_the_api_shape(client: Client) -> None:
    """GET /api/2015/1 returns docs/api.md's fields, games sorted by kickoff then id."""
    response = await client.get("/api/2015/1")
    data = await response.json()
    assert (data["season"], data["season_type"], data["week"], data["slug"]) == (
        2015,
        "REG",
        1,
        "1",
    )
    assert data["updated_at"].endswith("Z")
    games = data["games"]
    assert len(games) == 16
    order = [(g["kickoff"], g["id"]) for g in games]
    assert order == sorted(order)
    overtime = next(g for g in games if g["id"] == "2015091301")
    assert overtime["status"] == "final_overtime"
    assert (overtime["home"]["team"], overtime["home"]["score"]) == ("STL", 34)
    assert (overtime["away"]["team"], overtime["away"]["score"]) == ("SEA", 31)
    assert response.headers["Content-Type"].startswith("application/json")


async def test_ten_concurrent_requests_for_an_uncached_week_make_one_upstream_request(
    client: Client, scripted: ScriptedUpstream
) -> None:
    """Concurrent misses in one process wait on a single upstream fetch."""
    scripted.delay_s = 0.15
    responses = await asyncio.gather(*(client.get("/api/2015/3") for _ in range(10)))
    assert [r.status for r in responses] == [200] * 10
    bodies = {await r.read() for r in responses}
    assert len(bodies) == 1
    assert scripted.requests[WEEK_3] == 1


async def test_concurrent_misses_across_processes_make_one_upstream_request(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream
) -> None:
    """Two app instances (as two gunicorn workers) on one Redis share one upstream fetch."""
    scripted.delay_s = 0.15
    apps = [await aiohttp_client(create_app(settings)) for _ in range(3)]
    responses = await asyncio.gather(*(app.get("/api/2015/3") for app in apps for _ in range(4)))
    assert [r.status for r in responses] == [200] * 12
    assert scripted.requests[WEEK_3] == 1


async def test_a_miss_that_gets_the_lock_after_another_process_fetched_uses_its_copy(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream
) -> None:
    """The race behind a second fetch: B misses, A fetches, stores and lets go, B locks.

    B then finds A's copy in the store under the lock and asks the upstream nothing.
    """
    first, second = [await aiohttp_client(create_app(settings)) for _ in range(2)]
    response = await first.get("/api/2015/3")
    assert response.status == 200
    # B's miss happened before A stored; what B does next is take the lock and fetch.
    entry = await second.app[WEEKS]._fetch_once(parse_week(2015, "3"))
    assert entry.body == await response.read()
    assert scripted.requests[WEEK_3] == 1


async def test_live_week_expires_within_seconds(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream
) -> None:
    """A week with a game in play is fresh only for the live lifetime, then refreshed.

    The expired copy is answered at once (STALE) while one refresh runs in the background;
    the next request gets the refreshed copy.
    """
    scripted.bodies[LIVE_WEEK] = live_xml()
    clock = ManualClock()
    app = create_app(dataclasses.replace(settings, live_ttl_s=1), clock=clock)
    client = await aiohttp_client(app)
    first = await client.get("/api/2014/10")
    assert first.headers["X-Cache"] == "MISS"
    assert first.headers["Cache-Control"] == "public, max-age=1"
    assert (await client.get("/api/2014/10")).headers["X-Cache"] == "HIT"
    assert scripted.requests[LIVE_WEEK] == 1
    clock.advance(1.2)
    again = await client.get("/api/2014/10")
    assert again.headers["X-Cache"] == "STALE"
    await until(lambda: scripted.requests[LIVE_WEEK] == 2)

    async def refreshed() -> bool:
        return (await client.get("/api/2014/10")).headers["X-Cache"] == "HIT"

    await until(refreshed)
    assert scripted.requests[LIVE_WEEK] == 2


async def test_finished_week_is_public_for_a_day(client: Client) -> None:
    """Cache-Control of a finished week allows a long public cache."""
    response = await client.get("/api/2015/1")
    assert response.headers["Cache-Control"] == "public, max-age=86400"


async def test_etag_and_if_none_match_give_304(client: Client) -> None:
    """A matching If-None-Match gets 304 without a body; another ETag gets the JSON."""
    response = await client.get("/api/2015/1")
    etag = response.headers["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    not_modified = await client.get("/api/2015/1", headers={"If-None-Match": etag})
    assert not_modified.status == 304
    assert await not_modified.read() == b""
    assert not_modified.headers["ETag"] == etag
    listed = await client.get("/api/2015/1", headers={"If-None-Match": f'"x", W/{etag}'})
    assert listed.status == 304
    changed = await client.get("/api/2015/1", headers={"If-None-Match": '"other"'})
    assert changed.status == 200
    assert await changed.read() == await response.read()


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("fail", 502, "upstream_unavailable"),
        pytest.param("stall", 504, "upstream_timeout", marks=pytest.mark.slow),
        ("garbage", 502, "upstream_bad_xml"),
        ("truncate", 502, "upstream_bad_response"),
        ("not_found", 502, "upstream_bad_response"),
    ],
)
async def test_upstream_failure_without_a_copy_is_a_json_error(
    client: Client, scripted: ScriptedUpstream, mode: str, status: int, code: str
) -> None:
    """Each upstream fault with nothing cached gives docs/api.md's error status and JSON."""
    scripted.mode = mode  # type: ignore[assignment]
    scripted.stall_s = 5.0
    response = await client.get("/api/2015/3")
    assert response.status == status
    error = (await response.json())["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"]


@pytest.mark.parametrize(
    "mode", ["fail", pytest.param("stall", marks=pytest.mark.slow), "garbage", "truncate"]
)
async def test_upstream_failure_with_a_copy_serves_it_stale(
    settings: Settings, aiohttp_client: MakeClient, scripted: ScriptedUpstream, mode: str
) -> None:
    """When the upstream fails and an expired copy exists, the copy is served as STALE."""
    scripted.bodies[LIVE_WEEK] = live_xml()
    clock = ManualClock()
    app = create_app(dataclasses.replace(settings, live_ttl_s=1), clock=clock)
    client = await aiohttp_client(app)
    fresh = await client.get("/api/2014/10")
    body = await fresh.read()
    clock.advance(1.1)
    scripted.mode = mode  # type: ignore[assignment]
    scripted.stall_s = 5.0
    stale = await client.get("/api/2014/10")
    assert stale.status == 200
    assert stale.headers["X-Cache"] == "STALE"
    assert await stale.read() == body


async def test_server_errors_are_retried_but_client_errors_are_not(
    client: Client, scripted: ScriptedUpstream
) -> None:
    """A 5xx is retried (settings allow one retry); a 4xx is final at once."""
    scripted.mode = "fail"
    await client.get("/api/2015/1")
    assert scripted.requests[WEEK_1] == 2
    scripted.mode = "not_found"
    await client.get("/api/2015/3")
    assert scripted.requests[WEEK_3] == 1


async def test_oversized_upstream_body_is_a_bad_response(
    settings: Settings, aiohttp_client: MakeClient
) -> None:
    """A body over the size limit is refused with 502, not parsed."""
    client = await aiohttp_client(create_app(dataclasses.replace(settings, upstream_max_bytes=500)))
    response = await client.get("/api/2015/1")
    assert response.status == 502
    assert (await response.json())["error"]["code"] == "upstream_bad_response"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/15/1", 400, "bad_request"),
        ("/api/abcd/1", 400, "bad_request"),
        ("/api/20155/1", 400, "bad_request"),
        ("/api/2015/abc", 400, "bad_request"),
        ("/api/2015/01", 400, "bad_request"),
        ("/api/2015/pre-", 400, "bad_request"),
        ("/api/2015/1.5", 400, "bad_request"),
        ("/api/2015/-1", 400, "bad_request"),
        ("/api/2015/%00", 400, "bad_request"),
        ("/api/2015/pre-7", 404, "unknown_week"),
        ("/api/2015/18", 404, "unknown_week"),
        ("/api/2015/99", 404, "unknown_week"),
        ("/api/2021/pre-4", 404, "unknown_week"),
        ("/api/1969/1", 404, "unknown_season"),
        ("/api/2999/1", 404, "unknown_season"),
        ("/api/2015/5", 404, "no_games"),
        ("/api/2015/1/extra", 404, "not_found"),
        ("/nowhere", 404, "not_found"),
        ("/api/?season=15", 400, "bad_request"),
        ("/api/?season=1900", 404, "unknown_season"),
    ],
)
async def test_malformed_and_unknown_requests_get_json_errors(
    client: Client, path: str, status: int, code: str
) -> None:
    """Every malformed or unknown season or week is a JSON 400 or 404, never a 500."""
    response = await client.get(path)
    assert response.status == status
    assert response.headers["Content-Type"].startswith("application/json")
    error = (await response.json())["error"]
    assert (error["status"], error["code"]) == (status, code)


async def test_wrong_method_is_a_json_405(client: Client) -> None:
    """POST to a GET route answers 405 JSON with Allow."""
    response = await client.post("/api/2015/1")
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_empty_week_is_remembered_as_no_games(
    client: Client, scripted: ScriptedUpstream
) -> None:
    """A week the upstream has no games for is a 404 that does not hit the upstream again."""
    assert (await client.get("/api/2015/5")).status == 404
    assert (await client.get("/api/2015/5")).status == 404
    assert scripted.requests[("2015", "REG", "5")] == 1


async def test_index_lists_endpoints_and_a_seasons_weeks(client: Client, redis_url: str) -> None:
    """GET /api/ describes the service; ?season= lists its week slugs and summary."""
    index = await (await client.get("/api/")).json()
    assert index["service"] == "nflscores"
    assert index["endpoints"]["week"] == "/api/{season}/{week}"
    season = await (await client.get("/api/?season=2015")).json()
    assert season["weeks"] == [ref.slug for ref in weeks_of(2015)]
    assert season["weeks"][:6] == ["pre-0", "pre-1", "pre-2", "pre-3", "pre-4", "1"]
    assert season["weeks"][-1] == "superbowl"
    assert season["summary"] is None
    await aioredis.Redis.from_url(redis_url).set(keys.season_summary_key(2015), b'{"games":3}')
    season = await (await client.get("/api/?season=2015")).json()
    assert season["summary"] == {"games": 3}


async def test_health_and_readiness(client: Client) -> None:
    """/healthz answers 200; /readyz answers 200 while Redis answers."""
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200


@pytest.mark.slow
async def test_redis_down_serves_from_upstream_then_503(
    upstream_url: str, aiohttp_client: MakeClient, scripted: ScriptedUpstream
) -> None:
    """Without Redis the upstream still answers (MISS); with both down it is a JSON 503."""
    dead = Settings(
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        upstream_url=upstream_url,
        upstream_timeout_s=1.0,
        upstream_retries=0,
    )
    client = await aiohttp_client(create_app(dead))
    ok = await client.get("/api/2015/1")
    assert ok.status == 200
    assert ok.headers["X-Cache"] == "MISS"
    not_ready = await client.get("/readyz")
    assert not_ready.status == 503
    assert (await not_ready.json())["error"]["code"] == "unavailable"
    scripted.mode = "fail"
    down = await client.get("/api/2015/3")
    assert down.status == 503
    assert (await down.json())["error"]["code"] == "unavailable"


async def test_openapi_document_describes_the_api(client: Client) -> None:
    """GET /api/openapi.json is an OpenAPI 3.1 document naming every endpoint."""
    document = loads(await (await client.get("/api/openapi.json")).read())
    assert document["openapi"] == "3.1.0"
    assert {"/api/", "/api/{season}/{week}", "/api/livescore", "/healthz", "/readyz"} <= set(
        document["paths"]
    )


async def test_every_route_is_listed_and_documented(client: Client) -> None:
    """The index lists and the OpenAPI document describes every route of the one table."""
    index = loads(await (await client.get("/api/")).read())
    document = loads(await (await client.get("/api/openapi.json")).read())
    for route in ROUTES:
        assert route.path in document["paths"], route.name
        if route.listed:
            assert index["endpoints"][route.name] == route.path


async def test_the_schema_names_every_field_the_models_write(client: Client) -> None:
    """Week, Game and Side in the OpenAPI document have exactly the keys the models write."""
    schemas = loads(await (await client.get("/api/openapi.json")).read())["components"]["schemas"]
    week = loads(await (await client.get("/api/2015/3")).read())
    game = week["games"][0]
    assert set(schemas["Week"]["properties"]) == set(week)
    assert set(schemas["Game"]["properties"]) - {"raw_status"} == set(game) - {"raw_status"}
    assert set(schemas["Side"]["properties"]) == set(game["home"])
    assert set(schemas["Game"]["required"]) == set(game) - {"raw_status"}


async def test_the_page_files_are_served_by_name_and_nothing_else_is(client: Client) -> None:
    """`/static/app.js` is the package's file, kept an hour; any other name is a JSON 404."""
    script = await client.get("/static/app.js")
    assert script.status == 200
    assert await script.read() == (STATIC_DIR / "app.js").read_bytes()
    assert script.headers["Cache-Control"] == "public, max-age=3600"
    for path in ("/static/nothing.css", "/static/%2e%2e%2fpyproject.toml", "/static/..%2fapp.py"):
        missing = await client.get(URL(path, encoded=True))
        assert missing.status == 404, path
        assert (await missing.json())["error"]["code"] == "not_found", path
