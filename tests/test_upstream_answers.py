"""The upstream's answer is checked against the question: another week is a 502, never stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from nflscores.domain.answers import WrongWeek, check_week, season_window
from nflscores.domain.weeks import parse_week
from nflscores.sources.scorestrip import parse_scorestrip
from nflscores.store import keys
from tests.feeds import final_week
from tests.upstream import ScriptedUpstream

Client = TestClient[Request, Application]

WEEK_1 = ("2015", "REG", "1")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def week_1_as(*, season: str = "2015", week: str = "1", eid_year: str = "2015") -> bytes:
    """Return 2015 week 1's week feed with its header (and its eids' year) rewritten."""
    body = final_week(2015, "REG", 1)
    body = body.replace(b'w="1" y="2015"', f'w="{week}" y="{season}"'.encode())
    return body.replace(b'eid="2015', f'eid="{eid_year}'.encode())


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (week_1_as(week="3"), "another week"),
        (week_1_as(season="2014", eid_year="2014"), "another season"),
        (week_1_as(eid_year="2012"), "games of another season under the right header"),
    ],
)
async def test_a_valid_document_for_another_week_is_a_502_and_not_stored(
    client: Client, scripted: ScriptedUpstream, redis_url: str, body: bytes, why: str
) -> None:
    """The week asked is 2015/1; a document for another week or season is refused: 502."""
    scripted.bodies[WEEK_1] = body
    response = await client.get("/api/2015/1")
    assert response.status == 502, why
    error = (await response.json())["error"]
    assert error["code"] == "upstream_bad_response"
    redis = aioredis.Redis.from_url(redis_url)
    assert await redis.get(keys.week_key(parse_week(2015, "1"))) is None
    await redis.aclose()


def test_the_right_week_passes() -> None:
    """2015 week 1, asked as 2015 week 1, passes the check."""
    ref = parse_week(2015, "1")
    week = parse_scorestrip(final_week(2015, "REG", 1), fetched_at=NOW, ref=ref)
    check_week(week, ref)


def test_the_document_header_wins_over_the_week_asked() -> None:
    """Parsed with ref=2015/1, a document saying week 3 is read as week 3, and refused."""
    ref = parse_week(2015, "1")
    week = parse_scorestrip(week_1_as(week="3"), fetched_at=NOW, ref=ref)
    assert week.week == 3
    with pytest.raises(WrongWeek):
        check_week(week, ref)


def test_season_windows_do_not_overlap_between_seasons() -> None:
    """No day belongs to one season type of two seasons: a week of another season never fits."""
    for season_type in ("PRE", "REG", "POST"):
        first, last = season_window(2015, season_type)
        next_first, _ = season_window(2016, season_type)
        assert first <= last < next_first
