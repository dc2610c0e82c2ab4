"""Where the ball is along a game's planned drives: snaps, downs, distance, timeouts, line score.

Invented like the rest of the path (see plan.py), from a generator seeded with (seed, eid), and
laid over the plan's drives so it agrees with the scorestrip feed at every moment: the team
with the ball is the drive's, and the ball is inside the 20 exactly while the feed says red
zone. A drive is a run of snaps SNAP_MIN apart; a scoring drive ends where its play scores
from, a drive without points ends short of the red zone (a punt), a safety's pinned deep.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from nflscores.replay.data import GameRecord
from nflscores.replay.plan import (
    REGULATION_MIN,
    Drive,
    GamePlan,
    ScoringPlay,
    Team,
    other,
    overtime_length,
    plan_game,
)

#: Game minutes between two snaps.
SNAP_MIN: Final = 0.6
#: Least average gain per snap of a drive without points, so its downs read like football.
MIN_GAIN_PER_SNAP: Final = 4
#: Yards from the goal line that count as the red zone.
RED_ZONE_YARDS: Final = 20
QUARTER_MIN: Final = 15.0
HALF_MIN: Final = REGULATION_MIN / 2
TIMEOUTS_PER_HALF: Final = 3
TIMEOUTS_IN_OVERTIME: Final = 2


@dataclass(frozen=True, slots=True)
class Snap:
    """The ball before one snap: when, which down, yards to go and yards to the goal line."""

    at: float
    down: int
    distance: int
    to_goal: int


@dataclass(frozen=True, slots=True)
class Situation:
    """A game in play at one moment: who has the ball, where, and the timeouts left."""

    team: Team
    down: int
    distance: int
    #: Yards from the offence to the goal line it attacks, 1-99.
    to_goal: int
    home_timeouts: int
    away_timeouts: int

    @property
    def red_zone(self) -> bool:
        """Return whether the ball is inside the opponent's 20."""
        return self.to_goal <= RED_ZONE_YARDS

    @property
    def goal_to_go(self) -> bool:
        """Return whether the line to gain is the goal line."""
        return self.distance >= self.to_goal


def _spots(first: int, last: int, count: int, rng: random.Random) -> list[int]:
    """Return `count` ball spots from `first` to `last`, moving one way in random steps."""
    if count == 1:
        return [first]
    inner = sorted(rng.random() for _ in range(count - 2))
    return [round(first + (last - first) * share) for share in (0.0, *inner, 1.0)]


def _downs(spots: list[int]) -> list[tuple[int, int]]:
    """Return (down, distance) before each snap from the ball spots a drive passes through."""
    down, to_go = 1, min(10, spots[0])
    downs = [(down, to_go)]
    for before, spot in pairwise(spots):
        to_go -= before - spot
        # A fourth down that falls short is read as a first down by penalty: the plan says the
        # drive goes on, so it must keep the ball.
        if to_go <= 0 or down == 4:
            down, to_go = 1, min(10, spot)
        else:
            down += 1
        downs.append((down, max(1, min(to_go, spot))))
    return downs


def _times(start: float, end: float) -> list[float]:
    count = max(1, round((end - start) / SNAP_MIN))
    step = (end - start) / count
    return [start + index * step for index in range(count)]


def _drive_snaps(drive: Drive, play: ScoringPlay | None, rng: random.Random) -> list[Snap]:
    """Return a drive's snaps, ending where its scoring play (if any) comes from."""
    if play is not None and play.points == 2:
        first = rng.randint(85, 97)
        spots = [(drive.start, first, rng.randint(max(first, 96), 99))]
    else:
        first = rng.randint(60, 80)
        if drive.red_zone_from is not None:
            inside = rng.randint(8, RED_ZONE_YARDS)
            last = rng.randint(1, min(inside, 8)) if play and play.points >= 6 else inside // 2
            spots = [
                (drive.start, first, rng.randint(RED_ZONE_YARDS + 1, 30)),
                (drive.red_zone_from, inside, max(1, last)),
            ]
        elif play is not None:
            spots = [(drive.start, first, rng.randint(RED_ZONE_YARDS + 1, 38))]
        else:
            # Enough yards for the snaps to move the chains now and then before the punt.
            room = first - RED_ZONE_YARDS - 1
            least = min(room, MIN_GAIN_PER_SNAP * (len(_times(drive.start, drive.end)) - 1))
            spots = [(drive.start, first, first - rng.randint(least, room))]
    ends = [segment[0] for segment in spots[1:]] + [drive.end]
    times: list[float] = []
    yards: list[int] = []
    for (start, a, b), end in zip(spots, ends, strict=True):
        segment_times = _times(start, end)
        times += segment_times
        yards += _spots(a, b, len(segment_times), rng)
    return [
        Snap(at, down, distance, to_goal)
        for at, to_goal, (down, distance) in zip(times, yards, _downs(yards), strict=True)
    ]


