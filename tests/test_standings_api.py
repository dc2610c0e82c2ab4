"""Standings and club seasons over HTTP: real Redis, the replay upstream serving every real game."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import icalendar
import jsonschema
import pytest
import redis.asyncio as aioredis

from nflscores.domain.encoding import loads
from nflscores.domain.weeks import find_week
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.replay.data import all_games
from nflscores.settings import Settings
from nflscores.store import keys
from nflscores.web.app import create_app
from tests.support import Client, MakeClient, MakeServer, free_port
from tests.upstream import ScriptedUpstream

#: Slow: whole seasons built from the replay.
pytestmark = pytest.mark.slow


def _settings(redis_url: str, upstream_url: str, **options: Any) -> Settings:
    return Settings(
        redis_url=redis_url,
        upstream_url=upstream_url,
        upstream_timeout_s=5.0,
        upstream_connect_timeout_s=0.5,
        upstream_retries=0,
        **options,
    )


async def _replay(aiohttp_server: MakeServer, config: ReplayConfig | None = None) -> str:
    server = await aiohttp_server(create_replay_app(config or ReplayConfig()))
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def api(redis_url: str, aiohttp_server: MakeServer, aiohttp_client: MakeClient) -> Client:
    """Return a client of the real app on real Redis, the replay upstream behind it."""
    upstream = await _replay(aiohttp_server)
    return await aiohttp_client(create_app(_settings(redis_url, upstream)))


async def _json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return loads(await response.read())


def _lines(standings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        line["team"]: line
        for conference in standings["conferences"]
        for division in conference["divisions"]
        for line in division["teams"]
    }


def _division(standings: dict[str, Any], name: str) -> list[str]:
    for conference in standings["conferences"]:
        for division in conference["divisions"]:
            if division["name"] == name:
                return [line["team"] for line in division["teams"]]
    raise AssertionError(name)


async def test_finished_season_standings_follow_the_league(api: Client) -> None:
    """2002: the whole season counts, the AFC East three-way tie goes NYJ, NE, MIA."""
    body = await _json(api, "/api/2002/standings")
    assert (body["season"], body["through"], body["complete"]) == (2002, "17", True)
    assert [c["name"] for c in body["conferences"]] == ["AFC", "NFC"]
    assert _division(body, "AFC East") == ["NYJ", "NE", "MIA", "BUF"]
    nyj = _lines(body)["NYJ"]
    assert (nyj["wins"], nyj["losses"], nyj["ties"], nyj["pct"]) == (9, 7, 0, 0.5625)
    assert (nyj["division_rank"], nyj["seed"], nyj["tiebreak_unresolved"]) == (1, 4, False)
    assert set(nyj) == {
        "team", "wins", "losses", "ties", "pct", "points_for", "points_against", "net_points",
        "division_record", "conference_record", "home_record", "away_record", "streak",
        "division_rank", "seed", "tiebreak_unresolved",
    }  # fmt: skip
    assert len(_lines(body)) == 32


async def test_finished_season_standings_are_cached_like_a_final_week(
    api: Client, redis_url: str, aiohttp_client: MakeClient
) -> None:
    """Stored with the final lifetime; another process serves them with the upstream down."""
    first = await api.get("/api/2010/standings")
    assert first.status == 200
    assert first.headers["X-Cache"] == "MISS"
    assert first.headers["Cache-Control"] == "public, max-age=86400"
    again = await api.get("/api/2010/standings")
    assert again.headers["X-Cache"] == "HIT"
    assert again.headers["ETag"] == first.headers["ETag"]
    not_modified = await api.get(
        "/api/2010/standings", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert not_modified.status == 304

    store = aioredis.Redis.from_url(redis_url)
    ttl_ms = await store.pttl(keys.standings_key(2010, None))
    await store.aclose()
    assert ttl_ms > (keys.FINAL_TTL_S - 3600) * 1000

    dead = f"http://127.0.0.1:{free_port()}"
    other = await aiohttp_client(create_app(_settings(redis_url, dead)))
    served = await other.get("/api/2010/standings")
    assert served.status == 200
    assert served.headers["X-Cache"] == "HIT"
    assert await served.read() == await first.read()


async def test_standings_through_a_week_count_only_those_weeks(api: Client) -> None:
    """?through=5 counts weeks 1-5 only, and is a different copy from the whole season."""
    body = await _json(api, "/api/2015/standings?through=5")
    assert (body["through"], body["complete"]) == ("5", True)
    played = {line["wins"] + line["losses"] + line["ties"] for line in _lines(body).values()}
    assert played <= {4, 5}
    whole = await _json(api, "/api/2015/standings")
    assert whole["through"] == "17"
    assert {line["wins"] + line["losses"] for line in _lines(whole).values()} == {16}


async def test_default_through_is_the_last_week_with_a_final(api: Client) -> None:
    """A season still being played counts up to its last week with a final game."""
    played = [g for g in all_games() if g.season == 2025 and g.game_type == "REG" and g.played]
    last = max(game.week for game in played)
    body = await _json(api, "/api/2025/standings")
    assert body["through"] == str(last)
    counted = [g for g in all_games() if g.season == 2025 and g.game_type == "REG"]
    assert body["complete"] == all(g.played for g in counted if g.week <= last)
    total = sum(line["wins"] + line["losses"] + line["ties"] for line in _lines(body).values())
    assert total == 2 * len(played)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/2015/standings?through=pre-2", 400, "bad_request"),
        ("/api/2015/standings?through=wildcard", 400, "bad_request"),
        ("/api/2015/standings?through=18", 400, "bad_request"),
        ("/api/2015/standings?through=x", 400, "bad_request"),
        ("/api/20x5/standings", 400, "bad_request"),
        ("/api/1969/standings", 404, "unknown_season"),
        ("/api/1998/standings", 404, "unknown_season"),
        ("/api/2015/teams/XYZ", 404, "unknown_team"),
        ("/api/2001/teams/HOU", 404, "unknown_team"),
        ("/api/2001/teams/HOU.ics", 404, "unknown_team"),
        ("/api/2015/teams/N3", 400, "bad_request"),
        ("/api/1998/teams/NE", 404, "unknown_season"),
    ],
)
async def test_bad_requests_are_json_errors(api: Client, path: str, status: int, code: str) -> None:
    """A through outside the regular season is a 400, an unknown season or club a 404."""
    body = await _json(api, path, status)
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code


async def test_a_season_without_games_is_not_found(api: Client) -> None:
    """A season the upstream lists no games for has no standings (404 no_games)."""
    body = await _json(api, f"/api/{datetime.now().year + 1}/standings", 404)
    assert body["error"]["code"] == "no_games"


async def test_upstream_failure_without_a_copy_is_a_502(
    redis_url: str, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> None:
    """With nothing cached and the upstream failing, the standings are a JSON 502."""
    scripted = ScriptedUpstream(mode="fail")
    server = await aiohttp_server(scripted.app())
    client = await aiohttp_client(
        create_app(_settings(redis_url, str(server.make_url("")).rstrip("/")))
    )
    body = await _json(client, "/api/2015/standings", 502)
    assert body["error"]["status"] == 502


async def test_any_code_of_a_club_finds_its_season(api: Client) -> None:
    """JAX and JAC both name the Jaguars; the answer uses the season's code."""
    old = await _json(api, "/api/2015/teams/JAX")
    assert old["team"] == "JAC"
    new = await _json(api, "/api/2016/teams/jac")
    assert new["team"] == "JAX"
    assert (await _json(api, "/api/2016/teams/STL"))["team"] == "LA"


