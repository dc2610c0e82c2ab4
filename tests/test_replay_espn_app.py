"""The replay's ESPN scoreboard over HTTP: every query form, bad queries, the live day on the
admin clock beside ss.xml, and the faults."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from nflscores.domain.encoding import loads
from nflscores.domain.weeks import WeekRef, find_week
from nflscores.replay import data
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.sources.scorestrip import parse_scorestrip
from tests.support import Client, MakeClient, free_port, nflscores_command, running

BOARD = "/apis/site/v2/sports/football/nfl/scoreboard"
LIVE_PATH = "/liveupdate/scorestrip/ss.xml"
FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
#: What ESPN's status says for each API status the scorestrip parser gives.
STATUS = {
    "scheduled": "pre",
    "in_progress": "in",
    "halftime": "in",
    "final": "post",
    "final_overtime": "post",
}


def week(season: int, season_type: str, number: int) -> WeekRef:
    """Return a week that exists."""
    ref = find_week(season, season_type, number)
    assert ref is not None
    return ref


@pytest.fixture
async def client(aiohttp_client: MakeClient) -> Client:
    """Return a client of a replay app with no live week and no faults."""
    return await aiohttp_client(create_replay_app(ReplayConfig()))


async def live_client(aiohttp_client: MakeClient, ref: WeekRef, **options: float) -> Client:
    """Return a client of a replay app replaying `ref` as live."""
    return await aiohttp_client(create_replay_app(ReplayConfig(live=ref, **options)))  # type: ignore[arg-type]


async def board(client: Client, query: str = "") -> dict[str, Any]:
    """Return the scoreboard JSON for a query, checking it is a 200 JSON answer."""
    response = await client.get(f"{BOARD}{query}")
    assert response.status == 200
    assert response.content_type == "application/json"
    body: dict[str, Any] = loads(await response.read())
    return body


async def set_minute(client: Client, minute: float) -> None:
    """Freeze the virtual clock at a minute from the first kickoff."""
    assert (await client.post(f"/_replay/clock?minute={minute}&freeze=1")).status == 200


def scores(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Return (home, away) scores by event id."""
    result = {}
    for event in body["events"]:
        sides = {c["homeAway"]: c for c in event["competitions"][0]["competitors"]}
        result[event["id"]] = (sides["home"]["score"], sides["away"]["score"])
    return result


async def test_week_query_serves_the_week_as_it_ended(client: Client) -> None:
    """`?dates=2015&seasontype=2&week=12` lists the week's 16 games, final, with the header."""
    body = await board(client, "?dates=2015&seasontype=2&week=12")
    assert (body["season"], body["week"]["number"]) == ({"type": 2, "year": 2015}, 12)
    assert len(body["events"]) == 16
    assert {e["status"]["type"]["name"] for e in body["events"]} == {"STATUS_FINAL"}
    assert body["leagues"][0]["season"]["year"] == 2015
    assert {part["value"] for part in body["leagues"][0]["calendar"]} == {"1", "2", "3", "4"}
    assert "teamsOnBye" not in body["week"]  # all 32 clubs played
    byes = (await board(client, "?dates=2015&seasontype=2&week=5"))["week"]["teamsOnBye"]
    assert sorted(t["abbreviation"] for t in byes) == ["CAR", "MIA", "MIN", "NYJ"]


@pytest.mark.parametrize(
    ("query", "season_type", "count"),
    [
        ("?dates=2014&seasontype=1&week=1", 1, 1),  # the Hall of Fame game
        ("?dates=2021&seasontype=3&week=1", 3, 6),  # the first six-game wild card weekend
        ("?dates=2015&seasontype=3&week=5", 3, 1),  # Super Bowl 50
        ("?dates=2015&seasontype=3&week=4", 3, 0),  # the Pro Bowl: no game in the data
        ("?dates=2003&seasontype=1&week=2", 1, 0),  # a preseason the data does not list
    ],
)
async def test_week_query_numbers_weeks_as_espn_does(
    client: Client, query: str, season_type: int, count: int
) -> None:
    """Preseason 1 is the Hall of Fame week, postseason 1-5 the rounds; weeks without games in
    the data answer with no events."""
    body = await board(client, query)
    assert body["season"]["type"] == season_type
    assert len(body["events"]) == count


