"""The packaged history's ids of ESPN games: an ESPN event id to the game's eid and gsis.

The replay data (nflverse's mapping, 1999-2025) names each game's ESPN id; a game it knows is
served under its eid whichever source listed it. The table is built on first use only.
"""

from __future__ import annotations

from functools import cache

from nflscores.domain.models import GameIds
from nflscores.replay.data import all_games


def known_ids(espn_id: str) -> GameIds | None:
    """Return the ids the packaged history knows for an ESPN event, or None."""
    return _by_espn_id().get(espn_id)


@cache
def _by_espn_id() -> dict[str, GameIds]:
    table: dict[str, GameIds] = {}
    for record in all_games():
        # The `espn` column arrives with the ESPN replay's data; older data has none.
        espn = getattr(record, "espn", None)
        if isinstance(espn, str) and espn:
            table[espn] = GameIds(eid=record.eid, gsis=record.gsis, espn=espn)
    return table
