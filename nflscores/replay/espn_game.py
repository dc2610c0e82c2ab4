"""One game at one moment as ESPN's format needs it, on the scorestrip feed's own path.

The scorestrip line (live.line_at on the game's plan) gives score, status, clock, possession and
red zone, so both formats tell the same moment; situation.py adds the down, distance, yard line,
timeouts and line score from the same drives.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from nflscores.replay.data import GameRecord
from nflscores.replay.feed import Line
from nflscores.replay.live import game_minute, line_at
from nflscores.replay.plan import plan_game
from nflscores.replay.situation import HALF_MIN, Situation, linescore, situation_at

#: The period each scorestrip `q` stands in (halftime after the 2nd, a final after the 4th).
PERIODS: Final = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "H": 2, "F": 4, "FO": 5}


@dataclass(frozen=True, slots=True)
class EspnGame:
    """One game at one moment: its scorestrip line and what only ESPN's format carries."""

    record: GameRecord
    line: Line
    #: (home, away) points per period reached; empty before kickoff.
    linescore: tuple[tuple[int, int], ...]
    #: While a quarter is being played (not before, at halftime or after).
    situation: Situation | None
    overtime_follows: bool


def game_at(record: GameRecord, seed: int, virtual_min: float) -> EspnGame:
    """Return how a game stands `virtual_min` virtual minutes after its listed kickoff."""
    plan = plan_game(record, seed)
    line = line_at(record, plan, virtual_min)
    periods = 5 if line.q == "FO" else PERIODS.get(line.q, 0)
    minute = plan.length if line.q in {"F", "FO"} else game_minute(virtual_min)
    if minute is None:  # halftime
        minute = HALF_MIN
    situation = situation_at(record, seed, minute) if line.in_play else None
    return EspnGame(
        record=record,
        line=line,
        linescore=linescore(plan, minute, periods) if periods else (),
        situation=situation,
        overtime_follows=plan.overtime,
    )


def week_games(games: Iterable[GameRecord], seed: int, now: datetime) -> tuple[EspnGame, ...]:
    """Return every game as it stands at virtual time `now`, as live.week_lines does."""
    return tuple(
        game_at(record, seed, (now - record.kickoff).total_seconds() / 60) for record in games
    )


def final_games(games: Iterable[GameRecord], seed: int) -> tuple[EspnGame, ...]:
    """Return every game as it ended: final, or scheduled when the data holds no result."""
    return tuple(game_at(record, seed, math.inf) for record in games)
