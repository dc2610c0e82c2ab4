"""The records the service deals in: a week of games, as docs/api.md shapes them.

The fields only a richer source reports (ids, situation, venue, line scores, records, byes)
are None where a source lacks them and are always present, as null, in the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from nflscores.domain.weeks import SeasonType, WeekRef

Status = Literal["scheduled", "in_progress", "halftime", "final", "final_overtime", "suspended"]
WeekState = Literal["empty", "final", "live", "upcoming"]
SourceName = Literal["scorestrip", "espn"]

FINAL_STATUSES: Final = frozenset({"final", "final_overtime"})
IN_PLAY_STATUSES: Final = frozenset({"in_progress", "halftime"})


@dataclass(frozen=True, slots=True)
class GameIds:
    """Every id known for one game; None where no source or history gives it."""

    eid: str | None = None
    gsis: int | None = None
    espn: str | None = None


@dataclass(frozen=True, slots=True)
class Situation:
    """The down, distance and ball position of a game in play; each part None when unsent."""

    down: int | None = None
    distance: int | None = None
    yard_line: str | None = None
    text: str | None = None
    home_timeouts: int | None = None
    away_timeouts: int | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a game is played."""

    name: str | None = None
    city: str | None = None
    neutral_site: bool | None = None


@dataclass(frozen=True, slots=True)
class Side:
    """One team in one game."""

    team: str
    nickname: str
    score: int | None
    #: Points per quarter, overtime as a 5th entry.
    linescore: tuple[int, ...] | None = None
    #: The club's record as the source reports it ("W-L" or "W-L-T").
    record: str | None = None


@dataclass(frozen=True, slots=True)
class Game:
    """One game, whichever source listed it."""

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
    ids: GameIds = GameIds()
    situation: Situation | None = None
    venue: Venue | None = None

    @property
    def teams(self) -> tuple[str, str]:
        """Return the two team codes, home first."""
        return (self.home.team, self.away.team)


@dataclass(frozen=True, slots=True)
class Week:
    """One week of one season and its games, sorted by kickoff then id."""

    ref: WeekRef
    updated_at: datetime
    games: tuple[Game, ...] = field(default=())
    #: The format this copy was read from; None only for weeks built by hand.
    source: SourceName | None = None
    #: Team codes without a game this week, when the source says or the service can tell.
    byes: tuple[str, ...] | None = None

    @property
    def season(self) -> int:
        """Return the season year."""
        return self.ref.season

    @property
    def season_type(self) -> SeasonType:
        """Return PRE, REG or POST."""
        return self.ref.season_type

    @property
    def week(self) -> int:
        """Return the week's scorestrip number."""
        return self.ref.week

    @property
    def slug(self) -> str:
        """Return the week's slug in the API's paths."""
        return self.ref.slug

    @property
    def state(self) -> WeekState:
        """Return what the week's games say about how long a copy stays true."""
        return week_state(self.games)


def week_state(games: tuple[Game, ...]) -> WeekState:
    """Return `empty` without games, `final` when all are over, `live` while one is in play.

    Anything else (a game still to come, or only suspended ones unfinished) is `upcoming`.
    """
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
    return {
        "team": side.team,
        "nickname": side.nickname,
        "score": side.score,
        "linescore": None if side.linescore is None else list(side.linescore),
        "record": side.record,
    }


def _situation_to_dict(situation: Situation | None) -> dict[str, Any] | None:
    if situation is None:
        return None
    return {
        "down": situation.down,
        "distance": situation.distance,
        "yard_line": situation.yard_line,
        "text": situation.text,
        "home_timeouts": situation.home_timeouts,
        "away_timeouts": situation.away_timeouts,
    }


def _venue_to_dict(venue: Venue | None) -> dict[str, Any] | None:
    if venue is None:
        return None
    return {"name": venue.name, "city": venue.city, "neutral_site": venue.neutral_site}


def game_to_dict(game: Game) -> dict[str, Any]:
    """Return the JSON shape of one game (docs/api.md)."""
    data: dict[str, Any] = {
        "id": game.id,
        "gsis": game.gsis,
        "ids": {"eid": game.ids.eid, "gsis": game.ids.gsis, "espn": game.ids.espn},
        "game_type": game.game_type,
        "kickoff": game.kickoff,
        "day": game.day,
        "status": game.status,
        "quarter": game.quarter,
        "clock": game.clock,
        "possession": game.possession,
        "red_zone": game.red_zone,
        "situation": _situation_to_dict(game.situation),
        "venue": _venue_to_dict(game.venue),
        "home": side_to_dict(game.home),
        "away": side_to_dict(game.away),
    }
    if game.raw_status is not None:
        data["raw_status"] = game.raw_status
    return data


def week_to_dict(week: Week) -> dict[str, Any]:
    """Return the JSON shape of one week (docs/api.md)."""
    return {
        "season": week.season,
        "season_type": week.season_type,
        "week": week.week,
        "slug": week.slug,
        "source": week.source,
        "updated_at": week.updated_at,
        "byes": None if week.byes is None else list(week.byes),
        "games": [game_to_dict(game) for game in week.games],
    }


# The readers below accept copies written before the richer fields existed (a cache or a
# live history that outlives an upgrade): a field that is not there reads as None.


def _side_from_dict(data: dict[str, Any]) -> Side:
    linescore = data.get("linescore")
    return Side(
        team=data["team"],
        nickname=data["nickname"],
        score=data["score"],
        linescore=None if linescore is None else tuple(linescore),
        record=data.get("record"),
    )


def _ids_from_dict(data: dict[str, Any] | None) -> GameIds:
    if data is None:
        return GameIds()
    return GameIds(eid=data.get("eid"), gsis=data.get("gsis"), espn=data.get("espn"))


def _situation_from_dict(data: dict[str, Any] | None) -> Situation | None:
    if data is None:
        return None
    return Situation(
        down=data.get("down"),
        distance=data.get("distance"),
        yard_line=data.get("yard_line"),
        text=data.get("text"),
        home_timeouts=data.get("home_timeouts"),
        away_timeouts=data.get("away_timeouts"),
    )


def _venue_from_dict(data: dict[str, Any] | None) -> Venue | None:
    if data is None:
        return None
    return Venue(
        name=data.get("name"), city=data.get("city"), neutral_site=data.get("neutral_site")
    )


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
        ids=_ids_from_dict(data.get("ids")),
        situation=_situation_from_dict(data.get("situation")),
        venue=_venue_from_dict(data.get("venue")),
    )


def week_from_dict(data: dict[str, Any]) -> Week:
    """Return the week a JSON object describes (the inverse of week_to_dict)."""
    byes = data.get("byes")
    return Week(
        ref=WeekRef(data["season"], data["season_type"], data["week"], data["slug"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        games=tuple(game_from_dict(game) for game in data["games"]),
        source=data.get("source"),
        byes=None if byes is None else tuple(byes),
    )
