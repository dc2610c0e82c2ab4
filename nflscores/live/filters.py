"""The `?team=` filter of the live stream: which games of the week a client wants."""

from __future__ import annotations

import dataclasses
import re
from typing import Final

from nflscores.domain.errors import BadRequest
from nflscores.domain.models import Week

MAX_TEAMS: Final = 40
_EVERY_TEAM: Final[frozenset[str]] = frozenset()
_CODE_RE: Final = re.compile(r"[A-Z]{2,3}")


def parse_teams(raw: str) -> frozenset[str]:
    """Return the team codes of a `?team=NE,KC` value; raise BadRequest on a malformed one."""
    codes = [code.strip().upper() for code in raw.split(",") if code.strip()]
    if len(codes) > MAX_TEAMS:
        raise BadRequest(f"team lists at most {MAX_TEAMS} team codes")
    for code in codes:
        if not _CODE_RE.fullmatch(code):
            raise BadRequest(f"team must list team codes such as NE,KC, not {code!r}")
    # One shared empty set for "every team": most streams have no filter, and each would
    # otherwise hold an empty frozenset of its own.
    return frozenset(codes) if codes else _EVERY_TEAM


def only_teams(week: Week, teams: frozenset[str]) -> Week:
    """Return the week with only the games one of the teams plays in (all when none given)."""
    if not teams:
        return week
    games = tuple(game for game in week.games if not teams.isdisjoint(game.teams))
    return dataclasses.replace(week, games=games)
