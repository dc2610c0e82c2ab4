"""The week API in ESPN mode end to end: real app, real Redis, a real ESPN-speaking upstream."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from nflscores import __version__
from nflscores.cache.entries import WeekCache
from nflscores.cache.season import fetch_season
from nflscores.domain.clock import ManualClock
from nflscores.settings import Settings
from nflscores.sources.base import open_source
from nflscores.store import RedisBackend
from nflscores.web.app import create_app
from tests.espn_support import changed
from tests.espn_upstream import EspnUpstream
from tests.support import Client, MakeClient, until

WEEK_5 = ("2022", "2", "5")


async def test_a_week_is_read_from_espn_and_served_from_the_cache(
    espn_client: Client, espn: EspnUpstream
) -> None:
    """GET /api/2022/5 asks ESPN once for that week and answers the second time from cache."""
    first = await espn_client.get("/api/2022/5")
    assert first.status == 200
    assert first.headers["X-Cache"] == "MISS"
    data = await first.json()
    assert (data["source"], data["season"], data["season_type"], data["slug"]) == (
        "espn",
        2022,
        "REG",
        "5",
    )
    assert len(data["games"]) == 13
    assert data["byes"] == ["ARI", "BAL", "CAR", "CIN", "DAL", "PHI"]
    again = await espn_client.get("/api/2022/5")
    assert again.headers["X-Cache"] == "HIT"
    assert await again.json() == data
    assert espn.requests == {WEEK_5: 1}


async def test_games_have_the_richer_fields(espn_client: Client) -> None:
    """A game in play carries its situation, line scores, records and venue; ids are known."""
    data = await (await espn_client.get("/api/2022/5")).json()
    game = next(g for g in data["games"] if g["id"] == "espn-401990005")
    assert (game["status"], game["quarter"], game["clock"]) == ("in_progress", 3, "04:07")
    assert (game["possession"], game["red_zone"]) == ("CHI", True)
    assert game["situation"]["text"] == "2nd & Goal at MIN 4"
    assert game["ids"] == {"eid": None, "gsis": None, "espn": "401990005"}
    assert (game["home"]["linescore"], game["home"]["record"]) == ([7, 14, 0], "3-1")
    assert game["venue"] == {"name": "Stadium", "city": "City", "neutral_site": False}


@pytest.mark.parametrize(
    ("path", "query", "slug"),
    [
        ("/api/2021/pre-0", ("2021", "1", "1"), "pre-0"),
        ("/api/2015/10", ("2015", "2", "10"), "10"),
        ("/api/2019/wildcard", ("2019", "3", "1"), "wildcard"),
        ("/api/2021/probowl", ("2021", "3", "4"), "probowl"),
        ("/api/2025/superbowl", ("2025", "3", "5"), "superbowl"),
    ],
)
async def test_each_slug_asks_espn_for_its_season_type_and_week(
    espn_client: Client, espn: EspnUpstream, path: str, query: tuple[str, str, str], slug: str
) -> None:
    """The API's slugs become ESPN's dates, seasontype and week numbers."""
    response = await espn_client.get(path)
    assert response.status == 200
    assert (await response.json())["slug"] == slug
    assert espn.requests == {query: 1}


async def test_the_index_names_the_source(espn_client: Client, client: Client) -> None:
    """GET /api/ says which upstream format the service reads."""
    assert (await (await espn_client.get("/api/")).json())["source"] == "espn"
    assert (await (await client.get("/api/")).json())["source"] == "scorestrip"


async def test_requests_name_the_service(espn_client: Client, espn: EspnUpstream) -> None:
    """Every request to ESPN carries a User-Agent naming the service and asks for JSON."""
    await espn_client.get("/api/2022/5")
    assert espn.headers[0]["User-Agent"].startswith(f"nflscores/{__version__}")
    assert espn.headers[0]["Accept"] == "application/json"


async def test_an_empty_week_is_no_games(espn_client: Client) -> None:
    """A week ESPN lists no events for is docs/api.md's 404."""
    response = await espn_client.get("/api/2022/7")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "no_games"


def _year_as_text(data: dict[str, object]) -> None:
    data["season"] = {"year": "2022", "type": 2}


def _no_events(data: dict[str, object]) -> None:
    del data["events"]