async def test_club_season_lists_every_game_with_its_result(api: Client) -> None:
    """2015 NE: four preseason, sixteen regular-season and two playoff games, record 12-4."""
    body = await _json(api, "/api/2015/teams/NE")
    assert body["record"] == {"wins": 12, "losses": 4, "ties": 0}
    assert body["standing"]["team"] == "NE"
    assert body["standing"]["seed"] == 2
    slugs = [game["slug"] for game in body["games"]]
    assert [s for s in slugs if s.startswith("pre-")] == ["pre-1", "pre-2", "pre-3", "pre-4"]
    assert [s for s in slugs if s.isdigit()] == [str(n) for n in range(1, 18) if n != 4]
    assert [s for s in slugs if not s.isdigit() and not s.startswith("pre-")] == [
        "divisional",
        "conference",
    ]
    results = [game["result"] for game in body["games"] if game["slug"].isdigit()]
    assert (results.count("W"), results.count("L")) == (12, 4)
    week1 = next(game for game in body["games"] if game["slug"] == "1")
    assert (week1["opponent"], week1["home"], week1["result"]) == ("PIT", True, "W")
    assert week1["score"] == {"for": 28, "against": 21}
    kickoffs = [game["kickoff"] for game in body["games"]]
    assert kickoffs == sorted(kickoffs, key=datetime.fromisoformat)


