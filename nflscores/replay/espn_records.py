"""Each club's won-lost record before each of its games, from the packaged results.

A preseason game counts the club's preseason results; a regular-season or postseason game its
results since the regular season started (ESPN's "overall" record). Home and road splits count
the same games by where the club played.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache

from nflscores.domain.teams import franchise_of
from nflscores.replay.data import GameRecord, all_games


@dataclass(frozen=True, slots=True)
class Tally:
    """Wins, losses and ties."""

    wins: int = 0
    losses: int = 0
    ties: int = 0

    def add(self, scored: int, allowed: int) -> Tally:
        """Return the tally with one more result."""
        if scored > allowed:
            return replace(self, wins=self.wins + 1)
        if scored < allowed:
            return replace(self, losses=self.losses + 1)
        return replace(self, ties=self.ties + 1)

    @property
    def summary(self) -> str:
        """Return `W-L`, or `W-L-T` once the club has a tie, as ESPN writes a record."""
        text = f"{self.wins}-{self.losses}"
        return f"{text}-{self.ties}" if self.ties else text


@dataclass(frozen=True, slots=True)
class ClubRecord:
    """A club's record overall, at home and on the road."""

    total: Tally = Tally()
    home: Tally = Tally()
    road: Tally = Tally()

    def add(self, *, at_home: bool, scored: int, allowed: int) -> ClubRecord:
        """Return the record with one more result."""
        total = self.total.add(scored, allowed)
        if at_home:
            return ClubRecord(total, self.home.add(scored, allowed), self.road)
        return ClubRecord(total, self.home, self.road.add(scored, allowed))


def _kind(record: GameRecord) -> str:
    return "PRE" if record.season_type == "PRE" else "SEASON"


_franchise = cache(franchise_of)


@cache
def records_before(season: int) -> dict[str, tuple[ClubRecord, ClubRecord]]:
    """Return, by eid, the (home, away) clubs' records before each game of a season."""
    games = sorted(
        (record for record in all_games() if record.season == season),
        key=lambda record: (record.kickoff, record.eid),
    )
    running: defaultdict[tuple[str, str], ClubRecord] = defaultdict(ClubRecord)
    before: dict[str, tuple[ClubRecord, ClubRecord]] = {}
    for game in games:
        home = (_kind(game), _franchise(game.home))
        away = (_kind(game), _franchise(game.away))
        before[game.eid] = (running[home], running[away])
        if game.home_score is not None and game.away_score is not None:
            running[home] = running[home].add(
                at_home=True, scored=game.home_score, allowed=game.away_score
            )
            running[away] = running[away].add(
                at_home=False, scored=game.away_score, allowed=game.home_score
            )
    return before


def records_of(
    record: GameRecord, *, final: bool, home_score: int | None, away_score: int | None
) -> tuple[ClubRecord, ClubRecord]:
    """Return the (home, away) records a scoreboard shows: after the game once it is final."""
    home, away = records_before(record.season)[record.eid]
    if final and home_score is not None and away_score is not None:
        home = home.add(at_home=True, scored=home_score, allowed=away_score)
        away = away.add(at_home=False, scored=away_score, allowed=home_score)
    return home, away
