"""One club's season read from its weeks: each game from the club's side, and its JSON shape."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nflscores.domain.ledger import Result
from nflscores.domain.models import FINAL_STATUSES, Status, Week


@dataclass(frozen=True, slots=True, kw_only=True)
class ClubGame:
    """One game of a club's season, seen from the club's side."""

    id: str
    slug: str
    season_type: str
    kickoff: datetime
    opponent: str
    home: bool
    status: Status
    scored: int | None
    allowed: int | None
    #: When the copy of the game's week was fetched from the upstream (UTC).
    updated_at: datetime

    @property
    def final(self) -> bool:
        """Return whether the game is over."""
        return self.status in FINAL_STATUSES

    @property
    def result(self) -> str | None:
        """Return W, L or T once the game is over; None before."""
        if not self.final or self.scored is None or self.allowed is None:
            return None
        if self.scored == self.allowed:
            return "T"
        return "W" if self.scored > self.allowed else "L"


def club_games(team: str, weeks: Iterable[Week]) -> list[ClubGame]:
    """Return the club's games of the weeks, by kickoff then id."""
    games = []
    for week in weeks:
        for game in week.games:
            if team not in game.teams:
                continue
            home = game.home.team == team
            mine, theirs = (game.home, game.away) if home else (game.away, game.home)
            games.append(
                ClubGame(
                    id=game.id,
                    slug=week.slug,
                    season_type=week.season_type,
                    kickoff=game.kickoff,
                    opponent=theirs.team,
                    home=home,
                    status=game.status,
                    scored=mine.score,
                    allowed=theirs.score,
                    updated_at=week.updated_at,
                )
            )
    return sorted(games, key=lambda game: (game.kickoff, game.id))


def regular_results(weeks: Iterable[Week]) -> list[Result]:
    """Return the standings' view of the weeks' regular-season games."""
    return [
        Result(
            week=week.week,
            home=game.home.team,
            away=game.away.team,
            home_score=game.home.score,
            away_score=game.away.score,
            final=game.status in FINAL_STATUSES,
        )
        for week in weeks
        if week.season_type == "REG"
        for game in week.games
        if game.game_type == "REG"
    ]


def club_game_to_dict(game: ClubGame) -> dict[str, Any]:
    """Return the JSON shape of one game of a club's season (docs/api.md)."""
    score = None
    if game.scored is not None and game.allowed is not None:
        score = {"for": game.scored, "against": game.allowed}
    return {
        "slug": game.slug,
        "kickoff": game.kickoff,
        "opponent": game.opponent,
        "home": game.home,
        "status": game.status,
        "score": score,
        "result": game.result,
        "id": game.id,
    }


def club_season_to_dict(
    season: int, team: str, standing: dict[str, Any] | None, games: Iterable[ClubGame]
) -> dict[str, Any]:
    """Return the JSON shape of a club's season (docs/api.md); its record is its line's."""
    record = {key: (standing or {}).get(key, 0) for key in ("wins", "losses", "ties")}
    return {
        "season": season,
        "team": team,
        "record": record,
        "standing": standing,
        "games": [club_game_to_dict(game) for game in games],
    }
