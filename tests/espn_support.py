"""Helpers for the ESPN tests: the hand-made fixtures, loaded and changed one field at a time."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.support import ESPN_FIXTURES

FETCHED_AT = datetime(2022, 10, 9, 18, 10, 0, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    """Return a fixture's body as the upstream would send it."""
    return (ESPN_FIXTURES / name).read_bytes()


def fixture(name: str) -> dict[str, Any]:
    """Return a fixture as a JSON object to change."""
    data: dict[str, Any] = json.loads(fixture_bytes(name))
    return data


def changed(name: str, change: Callable[[dict[str, Any]], object]) -> bytes:
    """Return a fixture's body after `change` edited a copy of it in place."""
    data = copy.deepcopy(fixture(name))
    change(data)
    return json.dumps(data).encode()


def event_of(data: dict[str, Any], espn_id: str) -> dict[str, Any]:
    """Return one event of a scoreboard object by its ESPN id."""
    found: dict[str, Any] = next(e for e in data["events"] if e["id"] == espn_id)
    return found


def scoreboard(*, atl: int = 26, down: int = 1) -> bytes:
    """Return the live fixture with NO at ATL at another home score or down."""

    def change(data: dict[str, Any]) -> None:
        competition = event_of(data, "401990003")["competitions"][0]
        competition["competitors"][0]["score"] = str(atl)
        competition["situation"]["down"] = down

    return changed("2022-REG-05-live.json", change)
