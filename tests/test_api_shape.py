"""The week JSON's shape: docs/api.md's keys and types, exactly, for every document parsed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from nflscores.domain.encoding import encode_week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.scorestrip import parse_scorestrip
from tests.scorestrip_support import (
    DOCUMENTS,
    FETCHED_AT,
    WEEK_1,
    document,
    game_with,
)

WEEK_KEYS = {"season", "season_type", "week", "slug", "source", "updated_at", "byes", "games"}
GAME_KEYS = {
    "id",
    "gsis",
    "ids",
    "situation",
    "venue",
    "game_type",
    "kickoff",
    "day",
    "status",
    "quarter",
    "clock",
    "possession",
    "red_zone",
    "home",
    "away",
}
STATUSES = {"scheduled", "in_progress", "halftime", "final", "final_overtime", "suspended"}
GAME_TYPES = {"PRE", "REG", "WC", "DIV", "CON", "PRO", "SB"}
ISO_WITH_OFFSET = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}"
)


def _check_game_json(game: dict[str, Any]) -> None:
    """Assert one game object has docs/api.md's keys and types."""
    suspended = game["status"] == "suspended"
    assert set(game) == GAME_KEYS | ({"raw_status"} if suspended else set())
    assert isinstance(game["id"], str)
    assert re.fullmatch(r"[0-9]{10}", game["id"])
    assert type(game["gsis"]) is int
    assert game["game_type"] in GAME_TYPES
    assert ISO_WITH_OFFSET.fullmatch(game["kickoff"])
    assert game["kickoff"][-6:] in {"-04:00", "-05:00"}
    assert isinstance(game["day"], str)
    assert game["status"] in STATUSES
    in_play = game["status"] == "in_progress"
    if in_play:
        assert game["quarter"] in {1, 2, 3, 4, 5}
        assert game["clock"] is None or re.fullmatch(r"[0-9]{2}:[0-9]{2}", game["clock"])
        assert game["possession"] is None or isinstance(game["possession"], str)
        assert game["red_zone"] in {True, False, None}
    else:
        assert [game[key] for key in ("quarter", "clock", "possession", "red_zone")] == [None] * 4
    # scorestrip has none of the richer fields but the ids it carries.
    assert game["ids"] == {"eid": game["id"], "gsis": game["gsis"], "espn": None}
    assert (game["situation"], game["venue"]) == (None, None)
    for side in (game["home"], game["away"]):
        assert set(side) == {"team", "nickname", "score", "linescore", "record"}
        assert (side["linescore"], side["record"]) == (None, None)
        assert isinstance(side["team"], str)
        assert isinstance(side["nickname"], str)
        assert side["score"] is None or type(side["score"]) is int
    if suspended:
        assert isinstance(game["raw_status"], str)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_encoded_week_has_api_shape(name: str) -> None:
    """A parsed document encodes to exactly docs/api.md's keys and types, compact."""
    body = encode_week(DOCUMENTS[name].parsed())
    data = orjson.loads(body)
    assert body == orjson.dumps(data)
    assert set(data) == WEEK_KEYS
    assert data["source"] == "scorestrip"
    assert type(data["season"]) is int
    assert data["season_type"] in {"PRE", "REG", "POST"}
    assert type(data["week"]) is int
    assert isinstance(data["slug"], str)
    assert data["updated_at"] == "2016-08-14T23:55:03Z"
    assert isinstance(data["games"], list)
    assert data["games"]
    for game in data["games"]:
        _check_game_json(game)


def test_api_example_game_encodes_exactly() -> None:
    """docs/api.md's example game (BAL at CLE, 2015 week 12) encodes to its exact JSON."""
    game = game_with(
        eid="2015113000", gsis="56678", d="Mon", t="8:30", h="CLE", hnn="browns", hs="27",
        v="BAL", vnn="ravens", vs="33",
    )  # fmt: skip
    week = parse_scorestrip(
        document(game, header='w="12" y="2015" t="R"'),
        fetched_at=datetime(2015, 11, 30, 23, 55, 3, tzinfo=UTC),
        ref=WeekRef(2015, "REG", 12, "12"),
    )
    assert orjson.loads(encode_week(week)) == {
        "season": 2015,
        "season_type": "REG",
        "week": 12,
        "slug": "12",
        "source": "scorestrip",
        "updated_at": "2015-11-30T23:55:03Z",
        # One game of a week tells nothing of byes: the others may have been left out.
        "byes": None,
        "games": [
            {
                "id": "2015113000",
                "gsis": 56678,
                "ids": {"eid": "2015113000", "gsis": 56678, "espn": None},
                "game_type": "REG",
                "kickoff": "2015-11-30T20:30:00-05:00",
                "day": "Mon",
                "status": "final",
                "quarter": None,
                "clock": None,
                "possession": None,
                "red_zone": None,
                "situation": None,
                "venue": None,
                "home": {
                    "team": "CLE",
                    "nickname": "browns",
                    "score": 27,
                    "linescore": None,
                    "record": None,
                },
                "away": {
                    "team": "BAL",
                    "nickname": "ravens",
                    "score": 33,
                    "linescore": None,
                    "record": None,
                },
            }
        ],
    }


def test_raw_status_only_on_suspended_games() -> None:
    """Only a suspended game carries raw_status in the JSON."""
    body = document(
        game_with(eid="2015091000", q="F"),
        game_with(eid="2015091300", d="Sun", t="1:00", q="Suspended"),
        game_with(eid="2015091301", d="Sun", t="1:00", q="3", k="04:10", p="NE", rz="0"),
    )
    games = orjson.loads(encode_week(parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WEEK_1)))[
        "games"
    ]
    by_id = {game["id"]: game for game in games}
    assert by_id["2015091300"]["raw_status"] == "Suspended"
    assert "raw_status" not in by_id["2015091000"]
    assert "raw_status" not in by_id["2015091301"]
    for game in games:
        _check_game_json(game)
