"""Round trip over the packaged history: every week read through the scorestrip replay and
through the ESPN replay gives the same API JSON, but for the fields only ESPN carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from nflscores.domain.encoding import encode_week, loads
from nflscores.domain.weeks import WeekRef, find_week, weeks_of
from nflscores.replay import data
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.replay.espn import final_week_scoreboard, week_scoreboard
from nflscores.replay.espn_game import week_games
from nflscores.replay.feed import final_week_document, live_document
from nflscores.replay.live import week_lines
from nflscores.settings import Settings
from nflscores.sources import espn_parser, history
from nflscores.sources.scorestrip import parse_scorestrip
from nflscores.web.app import create_app
from tests.support import Client, MakeClient, MakeServer

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
LIVE_WEEK = WeekRef(2015, "REG", 12, "12")
LIVE_API = "/api/2015/12"
#: Game fields only ESPN's format carries: line scores, records, the situation, the venue and
#: the ESPN id; scorestrip leaves them null.
ESPN_ONLY_GAME = ("situation", "venue")
ESPN_ONLY_SIDE = ("linescore", "record")


def api_json(week: Any) -> dict[str, Any]:
    """Return a Week as the API serves it, less the fields only one format carries."""
    return common_fields(loads(encode_week(week)))


def common_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Drop from API JSON the fields only one of the two formats carries."""
    body.pop("source")
    for game in body["games"]:
        for name in ESPN_ONLY_GAME:
            game.pop(name, None)
        game["ids"].pop("espn", None)
        for side in ("home", "away"):
            for name in ESPN_ONLY_SIDE:
                game[side].pop(name, None)
    return body


def through_scorestrip(ref: WeekRef, body: bytes) -> dict[str, Any]:
    """Return the API JSON of a scorestrip replay body."""
    return api_json(parse_scorestrip(body, fetched_at=FETCHED, ref=ref))


def through_espn(ref: WeekRef, body: bytes) -> dict[str, Any]:
    """Return the API JSON of an ESPN replay body, ids from the service's packaged history."""
    week = espn_parser.parse_scoreboard(body, fetched_at=FETCHED, ref=ref, ids=history.known_ids)
    return api_json(week)


@pytest.mark.slow
def test_every_packaged_week_reads_the_same_through_both_formats() -> None:
    """For every week 1999-2025 with games, scorestrip's week feed and ESPN's scoreboard give
    the same API JSON: ids, kickoffs, statuses, scores, codes, byes."""
    compared = 0
    for season in data.seasons():
        for ref in weeks_of(season):
            if not data.games_of(ref):
                continue
            scorestrip = through_scorestrip(ref, final_week_document(ref))
            espn = through_espn(ref, final_week_scoreboard(ref, 0))
            assert espn == scorestrip, str(ref)
            compared += 1
    assert compared > 600


@pytest.mark.slow
@pytest.mark.parametrize(
    "ref",
    [find_week(2015, "REG", 12), find_week(2021, "REG", 15), find_week(2014, "PRE", 0)],
    ids=str,
)
def test_the_live_day_reads_the_same_through_both_formats(ref: WeekRef | None) -> None:
    """At every tenth virtual minute of a live week both formats give the same API JSON."""
    assert ref is not None
    games = data.games_of(ref)
    origin = min(game.kickoff for game in games)
    last = max(game.kickoff for game in games) + timedelta(hours=4)
    minute = -10
    while origin + timedelta(minutes=minute) <= last:
        now = origin + timedelta(minutes=minute)
        xml = live_document(ref, week_lines(games, 1, now), game_day=True)
        board = week_scoreboard(ref, week_games(games, 1, now))
        assert through_espn(ref, board) == through_scorestrip(ref, xml), f"{ref} +{minute}"
        minute += 10


async def answers_of(settings: Settings, aiohttp_client: MakeClient, paths: list[str]) -> list[Any]:
    """Return what a fresh app on an emptied Redis answers on each path, stripped."""
    assert settings.redis_url is not None
    await Redis.from_url(settings.redis_url).flushdb()
    app = await aiohttp_client(create_app(settings))
    answers = []
    for path in paths:
        response = await app.get(path)
        assert response.status == 200, path
        answers.append(strip(await response.json()))
    await app.close()
    return answers


def strip(body: dict[str, Any]) -> dict[str, Any]:
    """Return an API answer less `updated_at` and the fields only one format carries."""
    body.pop("updated_at")
    return common_fields(body)


@pytest.mark.slow
async def test_the_api_serves_the_same_weeks_from_either_replay(
    redis_url: str,
    aiohttp_client: MakeClient,
    aiohttp_server: MakeServer,
) -> None:
    """The real app on real Redis, once with NFLSCORES_SOURCE=scorestrip and once with espn on
    the same replay upstream, serves the same API JSON for 2014's and 2021's weeks and for
    the live week at frozen minutes."""
    replay_app = create_replay_app(ReplayConfig(live=LIVE_WEEK, seed=2))
    server = await aiohttp_server(replay_app)
    replay: Client = await aiohttp_client(server)
    base = str(server.make_url("")).rstrip("/")
    answers: dict[str, list[Any]] = {}
    statuses: set[str] = set()
    paths = [
        f"/api/{ref.season}/{ref.slug}"
        for season in (2014, 2021)
        for ref in weeks_of(season)
        if data.games_of(ref) and ref != LIVE_WEEK
    ]
    for source in ("scorestrip", "espn"):
        settings = Settings(source=source, redis_url=redis_url, upstream_url=base)
        answers[source] = await answers_of(settings, aiohttp_client, paths)
    assert len(paths) > 40
    assert answers["espn"] == answers["scorestrip"]
    # The live week at frozen minutes, each read by fresh apps so no cached copy answers.
    for minute in (-5.0, 20.0, 100.0, 4350.0, 4500.0):
        await replay.post(f"/_replay/clock?minute={minute}&freeze=1")
        for source in ("scorestrip", "espn"):
            settings = Settings(source=source, redis_url=redis_url, upstream_url=base)
            answers[source] = await answers_of(settings, aiohttp_client, [LIVE_API])
        assert answers["espn"] == answers["scorestrip"], minute
        statuses.update(game["status"] for game in answers["espn"][0]["games"])
    assert {"scheduled", "in_progress", "halftime", "final"} <= statuses