@pytest.mark.parametrize(
    ("change", "logged"),
    [
        (_year_as_text, "'year' of the scoreboard's season is a string, not a number"),
        (_no_events, "the scoreboard has no 'events'"),
    ],
)
async def test_schema_drift_is_a_502_with_a_log_line_naming_it(
    espn_client: Client,
    espn: EspnUpstream,
    change: Callable[[dict[str, object]], None],
    logged: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A scoreboard that changed shape is a 502 upstream_bad_response and a log line saying how."""
    espn.bodies[WEEK_5] = changed("2022-REG-05-live.json", change)
    with caplog.at_level(logging.WARNING, logger="nflscores.sources.espn"):
        response = await espn_client.get("/api/2022/5")
    assert response.status == 502
    error = (await response.json())["error"]
    assert error["code"] == "upstream_bad_response"
    assert error["message"]
    assert f"ESPN's scoreboard for 2022/REG/5 does not read: {logged}" in caplog.text


async def test_html_instead_of_json_is_a_502(espn_client: Client, espn: EspnUpstream) -> None:
    """An HTML page where the scoreboard should be is a 502 upstream_bad_response."""
    espn.mode = "html"
    response = await espn_client.get("/api/2022/5")
    assert response.status == 502
    assert (await response.json())["error"]["code"] == "upstream_bad_response"


async def test_a_five_megabyte_body_is_refused(espn_client: Client, espn: EspnUpstream) -> None:
    """A 5 MB body is over the default cap: 502 upstream_bad_response, nothing cached."""
    espn.mode = "huge"
    response = await espn_client.get("/api/2022/5")
    assert response.status == 502
    assert (await response.json())["error"]["code"] == "upstream_bad_response"
    espn.mode = "ok"
    assert (await espn_client.get("/api/2022/5")).status == 200


async def test_server_errors_are_retried(espn_client: Client, espn: EspnUpstream) -> None:
    """A 5xx is retried (one retry in the test settings), then a 502 upstream_unavailable."""
    espn.mode = "fail"
    response = await espn_client.get("/api/2022/5")
    assert response.status == 502
    assert (await response.json())["error"]["code"] == "upstream_unavailable"
    assert espn.requests[WEEK_5] == 2


async def test_a_429_is_honoured_until_its_retry_after(
    espn_client: Client, espn: EspnUpstream
) -> None:
    """After a 429 with a long Retry-After, the service asks ESPN nothing until it passes."""
    espn.mode = "throttle"
    response = await espn_client.get("/api/2022/5")
    assert response.status == 502
    error = (await response.json())["error"]
    assert error["code"] == "upstream_unavailable"
    assert espn.total == 1
    espn.mode = "ok"
    again = await espn_client.get("/api/2021/pre-0")
    assert again.status == 502
    assert "Retry-After" in (await again.json())["error"]["message"]
    assert espn.total == 1


@pytest.mark.slow
async def test_a_short_retry_after_is_waited_out(espn_client: Client, espn: EspnUpstream) -> None:
    """A 429 asking for a second's pause is waited out and the retry answers."""
    espn.throttle_next = 1
    espn.retry_after = "1"
    response = await espn_client.get("/api/2022/5")
    assert response.status == 200
    assert espn.total == 2


async def test_failure_with_a_copy_serves_it_stale(
    espn_settings: Settings, aiohttp_client: MakeClient, espn: EspnUpstream
) -> None:
    """When ESPN fails and an expired copy exists, the copy is served as STALE."""
    clock = ManualClock()
    app = create_app(dataclasses.replace(espn_settings, live_ttl_s=1), clock=clock)
    client = await aiohttp_client(app)
    body = await (await client.get("/api/2022/5")).read()
    clock.advance(1.1)
    espn.mode = "fail"
    stale = await client.get("/api/2022/5")
    assert stale.status == 200
    assert stale.headers["X-Cache"] == "STALE"
    assert await stale.read() == body


def week_validator(document: dict[str, Any]) -> jsonschema.protocols.Validator:
    """Return a validator of the OpenAPI document's Week schema."""
    schema = {"$ref": "#/components/schemas/Week", "components": document["components"]}
    validator: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(schema)
    return validator


async def test_both_sources_weeks_match_the_openapi_schema(
    espn_client: Client, client: Client
) -> None:
    """The OpenAPI document describes every field of a week from ESPN and from scorestrip."""
    document = await (await espn_client.get("/api/openapi.json")).json()
    validator = week_validator(document)
    espn_week = await (await espn_client.get("/api/2022/5")).json()
    scorestrip_week = await (await client.get("/api/2015/1")).json()
    for week in (espn_week, scorestrip_week):
        errors = [error.message for error in validator.iter_errors(week)]
        assert errors == []
    del espn_week["games"][0]["situation"]
    assert not validator.is_valid(espn_week)


async def test_openapi_documents_the_id_of_unknown_espn_games(espn_client: Client) -> None:
    """The game id's description says how an ESPN game without an eid is named."""
    document = await (await espn_client.get("/api/openapi.json")).json()
    description = document["components"]["schemas"]["Game"]["properties"]["id"]["description"]
    assert "espn-<ESPN event id>" in description


def _season_2030(data: dict[str, Any]) -> None:
    """Make the live fixture a 2030 week 1 whose calendar has 19 regular weeks."""
    data["season"], data["week"], data["events"] = {"year": 2030, "type": 2}, {"number": 1}, []
    league = data["leagues"][0]
    league["season"]["year"] = 2030
    regular = next(section for section in league["calendar"] if section["value"] == "2")
    extra = dict(regular["entries"][-1], value="19", label="Week 19")
    regular["entries"].append(extra)


async def test_fetch_season_follows_espns_calendar(
    espn_settings: Settings, espn: EspnUpstream, backend: RedisBackend
) -> None:
    """A season whose calendar has 19 regular weeks is fetched as 19, its wild card after."""
    espn.bodies[("2030", "2", "1")] = changed("2022-REG-05-live.json", _season_2030)
    async with open_source(espn_settings) as source:
        summary = await fetch_season(
            2030,
            upstream=source,
            cache=WeekCache(backend, espn_settings),
            backend=backend,
            concurrency=4,
        )
    assert summary.weeks == 4 + 19 + 5
    assert summary.failed_weeks == {}
    assert espn.requests[("2030", "2", "19")] == 1
    assert espn.requests[("2030", "3", "1")] == 1
    assert ("2030", "1", "1") in espn.requests


async def test_an_expired_week_is_asked_for_conditionally(
    espn_settings: Settings, aiohttp_client: MakeClient, espn: EspnUpstream
) -> None:
    """Refreshing an expired week (in the background) sends ESPN's ETag back; its 304 keeps it."""
    espn.validators = True
    clock = ManualClock()
    app = create_app(dataclasses.replace(espn_settings, live_ttl_s=1), clock=clock)
    client = await aiohttp_client(app)
    first = await (await client.get("/api/2022/5")).json()
    clock.advance(1.1)
    again = await client.get("/api/2022/5")
    assert again.status == 200
    assert again.headers["X-Cache"] == "STALE"  # answered at once; the refresh runs behind
    await until(lambda: espn.not_modified == 1)
    refreshed = await client.get("/api/2022/5")
    assert refreshed.headers["X-Cache"] == "HIT"
    assert (await refreshed.json())["games"] == first["games"]
    assert "If-None-Match" not in espn.headers[0]
    assert espn.headers[1]["If-None-Match"].startswith('"')


def _real_espn_id(data: dict[str, Any]) -> None:
    """Give the fixture's NO at ATL the ESPN id of the real 2022 week 1 NO at ATL."""
    event = next(e for e in data["events"] if e["id"] == "401990003")
    event["id"] = event["competitions"][0]["id"] = "401437650"


async def test_a_game_the_history_knows_is_served_under_its_eid(
    espn_client: Client, espn: EspnUpstream
) -> None:
    """An ESPN game the packaged history maps gets its scorestrip eid as id, and its gsis."""
    espn.bodies[WEEK_5] = changed("2022-REG-05-live.json", _real_espn_id)
    data = await (await espn_client.get("/api/2022/5")).json()
    # nflverse's games.csv: 2022_01_NO_ATL, old_game_id 2022091100, gsis 58839, espn 401437650.
    game = next(g for g in data["games"] if g["ids"]["espn"] == "401437650")
    assert (game["id"], game["gsis"]) == ("2022091100", 58839)
    assert game["ids"] == {"eid": "2022091100", "gsis": 58839, "espn": "401437650"}
    others = [g["id"] for g in data["games"] if g is not game]
    assert all(game_id.startswith("espn-4019900") for game_id in others)
