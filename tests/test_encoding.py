"""Encoding a week to the API's JSON and back: UTC stamps, exact round trips."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import orjson
import pytest

from nflscores.domain.encoding import decode_week, encode_week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.scorestrip import parse_scorestrip
from tests.scorestrip_support import (
    DOCUMENTS,
    FETCHED_AT,
    WEEK_1,
    document,
    game_with,
)
from tests.support import fixture

ISO_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def test_updated_at_is_utc_z_without_microseconds() -> None:
    """updated_at is written in UTC with a Z and whole seconds."""
    fetched = datetime(2015, 11, 30, 23, 55, 3, 987654, tzinfo=UTC)
    ref = WeekRef(2015, "REG", 7, "7")
    week = parse_scorestrip(fixture("scorestrip", "week-final.xml"), fetched_at=fetched, ref=ref)
    updated_at = orjson.loads(encode_week(week))["updated_at"]
    assert updated_at == "2015-11-30T23:55:03Z"
    assert ISO_UTC_SECONDS.fullmatch(updated_at)


ROUND_TRIP = {
    **{name: (doc.body(), doc.asked) for name, doc in DOCUMENTS.items()},
    "suspended": (document(game_with(q="Suspended")), WEEK_1),
}


@pytest.mark.parametrize("case", sorted(ROUND_TRIP))
def test_decode_inverts_encode(case: str) -> None:
    """decode_week(encode_week(week)) gives back the same week."""
    body, ref = ROUND_TRIP[case]
    week = parse_scorestrip(body, fetched_at=FETCHED_AT, ref=ref)
    decoded = decode_week(encode_week(week))
    assert decoded == week
    assert [game.kickoff.utcoffset() for game in decoded.games] == [
        game.kickoff.utcoffset() for game in week.games
    ]
    assert encode_week(decoded) == encode_week(week)
