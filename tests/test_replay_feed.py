"""The replay's week feed: every real week served, parsed back by the project's own parser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from nflscores.domain import teams
from nflscores.domain.encoding import loads
from nflscores.domain.models import Game
from nflscores.domain.weeks import WeekRef, find_week, weeks_of
from nflscores.replay import data
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.replay.data import GameRecord
from nflscores.sources.scorestrip import parse_scorestrip
from tests.support import Client, MakeClient, scorestrip_capture

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
EMPTY = b'<?xml version="1.0" encoding="UTF-8"?>\n<ss></ss>\n'


@pytest.fixture
async def client(aiohttp_client: MakeClient) -> Client:
    """Return a client of a replay app with no live week."""
    return await aiohttp_client(create_replay_app(ReplayConfig()))


def attributes(element: etree._Element) -> dict[str, str]:
    """Return an element's attributes as text."""
    return {str(name): str(value) for name, value in element.attrib.items()}


def week_url(ref: WeekRef) -> str:
    """Return the week-feed path of a week."""
    return f"/ajax/scorestrip?season={ref.season}&seasonType={ref.season_type}&week={ref.week}"


def game_elements(body: bytes) -> dict[str, dict[str, str]]:
    """Return the attributes of each <g> of the first <gms>, by eid."""
    gms = etree.fromstring(body).find("gms")
    assert gms is not None
    return {g.get("eid", ""): attributes(g) for g in gms.iterfind("g")}


def assert_game_matches_record(game: Game, record: GameRecord) -> None:
    """Assert a parsed game says what the packaged record says."""
    assert game.id == record.eid
    assert game.gsis == record.gsis
    assert (game.game_type, game.day) == (record.game_type, record.day)
    assert game.kickoff == record.kickoff
    assert (game.home.team, game.away.team) == (record.home, record.away)
    assert game.home.nickname == teams.nickname(record.home, record.season)
    assert game.away.nickname == teams.nickname(record.away, record.season)
    if record.played:
        assert (game.home.score, game.away.score) == (record.home_score, record.away_score)
        assert game.status == ("final_overtime" if record.overtime else "final")
    else:
        assert (game.home.score, game.away.score, game.status) == (None, None, "scheduled")


@pytest.mark.slow
async def test_every_week_of_the_data_round_trips_through_the_parser(client: Client) -> None:
    """Each week 1999-2026 served parses back to exactly the packaged games, in eid order."""
    served = 0
    for season in range(data.seasons().start, data.seasons().stop + 1):
        for ref in weeks_of(season):
            response = await client.get(week_url(ref))
            assert response.status == 200
            body = await response.read()
            week = parse_scorestrip(body, fetched_at=FETCHED, ref=ref)
            records = data.games_of(ref)
            assert [game.id for game in sorted(week.games, key=lambda g: g.id)] == [
                record.eid for record in records
            ]
            for game, record in zip(sorted(week.games, key=lambda g: g.id), records, strict=True):
                assert_game_matches_record(game, record)
            if not records:
                assert body == EMPTY
            served += len(records)
    assert served == len(data.all_games())


@pytest.mark.parametrize("capture", ["2015-REG-01.xml", "2015-REG-03.xml"])
async def test_2015_weeks_match_the_real_captures_game_for_game(
    client: Client, capture: str
) -> None:
    """2015 REG weeks 1 and 3 carry exactly the attributes NFL.com sent, game for game."""
    number = int(capture[9:11])
    response = await client.get(week_url(find_week(2015, "REG", number)))  # type: ignore[arg-type]
    body = await response.read()
    assert game_elements(body) == game_elements(scorestrip_capture(capture))


async def test_2015_week_3_is_byte_identical_to_the_capture(client: Client) -> None:
    """The compact capture of 2015 REG week 3 and the replay's answer are the same bytes."""
    response = await client.get("/ajax/scorestrip?season=2015&seasonType=REG&week=3")
    assert response.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert await response.read() == scorestrip_capture("2015-REG-03.xml")


@pytest.mark.parametrize(
    ("query", "game_type", "games"),
    [
        ("season=2015&seasonType=POST&week=18", "WC", 4),
        ("season=2015&seasonType=POST&week=19", "DIV", 4),
        ("season=2015&seasonType=POST&week=20", "CON", 2),
        ("season=2015&seasonType=POST&week=22", "SB", 1),
        ("season=2021&seasonType=POST&week=19", "WC", 6),
        ("season=2021&seasonType=POST&week=23", "SB", 1),
        ("season=2014&seasonType=PRE&week=0", "PRE", 1),
    ],
)
async def test_postseason_rounds_and_preseason_have_their_gt_and_week(
    client: Client, query: str, game_type: str, games: int
) -> None:
    """POST weeks follow nflscores.domain.weeks (18-22, 19-23 from 2021) with the round's gt."""
    body = await (await client.get(f"/ajax/scorestrip?{query}")).read()
    elements = game_elements(body)
    assert len(elements) == games
    assert {attrs["gt"] for attrs in elements.values()} == {game_type}


@pytest.mark.parametrize(
    "query",
    [
        "season=2015&seasonType=POST&week=21",  # no Pro Bowl in the data
        "season=2015&seasonType=REG&week=19",  # no such week
        "season=2020&seasonType=PRE&week=1",  # no preseason in 2020
        "season=1985&seasonType=REG&week=1",  # before the data
        "season=2030&seasonType=REG&week=1",  # after it
    ],
)
async def test_week_without_games_is_an_empty_ss(client: Client, query: str) -> None:
    """A well-formed query for a week without games gets 200 and an empty <ss>."""
    response = await client.get(f"/ajax/scorestrip?{query}")
    assert response.status == 200
    assert await response.read() == EMPTY


@pytest.mark.parametrize(
    "query",
    [
        "",
        "season=2015&seasonType=REG",
        "season=15&seasonType=REG&week=1",
        "season=2015&seasonType=reg&week=1",
        "season=2015&seasonType=REG&week=one",
        "season=2015&seasonType=REG&week=-1",
        "season=2015&seasonType=REG&week=123",
        "season=2015&seasonType=REG&week=1&_latency_ms=soon",
        "season=2015&seasonType=REG&week=1&_fail=404",
        "season=2015&seasonType=REG&week=1&_truncate=yes",
    ],
)
async def test_malformed_query_is_a_400_json_error(client: Client, query: str) -> None:
    """A malformed week query or fault switch gets 400 with a JSON error, never a 500."""
    response = await client.get(f"/ajax/scorestrip?{query}")
    assert response.status == 400
    error = loads(await response.read())["error"]
    assert (error["status"], error["code"]) == (400, "bad_request")
    assert error["message"]


async def test_live_feed_without_a_live_week_is_an_empty_ss(client: Client) -> None:
    """With no live week configured, ss.xml and the postseason ss.xml answer an empty <ss>."""
    for path in ("/liveupdate/scorestrip/ss.xml", "/liveupdate/scorestrip/postseason/ss.xml"):
        response = await client.get(path)
        assert (response.status, await response.read()) == (200, EMPTY)
