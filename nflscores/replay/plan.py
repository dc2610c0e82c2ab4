"""Plan how a real game unfolds: scoring plays and drives that reach its real final score.

Only the final score and the overtime flag are facts; the path to them is invented, from a
random generator seeded with (seed, eid), so one seed always tells the same story. Times are
in game minutes from kickoff: 0-60 is regulation, past 60 is overtime.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Final, Literal

from nflscores.replay.data import GameRecord

Team = Literal["home", "away"]

REGULATION_MIN: Final = 60.0
#: Points one scoring play adds: safety, field goal, touchdown without or with the extra point,
#: touchdown with a two-point try.
INCREMENTS: Final = (2, 3, 6, 7, 8)
#: Least game time between two scoring plays, so a poll every virtual minute sees each one.
MIN_GAP_MIN: Final = 1.0
#: From 2017 a regular-season overtime lasts 10 minutes; before, and in the postseason, 15.
SHORT_OVERTIME_FROM: Final = 2017


@dataclass(frozen=True, slots=True)
class ScoringPlay:
    """Points one team scores at one moment."""

    at: float
    team: Team
    points: int


@dataclass(frozen=True, slots=True)
class Drive:
    """One possession: who has the ball from `start` to `end`, and when it reaches the red zone."""

    start: float
    end: float
    team: Team
    red_zone_from: float | None = None


@dataclass(frozen=True, slots=True)
class GamePlan:
    """How one game unfolds, from kickoff to its final whistle at `length` game minutes."""

    plays: tuple[ScoringPlay, ...]
    drives: tuple[Drive, ...]
    length: float

    @property
    def overtime(self) -> bool:
        """Return whether the game goes past regulation."""
        return self.length > REGULATION_MIN


def other(team: Team) -> Team:
    """Return the opponent."""
    return "away" if team == "home" else "home"


def decompose(points: int, rng: random.Random) -> list[int]:
    """Return scoring plays (2, 3, 6, 7, 8) adding up to `points`, in a random order.

    Plausible mixes are drawn more often: mostly touchdowns with the extra point and a few
    field goals; missed extra points, two-point tries and safeties now and then.
    """
    options: list[list[int]] = []
    weights: list[float] = []
    for safeties, eights, sixes, field_goals in product(range(3), range(4), range(4), range(9)):
        rest = points - 2 * safeties - 8 * eights - 6 * sixes - 3 * field_goals
        if rest < 0 or rest % 7:
            continue
        rare = sixes + eights + 2.5 * safeties + 0.4 * max(0, field_goals - 2)
        options.append(
            [7] * (rest // 7) + [3] * field_goals + [6] * sixes + [8] * eights + [2] * safeties
        )
        weights.append(math.exp(-2.0 * rare))
    if not options:
        raise ValueError(f"{points} points cannot be scored in football increments")
    plays = list(rng.choices(options, weights)[0])
    rng.shuffle(plays)
    return plays


def overtime_length(record: GameRecord) -> float:
    """Return how long a full overtime period lasts in that game, in game minutes."""
    short = record.game_type == "REG" and record.season >= SHORT_OVERTIME_FROM
    return 10.0 if short else 15.0


def _overtime_points(winner: int, loser: int) -> tuple[int, int]:
    """Return what the loser and the winner score in overtime, the winner's last play ending it."""
    single = set(INCREMENTS)
    if winner - loser in single:
        return 0, winner - loser
    # The loser scores first and the winner answers with one play (the post-2010 rules).
    for loser_ot in (3, 7, 6, 8, 2):
        if loser_ot <= loser and loser - loser_ot != 1 and winner - loser + loser_ot in single:
            return loser_ot, winner - loser + loser_ot
    return 0, winner - loser


def _single(points: int, rng: random.Random) -> list[int]:
    """Return the overtime plays for `points`: one play when one can score them."""
    return [points] if points in INCREMENTS else decompose(points, rng)


