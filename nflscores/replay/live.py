"""A live game day: each game's state at a virtual moment, a pure function of its plan.

A game runs on the virtual clock as on TV: each quarter takes 45 minutes (3 per game minute),
halftime 15, overtime follows the fourth quarter straight away. So a game without overtime
goes final 3 h 15 min after its listed kickoff, and the virtual clock's speed compresses all of
it, the gaps between kickoffs included.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from nflscores.domain.calendar import EASTERN
from nflscores.domain.weeks import WeekRef
from nflscores.replay.clock import ReplayClock
from nflscores.replay.data import GameRecord
from nflscores.replay.feed import Line
from nflscores.replay.plan import REGULATION_MIN, GamePlan, Team, overtime_length, plan_game

#: Virtual minutes per game minute while the clock runs.
PACE: Final = 3.0
QUARTER_MIN: Final = 15.0
HALFTIME_VIRTUAL_MIN: Final = 15.0
_HALF_MIN: Final = REGULATION_MIN / 2
_HALF_VIRTUAL_MIN: Final = _HALF_MIN * PACE


def game_minute(virtual_min: float) -> float | None:
    """Return the game minute reached `virtual_min` after kickoff; None at halftime."""
    if virtual_min < _HALF_VIRTUAL_MIN:
        return virtual_min / PACE
    if virtual_min < _HALF_VIRTUAL_MIN + HALFTIME_VIRTUAL_MIN:
        return None
    return _HALF_MIN + (virtual_min - _HALF_VIRTUAL_MIN - HALFTIME_VIRTUAL_MIN) / PACE


def final_after(plan: GamePlan) -> float:
    """Return how many virtual minutes after kickoff the game goes final."""
    return plan.length * PACE + HALFTIME_VIRTUAL_MIN


def _clock(minutes_left: float) -> str:
    seconds = max(0, int(minutes_left * 60))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _scores(plan: GamePlan, minute: float) -> tuple[int, int]:
    home = sum(play.points for play in plan.plays if play.at <= minute and play.team == "home")
    away = sum(play.points for play in plan.plays if play.at <= minute and play.team == "away")
    return home, away


def _possession(plan: GamePlan, minute: float) -> tuple[Team, bool] | None:
    index = bisect_right([drive.start for drive in plan.drives], minute) - 1
    if index < 0:
        return None
    drive = plan.drives[index]
    return drive.team, drive.red_zone_from is not None and minute >= drive.red_zone_from


def line_at(record: GameRecord, plan: GamePlan, virtual_min: float) -> Line:
    """Return how the game stands `virtual_min` virtual minutes after its listed kickoff."""
    if not record.played or virtual_min < 0:
        return Line(record, "P")
    if virtual_min >= final_after(plan):
        home, away = _scores(plan, plan.length)
        return Line(record, "FO" if plan.overtime else "F", home, away)
    minute = game_minute(virtual_min)
    if minute is None:
        home, away = _scores(plan, _HALF_MIN)
        return Line(record, "H", home, away)
    home, away = _scores(plan, minute)
    if minute >= REGULATION_MIN:
        q, left = "5", REGULATION_MIN + overtime_length(record) - minute
    else:
        quarter = int(minute // QUARTER_MIN) + 1
        q, left = str(quarter), quarter * QUARTER_MIN - minute
    held = _possession(plan, minute)
    team, red_zone = held if held else ("home", False)
    return Line(
        record,
        q,
        home,
        away,
        clock=_clock(left),
        possession=record.home if team == "home" else record.away,
        red_zone=red_zone,
    )


def week_lines(games: Sequence[GameRecord], seed: int, now: datetime) -> tuple[Line, ...]:
    """Return every game of a week as it stands at virtual time `now`."""
    return tuple(
        line_at(record, plan_game(record, seed), (now - record.kickoff).total_seconds() / 60)
        for record in games
    )


def is_game_day(games: Sequence[GameRecord], now: datetime) -> bool:
    """Return whether a game of the week is listed on `now`'s US/Eastern date."""
    today = now.astimezone(EASTERN).date()
    return any(record.kickoff.date() == today for record in games)


@dataclass(frozen=True, slots=True)
class LiveDay:
    """The week replayed as live, on its virtual clock."""

    ref: WeekRef
    games: tuple[GameRecord, ...]
    seed: int
    clock: ReplayClock

    def now(self) -> tuple[tuple[Line, ...], bool]:
        """Return every game as it stands now, and whether a game is listed today."""
        now = self.clock.now()
        return week_lines(self.games, self.seed, now), is_game_day(self.games, now)
