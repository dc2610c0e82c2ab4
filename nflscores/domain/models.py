"""The records the service deals in: a week of games, as API.md shapes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

Status = Literal["scheduled", "in_progress", "halftime", "final", "final_overtime", "suspended"]
WeekState = Literal["empty", "final", "live", "upcoming"]

FINAL_STATUSES: Final = frozenset({"final", "final_overtime"})
IN_PLAY_STATUSES: Final = frozenset({"in_progress", "halftime"})


@dataclass(frozen=True, slots=True)
class Side:
    """One team in one game."""

    team: str
    nickname: str
    score: int | None


@dataclass(frozen=True, slots=True)
class Game:
    """One game as the scorestrip lists it."""

    id: str
    gsis: int | None
    game_type: str
    kickoff: datetime
    day: str
    status: Status
    quarter: int | None
    clock: str | None
    possession: str | None
    red_zone: bool | None
    home: Side
    away: Side
    raw_status: str | None = None

    @property
    def teams(self) -> tuple[str, str]:
        """Return the two team codes, home first."""
        return (self.home.team, self.away.team)


@dataclass(frozen=True, slots=True)
class Week:
    """One week of one season and its games, sorted by kickoff then id."""

    season: int
    season_type: str
    week: int
    slug: str
    updated_at: datetime
    games: tuple[Game, ...] = field(default=())

    @property
    def state(self) -> WeekState:
        """Return what the week's games say about how long a copy stays true."""
        return week_state(self.games)


def week_state(games: tuple[Game, ...]) -> WeekState:
    """Return `final` when every game is over, `live` while one is in play, else `upcoming`."""
    if not games:
        return "empty"
    statuses = {game.status for game in games}
    if statuses <= FINAL_STATUSES:
        return "final"
    if statuses & IN_PLAY_STATUSES:
        return "live"
    return "upcoming"


def side_to_dict(side: Side) -> dict[str, Any]:
    """Return the JSON shape of one side."""
    return {"team": side.team, "nickname": side.nickname, "score": side.score}


def game_to_dict(game: Game) -> dict[str, Any]:
    """Return the JSON shape of one game (API.md)."""
    data: dict[str, Any] = {
        "id": game.id,
        "gsis": game.gsis,
        "game_type": game.game_type,
        "kickoff": game.kickoff,
        "day": game.day,
        "status": game.status,
        "quarter": game.quarter,
        "clock": game.clock,
        "possession": game.possession,
        "red_zone": game.red_zone,
        "home": side_to_dict(game.home),
        "away": side_to_dict(game.away),
    }
    if game.raw_status is not None:
        data["raw_status"] = game.raw_status
    return data


def week_to_dict(week: Week) -> dict[str, Any]:
    """Return the JSON shape of one week (API.md)."""
    return {
        "season": week.season,
        "season_type": week.season_type,
        "week": week.week,
        "slug": week.slug,
        "updated_at": week.updated_at,
        "games": [game_to_dict(game) for game in week.games],
    }


def _side_from_dict(data: dict[str, Any]) -> Side:
    return Side(team=data["team"], nickname=data["nickname"], score=data["score"])


def game_from_dict(data: dict[str, Any]) -> Game:
    """Return the game a JSON object describes (the inverse of game_to_dict)."""
    return Game(
        id=data["id"],
        gsis=data["gsis"],
        game_type=data["game_type"],
        kickoff=datetime.fromisoformat(data["kickoff"]),
        day=data["day"],
        status=data["status"],
        quarter=data["quarter"],
        clock=data["clock"],
        possession=data["possession"],
        red_zone=data["red_zone"],
        home=_side_from_dict(data["home"]),
        away=_side_from_dict(data["away"]),
        raw_status=data.get("raw_status"),
    )


def week_from_dict(data: dict[str, Any]) -> Week:
    """Return the week a JSON object describes (the inverse of week_to_dict)."""
    return Week(
        season=data["season"],
        season_type=data["season_type"],
        week=data["week"],
        slug=data["slug"],
        updated_at=datetime.fromisoformat(data["updated_at"]),
        games=tuple(game_from_dict(game) for game in data["games"]),
    )
