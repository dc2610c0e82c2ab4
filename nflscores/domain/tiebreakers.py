"""The NFL's tie-breaking procedures of each era, as steps over a season's results.

A step looks at the clubs still tied and gives each a value (higher is better), or None when
it does not apply (no games of that kind yet, fewer common games than the minimum, no sweep).
`pick` walks the steps of the two-club or the three-or-more-club format: when a step leaves
one club on top, that club wins; when it leaves several but drops others, the rest restart at
the first step of the format for their number (the league's note since 2002: "If two clubs
remain tied after one or more clubs are eliminated during any step, tiebreaker restarts at
Step 1 of two-club format; if three clubs remain tied after a fourth club is eliminated...").
The last steps, net touchdowns and a coin toss, cannot be decided from scores: clubs still tied
there are ordered by code and reported as unresolved.

Eras:

- 2002 on (eight divisions): division ties go head-to-head, division, common games, conference,
  strength of victory, strength of schedule, combined ranking in points scored and allowed
  (conference, then league), net points in common games, net points in all games. Wild-card
  ties go head-to-head (two clubs: if they met; three or more: only a sweep), conference,
  common games (minimum four), strength of victory, strength of schedule, the combined rankings,
  net points in conference games, net points in all games.
- 1999-2001 (six divisions, three wild cards): no strength of victory and no combined rankings;
  division ties go head-to-head, division, common games, conference, net points in division
  games, net points in all games, strength of schedule; wild-card ties go head-to-head
  (sweep for three or more), conference, common games (minimum four), average net points in
  conference games, net points in all games, strength of schedule. The league's own text of
  that era was not at hand; this order is read from copies of it of the time. Every final
  table of 1999-2001 comes out the same with conference record before common games, or with
  the 2002 steps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from nflscores.domain.ledger import Ledger, Record

Value = Fraction | int
Step = Callable[[Ledger, frozenset[str]], dict[str, Value] | None]

#: First season of the eight-division procedures.
REALIGNED: Final = 2002
#: Wild-card minimum of common games per club.
COMMON_GAMES_MINIMUM: Final = 4


@dataclass(frozen=True, slots=True)
class Procedure:
    """The steps for two clubs and for three or more, in order."""

    name: str
    two: tuple[Step, ...]
    more: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Pick:
    """The club a tie-break put first, and the clubs no step could tell apart (if any)."""

    club: str
    unresolved: frozenset[str] = frozenset()
    #: The step that set the club apart from the last clubs tied with it (None: no tie).
    decided_by: str | None = None


def _pct_among(
    ledger: Ledger,
    clubs: frozenset[str],
    among: Callable[[str], Collection[str]],
    *,
    minimum: int = 1,
) -> dict[str, Value] | None:
    records = {club: ledger.record(club, among(club)) for club in clubs}
    if any(record.games < minimum for record in records.values()):
        return None
    return {club: record.pct for club, record in records.items()}


def _common_opponents(ledger: Ledger, clubs: frozenset[str]) -> frozenset[str]:
    return frozenset.intersection(*(ledger.opponents(club) for club in clubs))


def head_to_head(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best percentage in games among the clubs (when each has played another of them)."""
    return _pct_among(ledger, clubs, lambda club: clubs - {club})