async def test_week_query_of_a_week_the_season_lacks_has_no_events(client: Client) -> None:
    """Week 18 of 2015 (a 17-week season) is a scoreboard without events, not an error."""
    body = await board(client, "?dates=2015&seasontype=2&week=18")
    assert (body["events"], body["week"]) == ([], {"number": 18})


async def test_day_query_serves_that_days_games(client: Client) -> None:
    """`?dates=20151126` is Thanksgiving 2015: three games of week 12; a day without games
    in the season names its calendar week, and one in the off season ESPN's off season."""
    body = await board(client, "?dates=20151126")
    assert (body["season"]["year"], body["week"]["number"]) == (2015, 12)
    assert [e["shortName"] for e in body["events"]] == ["PHI @ DET", "CAR @ DAL", "CHI @ GB"]
    tuesday = await board(client, "?dates=20151124")
    assert (tuesday["events"], tuesday["week"]["number"]) == ([], 11)  # week 12 starts Wednesday
    june = await board(client, "?dates=20160615")
    assert (june["events"], june["season"]) == ([], {"type": 4, "year": 2015})


@pytest.mark.parametrize(
    "query",
    [
        "?dates=15&seasontype=2&week=1",
        "?dates=2015&seasontype=4&week=1",
        "?dates=2015&seasontype=2",
        "?dates=2015&seasontype=2&week=one",
        "?dates=20151332",
        "?seasontype=2&week=1",
        "?dates=2015-11-26",
        "?dates=20151126&week=3",
    ],
)
async def test_malformed_query_is_a_json_400(client: Client, query: str) -> None:
    """A query that is neither a week, a day nor empty is a 400 JSON error, never a 500."""
    response = await client.get(f"{BOARD}{query}")
    assert response.status == 400
    assert response.content_type == "application/json"
    assert loads(await response.read())["error"]["code"] == "bad_request"


async def test_no_query_without_a_live_week_has_nothing_on(client: Client) -> None:
    """Without `--live` the current scoreboard has no events."""
    assert await board(client) == {"leagues": [], "events": []}


async def test_no_query_is_the_live_week_and_matches_its_week_query(
    aiohttp_client: MakeClient,
) -> None:
    """Without a query the scoreboard is the live week at the virtual now: the same bytes as
    its week query, and as its day query for that day's games."""
    client = await live_client(aiohttp_client, week(2015, "REG", 12))
    await set_minute(client, 150)
    current = await (await client.get(BOARD)).read()
    assert current == await (await client.get(f"{BOARD}?dates=2015&seasontype=2&week=12")).read()
    live = loads(current)
    day = await board(client, "?dates=20151126")
    assert {e["id"]: e for e in day["events"]}.items() <= {
        e["id"]: e for e in live["events"]
    }.items()
    states = {e["status"]["type"]["state"] for e in live["events"]}
    assert states == {"in", "pre"}


async def test_live_espn_scoreboard_tells_the_same_moment_as_ss_xml(
    aiohttp_client: MakeClient,
) -> None:
    """At each frozen minute through Sunday, the ESPN scoreboard and ss.xml (through the
    project's scorestrip parser) give every game the same scores, status, quarter, clock,
    possession and red zone."""
    ref = week(2015, "REG", 12)
    client = await live_client(aiohttp_client, ref, seed=3)
    by_espn = {g.espn_id: g for g in data.games_of(ref)}
    sunday = 3 * 24 * 60 + 30  # the Sunday 1 pm games, from the Thursday 12:30 kickoff
    seen = set()
    for minute in [-5, 30, 100, 200, *range(sunday, sunday + 200, 7)]:
        await set_minute(client, minute)
        feed = parse_scorestrip(await (await client.get(LIVE_PATH)).read(), fetched_at=FETCHED)
        games = {g.id: g for g in feed.games}
        espn = await board(client)
        for event in espn["events"]:
            game = games[by_espn[event["id"]].eid]
            status = event["status"]
            seen.add(game.status)
            assert status["type"]["state"] == STATUS[game.status]
            sides = {c["homeAway"]: c for c in event["competitions"][0]["competitors"]}
            expected = (game.home.score or 0, game.away.score or 0)
            assert (int(sides["home"]["score"]), int(sides["away"]["score"])) == expected
            situation = event["competitions"][0].get("situation")
            if game.status == "in_progress":
                assert status["period"] == game.quarter
                assert f"{status['clock'] // 60:02.0f}:{status['clock'] % 60:02.0f}" == game.clock
                holder = sides["home"] if game.possession == game.home.team else sides["away"]
                assert situation["possession"] == holder["team"]["id"]
                assert situation["isRedZone"] == game.red_zone
            else:
                assert situation is None
    assert {"scheduled", "in_progress", "halftime", "final"} <= seen