def _offense(play: ScoringPlay) -> Team:
    # A safety is scored by the defence: the drive that ends in it is the other team's.
    return other(play.team) if play.points == 2 else play.team


@lru_cache(maxsize=4096)
def game_snaps(record: GameRecord, seed: int) -> tuple[tuple[Drive, tuple[Snap, ...]], ...]:
    """Return every drive of a game's plan with its snaps, for a seed."""
    plan = plan_game(record, seed)
    rng = random.Random(f"{seed}:{record.eid}:snaps")
    ending = {(play.at, _offense(play)): play for play in plan.plays}
    return tuple(
        (drive, tuple(_drive_snaps(drive, ending.get((drive.end, drive.team)), rng)))
        for drive in plan.drives
    )


@lru_cache(maxsize=4096)
def _timeout_times(record: GameRecord, seed: int) -> dict[Team, tuple[float, ...]]:
    """Return when each team calls its timeouts, in game minutes: a few each half, fewer in OT."""
    rng = random.Random(f"{seed}:{record.eid}:timeouts")
    periods = ((0.0, HALF_MIN, (0, 1, 1, 2, 2, 3)), (HALF_MIN, REGULATION_MIN, (0, 1, 2, 2, 3, 3)))
    overtime = (REGULATION_MIN, REGULATION_MIN + overtime_length(record), (0, 0, 1))
    calls: dict[Team, tuple[float, ...]] = {}
    for team in ("home", "away"):
        times: list[float] = []
        for start, end, choices in (*periods, overtime):
            times += sorted(rng.uniform(start + 0.5, end - 0.1) for _ in range(rng.choice(choices)))
        calls[team] = tuple(times)
    return calls


def timeouts_left(record: GameRecord, seed: int, minute: float, team: Team) -> int:
    """Return the timeouts a team has left at a game minute: 3 a half, 2 in overtime."""
    if minute >= REGULATION_MIN:
        start, allowed = REGULATION_MIN, TIMEOUTS_IN_OVERTIME
    elif minute >= HALF_MIN:
        start, allowed = HALF_MIN, TIMEOUTS_PER_HALF
    else:
        start, allowed = 0.0, TIMEOUTS_PER_HALF
    used = sum(1 for at in _timeout_times(record, seed)[team] if start <= at <= minute)
    return max(0, allowed - used)


def situation_at(record: GameRecord, seed: int, minute: float) -> Situation | None:
    """Return the game's situation at a game minute, or None before its first drive."""
    drives = game_snaps(record, seed)
    index = bisect_right([drive.start for drive, _ in drives], minute) - 1
    if index < 0:
        return None
    drive, snaps = drives[index]
    snap = snaps[max(0, bisect_right([s.at for s in snaps], minute) - 1)]
    return Situation(
        team=drive.team,
        down=snap.down,
        distance=snap.distance,
        to_goal=snap.to_goal,
        home_timeouts=timeouts_left(record, seed, minute, "home"),
        away_timeouts=timeouts_left(record, seed, minute, "away"),
    )


def period_of(minute: float) -> int:
    """Return the period a game minute falls in: 1-4, 5 for overtime."""
    if minute >= REGULATION_MIN:
        return 5
    return int(minute // QUARTER_MIN) + 1


def linescore(plan: GamePlan, minute: float, periods: int) -> tuple[tuple[int, int], ...]:
    """Return (home, away) points in each of the first `periods` periods, up to a game minute."""
    points = [[0, 0] for _ in range(periods)]
    for play in plan.plays:
        period = period_of(play.at)
        if play.at <= minute and period <= periods:
            points[period - 1][0 if play.team == "home" else 1] += play.points
    return tuple((home, away) for home, away in points)
