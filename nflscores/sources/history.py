"""The packaged history's ids of ESPN games: an ESPN event id to the game's eid and gsis.

The replay data (nflverse's mapping, 1999-2025) names each game's ESPN id; a game it knows is
served under its eid whichever source listed it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nflscores.domain.models import GameIds
from nflscores.replay import data


def known_ids(espn_id: str) -> GameIds | None:
    """Return the ids the packaged history knows for an ESPN event, or None."""
    record = _lookup()(espn_id)
    if record is None:
        return None
    return GameIds(eid=record.eid, gsis=record.gsis, espn=espn_id)


def _lookup() -> Callable[[str], Any]:
    # The data's lookup by ESPN id comes with the ESPN replay's `espn` column; data without
    # that column knows no ESPN game.
    found = getattr(data, "game_by_espn_id", None)
    return found if callable(found) else _unknown


def _unknown(espn_id: str) -> None:
    return None
