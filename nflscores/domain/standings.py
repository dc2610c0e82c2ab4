"""A season's standings from its results: every club's line, division ranks and seeds.

Pure: results in, standings out. The division winners take the first seeds (ordered by the
wild-card procedure, as the league orders them), the wild cards the rest; see tiebreakers for
the steps of each era. A club whose place hangs on a step the scores cannot decide (net
touchdowns, a coin toss) is placed by code and marked `tiebreak_unresolved`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from nflscores.domain.ledger import Ledger, Result, record_of
from nflscores.domain.teams import CONFERENCES, divisions_of
from nflscores.domain.tiebreakers import order, procedures_of, wild_cards

#: Seasons from which each conference has seven playoff places instead of six.
SEVEN_SEEDS_FROM: Final = 2020


def playoff_places(season: int) -> int:
    """Return how many clubs of each conference the season's playoffs take."""
    return 7 if season >= SEVEN_SEEDS_FROM else 6


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One club's line in the standings (docs/api.md)."""

    team: str
    wins: int
    losses: int
    ties: int
    pct: float
    points_for: int
    points_against: int
    net_points: int
    division_record: str
    conference_record: str
    home_record: str
    away_record: str
    streak: str | None
    division_rank: int
    seed: int | None
    tiebreak_unresolved: bool


@dataclass(frozen=True, slots=True)
class DivisionTable:
    """One division's lines in division-rank order."""

    name: str
    teams: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class ConferenceTable:
    """One conference's divisions in the league's order."""

    name: str
    divisions: tuple[DivisionTable, ...]


@dataclass(frozen=True, slots=True)
class Standings:
    """Every club of a season, by conference and division."""

    season: int
    conferences: tuple[ConferenceTable, ...]

    def line(self, team: str) -> Line | None:
        """Return a club's line (by its code of the season), or None."""
        for conference in self.conferences:
            for division in conference.divisions:
                for line in division.teams:
                    if line.team == team:
                        return line
        return None


def compute(season: int, results: Iterable[Result]) -> Standings:
    """Return the standings the season's counted regular-season results make."""
    divisions = divisions_of(season)
    ledger = Ledger.of(
        results,
        division_of={club: d.name for d in divisions for club in d.teams},
        conference_of={club: d.conference for d in divisions for club in d.teams},
    )
    by_division, by_wild_card = procedures_of(season)
    rank: dict[str, int] = {}
    unresolved: set[str] = set()
    ranked: dict[str, list[str]] = {}
    for division in divisions:
        picks = order(ledger, division.teams, by_division)
        ranked[division.name] = [p.club for p in picks]
        for place, chosen in enumerate(picks, start=1):
            rank[chosen.club] = place
            unresolved |= chosen.unresolved
    seed: dict[str, int] = {}
    for conference in CONFERENCES:
        mine = [d for d in divisions if d.conference == conference]
        winners = [ranked[d.name][0] for d in mine]
        others = [club for d in mine for club in ranked[d.name][1:]]
        places = playoff_places(season) - len(winners)
        picks = [
            *order(ledger, winners, by_wild_card),
            *wild_cards(ledger, others, rank, places, by_wild_card),
        ]
        for number, chosen in enumerate(picks, start=1):
            seed[chosen.club] = number
            unresolved |= chosen.unresolved

    def line(club: str) -> Line:
        return _line(ledger, club, rank[club], seed.get(club), club in unresolved)

    return Standings(
        season,
        tuple(
            ConferenceTable(
                conference,
                tuple(
                    DivisionTable(d.name, tuple(line(club) for club in ranked[d.name]))
                    for d in divisions
                    if d.conference == conference
                ),
            )
            for conference in CONFERENCES
        ),
    )


def _line(ledger: Ledger, club: str, rank: int, seed: int | None, unresolved: bool) -> Line:
    games = ledger.games(club)
    record = record_of(games)
    scored = sum(game.scored for game in games)
    allowed = sum(game.allowed for game in games)
    return Line(
        team=club,
        wins=record.wins,
        losses=record.losses,
        ties=record.ties,
        pct=float(record.pct),
        points_for=scored,
        points_against=allowed,
        net_points=scored - allowed,
        division_record=str(ledger.record(club, ledger.division_mates(club))),
        conference_record=str(ledger.record(club, ledger.conference_mates(club))),
        home_record=str(record_of(game for game in games if game.home)),
        away_record=str(record_of(game for game in games if not game.home)),
        streak=streak(ledger, club),
        division_rank=rank,
        seed=seed,
        tiebreak_unresolved=unresolved,
    )


def streak(ledger: Ledger, club: str) -> str | None:
    """Return the run of equal results a club ends on (`W2`, `L1`, `T1`); None before any."""
    games = ledger.games(club)
    if not games:
        return None
    last = games[-1].outcome
    run = 0
    for game in reversed(games):
        if game.outcome != last:
            break
        run += 1
    return f"{last}{run}"


def line_to_dict(line: Line) -> dict[str, Any]:
    """Return the JSON shape of one club's line (docs/api.md)."""
    return {
        "team": line.team,
        "wins": line.wins,
        "losses": line.losses,
        "ties": line.ties,
        "pct": line.pct,
        "points_for": line.points_for,
        "points_against": line.points_against,
        "net_points": line.net_points,
        "division_record": line.division_record,
        "conference_record": line.conference_record,
        "home_record": line.home_record,
        "away_record": line.away_record,
        "streak": line.streak,
        "division_rank": line.division_rank,
        "seed": line.seed,
        "tiebreak_unresolved": line.tiebreak_unresolved,
    }


def conferences_to_list(standings: Standings) -> list[dict[str, Any]]:
    """Return the `conferences` part of the standings JSON (docs/api.md)."""
    return [
        {
            "name": conference.name,
            "divisions": [
                {"name": division.name, "teams": [line_to_dict(line) for line in division.teams]}
                for division in conference.divisions
            ],
        }
        for conference in standings.conferences
    ]
