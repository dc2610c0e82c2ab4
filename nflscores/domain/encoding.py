"""The one place that turns values into JSON bytes and back."""

from __future__ import annotations

from typing import Any

import orjson

from nflscores.domain.models import Game, Week, game_to_dict, week_from_dict, week_to_dict

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def dumps(value: Any) -> bytes:
    """Return compact UTF-8 JSON for a value; datetimes keep their offset, UTC reads `Z`."""
    return orjson.dumps(value, option=_OPTIONS)


def loads(data: bytes | str) -> Any:
    """Return the value a JSON document holds."""
    return orjson.loads(data)


def encode_week(week: Week) -> bytes:
    """Return a week's API JSON."""
    return dumps(week_to_dict(week))


def encode_games(week: Week, games: tuple[Game, ...]) -> bytes:
    """Return a live delta's JSON: the week it belongs to and the games that changed."""
    return dumps(
        {"season": week.season, "slug": week.slug, "games": [game_to_dict(g) for g in games]}
    )


def decode_week(data: bytes) -> Week:
    """Return the week a body from encode_week holds."""
    return week_from_dict(loads(data))


def error_body(status: int, code: str, message: str) -> bytes:
    """Return the JSON body every error of the service and its replay has (docs/api.md)."""
    return dumps({"error": {"status": status, "code": code, "message": message}})