def _spread(count: int, start: float, end: float, rng: random.Random) -> list[float]:
    """Return `count` sorted random times in [start, end], at least MIN_GAP_MIN apart."""
    room = end - start - (count - 1) * MIN_GAP_MIN
    if room < 0:
        raise ValueError(f"{count} scoring plays do not fit in {end - start} minutes")
    draws = sorted(rng.uniform(0, room) for _ in range(count))
    return [start + draw + index * MIN_GAP_MIN for index, draw in enumerate(draws)]


def _scoring(record: GameRecord, rng: random.Random) -> tuple[list[ScoringPlay], float]:
    home, away = record.home_score or 0, record.away_score or 0
    length = REGULATION_MIN
    overtime: list[ScoringPlay] = []
    if record.overtime:
        full = overtime_length(record)
        if home == away:
            length += full
        else:
            winner: Team = "home" if home > away else "away"
            loser_ot, winner_ot = _overtime_points(max(home, away), min(home, away))
            tail: list[tuple[Team, int]] = [(other(winner), p) for p in _single(loser_ot, rng)]
            tail += [(winner, p) for p in _single(winner_ot, rng)]
            end = REGULATION_MIN + rng.uniform(len(tail) * MIN_GAP_MIN + 0.5, full - 0.25)
            step = (end - REGULATION_MIN) / len(tail)
            overtime = [
                ScoringPlay(REGULATION_MIN + step * (i + 1), team, points)
                for i, (team, points) in enumerate(tail)
            ]
            length = end
            if winner == "home":
                home, away = home - winner_ot, away - loser_ot
            else:
                home, away = home - loser_ot, away - winner_ot
    regulation: list[tuple[Team, int]] = [("home", p) for p in decompose(home, rng)]
    regulation += [("away", p) for p in decompose(away, rng)]
    rng.shuffle(regulation)
    times = _spread(len(regulation), 0.5, REGULATION_MIN - 0.5, rng)
    plays = [
        ScoringPlay(at, team, points) for at, (team, points) in zip(times, regulation, strict=True)
    ]
    return plays + overtime, length


def _fillers(
    start: float, end: float, first: Team, rng: random.Random, *, then: Team | None = None
) -> list[Drive]:
    """Return alternating drives without points over [start, end), `first` on offence first.

    With `then`, the team that scores next, the last of them belongs to its opponent.
    """
    count = max(1, round((end - start) / rng.uniform(2.5, 4.5)))
    last = first if count % 2 == 1 else other(first)
    if last == then:
        count += 1 if count == 1 else -1
    step = (end - start) / count
    return [
        Drive(start + i * step, start + (i + 1) * step, first if i % 2 == 0 else other(first))
        for i in range(count)
    ]


def _drives(plays: list[ScoringPlay], length: float, rng: random.Random) -> list[Drive]:
    receiving: Team = rng.choice(("home", "away"))
    cursor = 0.0
    drives: list[Drive] = []
    for play in plays:
        # A safety is scored by the defence; the team that scored it then receives.
        offense = other(play.team) if play.points == 2 else play.team
        start = max(cursor, play.at - rng.uniform(1.0, 4.5))
        if receiving == offense and start - cursor < 1.0:
            start = cursor
        elif start > cursor:
            drives += _fillers(cursor, start, receiving, rng, then=offense)
        red_zone_from = None
        if play.points >= 6:
            red_zone_from = play.at - min(0.35 * (play.at - start), 0.75)
        elif play.points == 3 and rng.random() < 0.4:
            red_zone_from = play.at - 0.3
        drives.append(Drive(start, play.at, offense, red_zone_from))
        receiving = play.team if play.points == 2 else other(play.team)
        cursor = play.at
    if cursor < length:
        drives += _fillers(cursor, length, receiving, rng)
    return [drive for drive in drives if drive.end > drive.start]


@lru_cache(maxsize=4096)
def plan_game(record: GameRecord, seed: int) -> GamePlan:
    """Return how a game unfolds for a seed; a game without a result never kicks off."""
    if not record.played:
        return GamePlan((), (), 0.0)
    rng = random.Random(f"{seed}:{record.eid}")
    plays, length = _scoring(record, rng)
    drives = _drives(plays, length, rng)
    return GamePlan(tuple(plays), tuple(drives), length)