@pytest.mark.parametrize(("switch", "status"), [("_fail=1", 503), ("_fail=502", 502)])
async def test_fail_switch_applies_to_the_scoreboard(
    client: Client, switch: str, status: int
) -> None:
    """`_fail` fails one scoreboard request with a 5xx; the next one is served."""
    assert (await client.get(f"{BOARD}?dates=2015&seasontype=2&week=3&{switch}")).status == status
    assert (await client.get(f"{BOARD}?dates=2015&seasontype=2&week=3")).status == 200
    assert (await client.get(f"{BOARD}?{switch}")).status == status


async def test_truncate_switch_cuts_the_scoreboard_body(client: Client) -> None:
    """`_truncate=1` announces the whole length, sends part of the JSON and drops the line."""
    whole = await (await client.get(f"{BOARD}?dates=2015&seasontype=2&week=3")).read()
    response = await client.get(f"{BOARD}?dates=2015&seasontype=2&week=3&_truncate=1")
    assert int(response.headers["Content-Length"]) == len(whole)
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()


async def test_fault_rate_fails_the_scoreboard_too(aiohttp_client: MakeClient) -> None:
    """With fail_rate=1 the scoreboard answers 503 unless `_fail=0` asks otherwise."""
    client = await aiohttp_client(create_replay_app(ReplayConfig(fail_rate=1)))
    assert (await client.get(f"{BOARD}?dates=2015&seasontype=2&week=3")).status == 503
    assert (await client.get(f"{BOARD}?dates=2015&seasontype=2&week=3&_fail=0")).status == 200


async def test_malformed_fault_switch_on_the_scoreboard_is_a_400(client: Client) -> None:
    """A bad `_latency_ms` on the scoreboard is a 400 JSON error."""
    response = await client.get(f"{BOARD}?_latency_ms=soon")
    assert response.status == 400
    assert loads(await response.read())["error"]["code"] == "bad_request"


async def test_the_same_seed_serves_the_same_live_scoreboard(aiohttp_client: MakeClient) -> None:
    """Two replays with one seed serve the same bytes at one frozen minute; another seed
    differs in the path but not in the week's finals."""
    bodies = []
    for seed in (4, 4, 5):
        client = await live_client(aiohttp_client, week(2015, "REG", 12), seed=seed)
        await set_minute(client, 100)
        bodies.append(await (await client.get(BOARD)).read())
    assert bodies[0] == bodies[1] != bodies[2]


def fetch(url: str) -> bytes:
    """Return the body of a plain GET."""
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


@pytest.mark.slow
def test_cli_serves_the_espn_scoreboard_as_a_real_process() -> None:
    """`nflscores upstream --live 2015/REG/3` serves a week, a day and the live scoreboard."""
    port = free_port()
    argv = nflscores_command("upstream", "--port", str(port), "--live", "2015/REG/3")
    with running(argv, port=port):
        base = f"http://127.0.0.1:{port}{BOARD}"
        week_one = loads(fetch(f"{base}?dates=2015&seasontype=2&week=1"))
        assert len(week_one["events"]) == 16
        assert [e["shortName"] for e in loads(fetch(f"{base}?dates=20150910"))["events"]] == [
            "PIT @ NE"
        ]
        live = loads(fetch(base))
        assert (live["season"]["year"], live["week"]["number"]) == (2015, 3)
