"""A season's results from each club's side: the records every tie-breaking step compares.

Percentages are exact fractions (a tie is half a win), so two clubs are tied only when their
records really are equal, never because two floats happened to round alike.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Result:
    """One regular-season game as the standings need it; only final games count."""

    week: int
    home: str
    away: str
    home_score: int | None
    away_score: int | None
    final: bool

    @property
    def counts(self) -> bool:
        """Return whether the game is over with both scores known."""
        return self.final and self.home_score is not None and self.away_score is not None


@dataclass(frozen=True, slots=True)
class Played:
    """One counted game from one club's side."""

    week: int
    opponent: str
    home: bool
    scored: int
    allowed: int

    @property
    def outcome(self) -> str:
        """Return W, L or T."""
        if self.scored > self.allowed:
            return "W"
        return "L" if self.scored < self.allowed else "T"


@dataclass(frozen=True, slots=True)
class Record:
    """Wins, losses and ties over some games."""

    wins: int = 0
    losses: int = 0
    ties: int = 0

    @property
    def games(self) -> int:
        """Return how many games the record covers."""
        return self.wins + self.losses + self.ties

    @property
    def pct(self) -> Fraction:
        """Return the won-lost-tied percentage, a tie counting half a win; 0 without games."""
        if not self.games:
            return Fraction(0)
        return Fraction(2 * self.wins + self.ties, 2 * self.games)

    def __add__(self, other: Record) -> Record:
        return Record(self.wins + other.wins, self.losses + other.losses, self.ties + other.ties)

    def __str__(self) -> str:
        return f"{self.wins}-{self.losses}-{self.ties}"


def record_of(games: Iterable[Played]) -> Record:
    """Return the record of some games."""
    outcomes = [game.outcome for game in games]
    return Record(outcomes.count("W"), outcomes.count("L"), outcomes.count("T"))


class Ledger:
    """Every club's counted games of one season, with its division and conference."""

    def __init__(self, division_of: dict[str, str], conference_of: dict[str, str]) -> None:
        self.division_of = division_of
        self.conference_of = conference_of
        self._games: dict[str, list[Played]] = {club: [] for club in division_of}

    @classmethod
    def of(
        cls,
        results: Iterable[Result],
        *,
        division_of: dict[str, str],
        conference_of: dict[str, str],
    ) -> Ledger:
        """Return the ledger of the counted results between clubs of the season, in week order."""
        ledger = cls(division_of, conference_of)
        for result in sorted(results, key=lambda r: r.week):
            ledger.add(result)
        return ledger

    def add(self, result: Result) -> None:
        """Count one result; one not over, or naming a club outside the season, is left out."""
        home, away = result.home_score, result.away_score
        if home is None or away is None or not result.final:
            return
        if not {result.home, result.away} <= self._games.keys():
            return
        self._games[result.home].append(Played(result.week, result.away, True, home, away))
        self._games[result.away].append(Played(result.week, result.home, False, away, home))

    @property
    def clubs(self) -> Collection[str]:
        """Return every club of the season."""
        return self._games.keys()

    def games(self, club: str, among: Collection[str] | None = None) -> list[Played]:
        """Return a club's counted games in week order, only those against `among` if given."""
        games = self._games[club]
        return games if among is None else [game for game in games if game.opponent in among]

    def record(self, club: str, among: Collection[str] | None = None) -> Record:
        """Return a club's record, only against `among` if given."""
        return record_of(self.games(club, among))

    def net_points(self, club: str, among: Collection[str] | None = None) -> int:
        """Return points scored less points allowed, only against `among` if given."""
        return sum(game.scored - game.allowed for game in self.games(club, among))

    def opponents(self, club: str) -> frozenset[str]:
        """Return every club a club has played."""
        return frozenset(game.opponent for game in self._games[club])

    def division_mates(self, club: str) -> frozenset[str]:
        """Return the other clubs of a club's division."""
        division = self.division_of[club]
        return frozenset(c for c, d in self.division_of.items() if d == division and c != club)

    def conference_mates(self, club: str) -> frozenset[str]:
        """Return the other clubs of a club's conference."""
        conference = self.conference_of[club]
        return frozenset(c for c, k in self.conference_of.items() if k == conference and c != club)
