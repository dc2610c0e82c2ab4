"""The packaged history's ids of ESPN games: an ESPN event id to the game's eid and gsis.

The replay data (nflverse's mapping, 1999-2025) names each game's ESPN id; a game it knows is
served under its eid whichever source listed it.
"""

from __future__ import annotations

from nflscores.domain.models import GameIds
from nflscores.replay.data import game_by_espn_id


def known_ids(espn_id: str) -> GameIds | None:
    """Return the ids the packaged history knows for an ESPN event, or None."""
    record = game_by_espn_id(espn_id)
    if record is None:
        return None
    return GameIds(eid=record.eid, gsis=record.gsis, espn=espn_id)