async def test_club_season_has_etag_and_cache_control(api: Client) -> None:
    """A finished club season: strong ETag, 304 on a match, long Cache-Control."""
    first = await api.get("/api/2015/teams/NE")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=86400"
    again = await api.get("/api/2015/teams/NE", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag


async def test_calendar_feed_round_trips_every_game(api: Client) -> None:
    """The .ics parses with a real iCalendar library: one event per game, kickoff, 3.5 h, score."""
    season = await _json(api, "/api/2015/teams/NE")
    response = await api.get("/api/2015/teams/NE.ics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    raw = await response.read()
    lines = raw.split(b"\r\n")
    assert lines[-1] == b""
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75

    calendar = icalendar.Calendar.from_ical(raw)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == len(season["games"])
    for game in season["games"]:
        event = events[f"{game['id']}@nflscores"]
        start = event.decoded("DTSTART")
        assert start == datetime.fromisoformat(game["kickoff"])
        assert event.decoded("DTEND") - start == timedelta(hours=3, minutes=30)
        summary = str(event["SUMMARY"])
        score = game["score"]
        assert game["opponent"] in summary
        assert "NE" in summary
        if game["result"] is not None:
            assert f" {score['for']} " in summary + " "
            assert f" {score['against']} " in summary + " "
    week1 = events[f"{season['games'][4]['id']}@nflscores"]
    assert str(week1["SUMMARY"]) == "PIT 21 at NE 28 (final)"

    again = await api.get("/api/2015/teams/NE.ics")
    assert await again.read() == raw
    assert again.headers["ETag"] == response.headers["ETag"]
    cached = await api.get(
        "/api/2015/teams/NE.ics", headers={"If-None-Match": again.headers["ETag"]}
    )
    assert cached.status == 304


@pytest.mark.slow
async def test_live_week_standings_follow_each_final(
    redis_url: str, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> None:
    """In a live week only finals count, the copy lives seconds, and a new final then shows."""
    ref = find_week(2015, "REG", 12)
    assert ref is not None
    replay = create_replay_app(ReplayConfig(live=ref))
    upstream = await aiohttp_server(replay)
    admin = await aiohttp_client(upstream)
    client = await aiohttp_client(
        create_app(_settings(redis_url, str(upstream.make_url("")).rstrip("/"), live_ttl_s=1))
    )
    # Thanksgiving 2015: PHI at DET 12:30, CAR at DAL 16:30, CHI at GB 20:30 (minute 0: 12:30).
    assert (await admin.post("/_replay/clock?minute=300&freeze=1")).status == 200

    def games_of(body: dict[str, Any], team: str) -> int:
        line = _lines(body)[team]
        return int(line["wins"] + line["losses"] + line["ties"])

    def before_12(team: str) -> int:
        return sum(
            1
            for g in all_games()
            if g.season == 2015
            and g.game_type == "REG"
            and g.week < 12
            and team in (g.home, g.away)
        )

    response = await client.get("/api/2015/standings?through=12")
    body = loads(await response.read())
    assert (body["through"], body["complete"]) == ("12", False)
    assert int(response.headers["Cache-Control"].rsplit("=", 1)[1]) <= 1
    assert games_of(body, "DET") == before_12("DET") + 1  # final at 15:45 or so
    assert games_of(body, "DAL") == before_12("DAL")  # in progress: not counted yet

    assert (await admin.post("/_replay/clock?minute=480&freeze=1")).status == 200
    for _ in range(100):
        body = loads(await (await client.get("/api/2015/standings?through=12")).read())
        if games_of(body, "DAL") == before_12("DAL") + 1:
            break
        await asyncio.sleep(0.1)
    assert games_of(body, "DAL") == before_12("DAL") + 1


async def test_new_routes_are_in_the_index_and_openapi(api: Client) -> None:
    """The index lists the standings and team routes; OpenAPI documents every status."""
    index = await _json(api, "/api/")
    assert index["endpoints"]["standings"] == "/api/{season}/standings"
    assert index["endpoints"]["team"] == "/api/{season}/teams/{team}"
    assert index["endpoints"]["team_calendar"] == "/api/{season}/teams/{team}.ics"
    document = await _json(api, "/api/openapi.json")
    for path in (
        "/api/{season}/standings",
        "/api/{season}/teams/{team}",
        "/api/{season}/teams/{team}.ics",
    ):
        operation = document["paths"][path]["get"]
        assert {"200", "304", "400", "404", "502", "503", "504"} <= operation["responses"].keys()
        for status in ("400", "404", "502", "503", "504"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}
        patterns = {p["name"]: p["schema"].get("pattern") for p in operation["parameters"]}
        assert patterns["season"] == "^[0-9]{4}$"
    standings = document["paths"]["/api/{season}/standings"]["get"]
    through = next(p for p in standings["parameters"] if p["name"] == "through")
    assert through["in"] == "query"
    assert through["schema"]["pattern"]


async def test_answers_match_their_openapi_schemas(api: Client) -> None:
    """The standings and a club's season validate against the schemas the document gives."""
    document = await _json(api, "/api/openapi.json")

    def check(value: Any, name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        jsonschema.Draft202012Validator(schema).validate(value)

    check(await _json(api, "/api/2016/standings"), "Standings")
    check(await _json(api, "/api/2016/standings?through=3"), "Standings")
    check(await _json(api, "/api/2016/teams/WAS"), "ClubSeason")
