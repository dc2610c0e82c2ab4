"""What changed between two copies of the live week, game by game: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nflscores.domain.models import Game, Week

#: What a viewer sees move during a game, in the order changes are reported.
WATCHED: tuple[str, ...] = (
    "status",
    "quarter",
    "clock",
    "possession",
    "red_zone",
    "home_score",
    "away_score",
    "situation",
)


@dataclass(frozen=True, slots=True)
class GameChange:
    """One game that differs, and which of its watched fields did."""

    game_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WeekDiff:
    """Everything that differs between a published copy of the live week and a new one."""

    new_week: bool
    games: tuple[GameChange, ...]

    @property
    def changed(self) -> bool:
        """Return True when the new copy is worth publishing."""
        return self.new_week or bool(self.games)

    def summary(self) -> str:
        """Return a short description for the logs."""
        if self.new_week:
            return "a new week"
        return "; ".join(f"{change.game_id}: {','.join(change.fields)}" for change in self.games)


def watched(game: Game) -> tuple[Any, ...]:
    """Return the values of a game's watched fields, in WATCHED order."""
    return (
        game.status,
        game.quarter,
        game.clock,
        game.possession,
        game.red_zone,
        game.home.score,
        game.away.score,
        game.situation,
    )


def diff_weeks(before: Week | None, after: Week) -> WeekDiff:
    """Return what changed from `before` (None: nothing published yet) to `after`."""
    if before is None or (before.season, before.season_type, before.week) != (
        after.season,
        after.season_type,
        after.week,
    ):
        return WeekDiff(new_week=True, games=())
    old = {game.id: game for game in before.games}
    changes = []
    for game in after.games:
        previous = old.pop(game.id, None)
        if previous is None:
            changes.append(GameChange(game.id, ("added",)))
            continue
        fields = tuple(
            name
            for name, was, now in zip(WATCHED, watched(previous), watched(game), strict=True)
            if was != now
        )
        if fields:
            changes.append(GameChange(game.id, fields))
    changes.extend(GameChange(game_id, ("removed",)) for game_id in old)
    return WeekDiff(new_week=False, games=tuple(changes))


def changed_games(before: Week | None, after: Week) -> tuple[Game, ...] | None:
    """Return the games of `after` that are new or differ in any field from `before`.

    None when a list of games cannot tell the change: nothing before, another week, or a
    game gone from the week. Games are compared whole (score, clock, situation, ...), not
    only the watched fields: a delta must leave a client with exactly the new snapshot.
    """
    if before is None or before.ref != after.ref:
        return None
    old = {game.id: game for game in before.games}
    if len(old) != len(before.games) or not old.keys() <= {game.id for game in after.games}:
        return None
    return tuple(game for game in after.games if old.get(game.id) != game)