def head_to_head_sweep(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """A club that beat each of the others goes first; one that lost to each goes out."""

    def swept(club: str, outcome: str) -> bool:
        return all(
            (games := ledger.games(club, {other})) and all(g.outcome == outcome for g in games)
            for other in clubs - {club}
        )

    for club in sorted(clubs):
        if swept(club, "W"):
            return {other: int(other == club) for other in clubs}
    for club in sorted(clubs):
        if swept(club, "L"):
            return {other: int(other != club) for other in clubs}
    return None


def division_record(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best percentage in games within the division."""
    return _pct_among(ledger, clubs, ledger.division_mates)


def conference_record(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best percentage in games within the conference."""
    return _pct_among(ledger, clubs, ledger.conference_mates)


def common_games(minimum: int) -> Step:
    """Best percentage in games against opponents every tied club played."""

    def step(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
        common = _common_opponents(ledger, clubs)
        return _pct_among(ledger, clubs, lambda _: common, minimum=minimum)

    step.__name__ = "common_games"
    step.__doc__ = f"Best percentage in common games (minimum {minimum} per club)."
    return step


def _combined(ledger: Ledger, opponents: Iterable[str]) -> Fraction:
    return sum((ledger.record(opponent) for opponent in opponents), Record()).pct


def strength_of_victory(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best combined percentage of the clubs each has beaten (once per win)."""
    return {
        club: _combined(ledger, (g.opponent for g in ledger.games(club) if g.outcome == "W"))
        for club in clubs
    }


def strength_of_schedule(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best combined percentage of every opponent (once per game)."""
    return {club: _combined(ledger, (g.opponent for g in ledger.games(club))) for club in clubs}


def _ranks(values: dict[str, int], *, highest_first: bool) -> dict[str, int]:
    # A shared place is held by each club as if alone: 1, 1, 3 (the league's rule).
    ordered = sorted(values.values(), reverse=highest_first)
    return {club: ordered.index(value) + 1 for club, value in values.items()}


def combined_ranking(*, league: bool) -> Step:
    """Best sum of the places in points scored and points allowed, in the conference or league."""

    def step(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
        conference = ledger.conference_of[next(iter(clubs))]
        field = [c for c in ledger.clubs if league or ledger.conference_of[c] == conference]
        scored = {c: sum(g.scored for g in ledger.games(c)) for c in field}
        allowed = {c: sum(g.allowed for g in ledger.games(c)) for c in field}
        by_scored = _ranks(scored, highest_first=True)
        by_allowed = _ranks(allowed, highest_first=False)
        return {club: -(by_scored[club] + by_allowed[club]) for club in clubs}

    step.__name__ = "combined_ranking_league" if league else "combined_ranking_conference"
    where = "all teams" if league else "conference teams"
    step.__doc__ = f"Best combined ranking among {where} in points scored and points allowed."
    return step


def net_points_common(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best net points in games against common opponents."""
    common = _common_opponents(ledger, clubs)
    if not common:
        return None
    return {club: ledger.net_points(club, common) for club in clubs}


def net_points_division(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best net points in division games."""
    return {club: ledger.net_points(club, ledger.division_mates(club)) for club in clubs}


def net_points_conference(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best net points in conference games."""
    return {club: ledger.net_points(club, ledger.conference_mates(club)) for club in clubs}


def average_net_points_conference(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best net points per game in conference games."""
    games = {club: ledger.games(club, ledger.conference_mates(club)) for club in clubs}
    if not all(games.values()):
        return None
    return {
        club: Fraction(sum(g.scored - g.allowed for g in played), len(played))
        for club, played in games.items()
    }


def net_points_all(ledger: Ledger, clubs: frozenset[str]) -> dict[str, Value] | None:
    """Best net points in all games."""
    return {club: ledger.net_points(club) for club in clubs}


_DIVISION_2002: Final = (
    head_to_head,
    division_record,
    common_games(1),
    conference_record,
    strength_of_victory,
    strength_of_schedule,
    combined_ranking(league=False),
    combined_ranking(league=True),
    net_points_common,
    net_points_all,
)
_WILDCARD_2002_TAIL: Final = (
    conference_record,
    common_games(COMMON_GAMES_MINIMUM),
    strength_of_victory,
    strength_of_schedule,
    combined_ranking(league=False),
    combined_ranking(league=True),
    net_points_conference,
    net_points_all,
)
_DIVISION_1999: Final = (
    head_to_head,
    division_record,
    common_games(1),
    conference_record,
    net_points_division,
    net_points_all,
    strength_of_schedule,
)
_WILDCARD_1999_TAIL: Final = (
    conference_record,
    common_games(COMMON_GAMES_MINIMUM),
    average_net_points_conference,
    net_points_all,
    strength_of_schedule,
)

DIVISION_2002: Final = Procedure("division", _DIVISION_2002, _DIVISION_2002)
WILDCARD_2002: Final = Procedure(
    "wild card", (head_to_head, *_WILDCARD_2002_TAIL), (head_to_head_sweep, *_WILDCARD_2002_TAIL)
)
DIVISION_1999: Final = Procedure("division", _DIVISION_1999, _DIVISION_1999)
WILDCARD_1999: Final = Procedure(
    "wild card", (head_to_head, *_WILDCARD_1999_TAIL), (head_to_head_sweep, *_WILDCARD_1999_TAIL)
)


def procedures_of(season: int) -> tuple[Procedure, Procedure]:
    """Return the season's division and wild-card procedures."""
    if season >= REALIGNED:
        return DIVISION_2002, WILDCARD_2002
    return DIVISION_1999, WILDCARD_1999


def pick(ledger: Ledger, tied: Collection[str], procedure: Procedure) -> Pick:
    """Return the club the procedure puts first among clubs tied in percentage."""
    clubs = frozenset(tied)
    decided_by = None
    while len(clubs) > 1:
        steps = procedure.two if len(clubs) == 2 else procedure.more
        for step in steps:
            values = step(ledger, clubs)
            if values is None:
                continue
            best = max(values.values())
            leaders = frozenset(club for club in clubs if values[club] == best)
            if len(leaders) < len(clubs):
                clubs, decided_by = leaders, step.__name__
                break
        else:
            # Net touchdowns and a coin toss would decide: not knowable from scores.
            return Pick(min(clubs), clubs)
    (club,) = clubs
    return Pick(club, decided_by=decided_by)


def order(ledger: Ledger, clubs: Collection[str], procedure: Procedure) -> list[Pick]:
    """Return the clubs best first: by percentage, ties broken one place at a time."""
    left = set(clubs)
    picks: list[Pick] = []
    while left:
        best = max(ledger.record(club).pct for club in left)
        tied = {club for club in left if ledger.record(club).pct == best}
        chosen = pick(ledger, tied, procedure)
        picks.append(chosen)
        left.remove(chosen.club)
    return picks


def wild_cards(
    ledger: Ledger,
    pool: Collection[str],
    division_rank: dict[str, int],
    places: int,
    procedure: Procedure,
) -> list[Pick]:
    """Return the wild cards in seed order, naming one at a time from the clubs of `pool`.

    Among the clubs tied for the best percentage, only the highest-ranked of each division
    stays in (the division tie-break's order holds for every later place); the procedure then
    names one club, and the search starts again for the next place.
    """
    left = set(pool)
    picks: list[Pick] = []
    while left and len(picks) < places:
        best = max(ledger.record(club).pct for club in left)
        tied = [club for club in left if ledger.record(club).pct == best]
        top: dict[str, str] = {}
        for club in sorted(tied, key=division_rank.__getitem__):
            top.setdefault(ledger.division_of[club], club)
        chosen = pick(ledger, top.values(), procedure)
        picks.append(chosen)
        left.remove(chosen.club)
    return picks
