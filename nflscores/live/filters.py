"""The `?team=` filter of the live stream: which games of the week a client wants."""

from __future__ import annotations

import dataclasses
import re
from typing import Final

from nflscores.domain.errors import BadRequest
from nflscores.domain.models import Week

MAX_TEAMS: Final = 40
#: What `?team=` may hold (the OpenAPI document publishes the same pattern): empty for every
#: game, or up to MAX_TEAMS comma-separated codes of 2-3 ASCII letters, in any case, with
#: spaces allowed around each.
TEAMS_PATTERN: Final = rf"^ *([A-Za-z]{{2,3}} *(, *[A-Za-z]{{2,3}} *){{0,{MAX_TEAMS - 1}}})?$"
_TEAMS_RE: Final = re.compile(TEAMS_PATTERN, re.ASCII)
_EVERY_TEAM: Final[frozenset[str]] = frozenset()


def parse_teams(raw: str) -> frozenset[str]:
    """Return the team codes of a `?team=NE,KC` value; raise BadRequest on a malformed one."""
    if not _TEAMS_RE.fullmatch(raw):
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise BadRequest(
            f"team must list at most {MAX_TEAMS} team codes such as NE,KC, not {shown!r}"
        )
    codes = frozenset(code.strip().upper() for code in raw.split(",") if code.strip())
    # One shared empty set for "every team": most streams have no filter, and each would
    # otherwise hold an empty frozenset of its own.
    return codes or _EVERY_TEAM


def only_teams(week: Week, teams: frozenset[str]) -> Week:
    """Return the week with only the games one of the teams plays in (all when none given)."""
    if not teams:
        return week
    games = tuple(game for game in week.games if not teams.isdisjoint(game.teams))
    return dataclasses.replace(week, games=games)
