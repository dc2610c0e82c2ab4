"""Render ESPN's scoreboard JSON, in the shape the real captures show, from game records.

Each game's moment comes from the same path as the scorestrip feed (live.line_at on the plan),
so both formats tell the same score, status, clock, possession and red zone at every virtual
minute; the down, distance, yard line, timeouts and line score come from situation.py on the
same drives. Only the fields a scoreboard client reads are written, plus the names around them
(no odds, leaders, links or logos); what the data does not know (venue, neutral site) is left
out, as ESPN leaves out what it does not have.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, Final

from nflscores.domain.encoding import dumps
from nflscores.domain.teams import franchise_of
from nflscores.domain.weeks import WeekRef, find_week
from nflscores.replay.data import GameRecord, all_games, games_of
from nflscores.replay.espn_calendar import (
    OFF,
    TYPE_ABBREVIATIONS,
    TYPE_NAMES,
    TYPE_SLUGS,
    calendar_json,
    espn_week,
    season_calendar,
    utc_text,
    week_at,
)
from nflscores.replay.espn_records import ClubRecord, records_of
from nflscores.replay.espn_teams import EspnTeam, clubs_of, espn_team
from nflscores.replay.feed import Line
from nflscores.replay.live import game_minute, line_at
from nflscores.replay.plan import plan_game
from nflscores.replay.situation import Situation, linescore, situation_at
from nflscores.sources.scorestrip import EASTERN

LEAGUE_ID: Final = "28"
_UID: Final = "s:20~l:28"
_ORDINALS: Final = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}
_PERIODS: Final = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "H": 2, "F": 4, "FO": 5}
#: Quarters whose end shows as STATUS_END_PERIOD while the clock stands at 0:00.
_BREAKS: Final = frozenset({1, 3})
#: The first month of a new season in ESPN's calendars.
OFF_SEASON_ENDS_MONTH: Final = 8


@dataclass(frozen=True, slots=True)
class EspnGame:
    """One game at one moment: its scorestrip line and what only ESPN's format carries."""

    record: GameRecord
    line: Line
    #: (home, away) points per period reached; empty before kickoff.
    linescore: tuple[tuple[int, int], ...]
    #: While a quarter is being played (not before, at halftime or after).
    situation: Situation | None
    overtime_follows: bool


def game_at(record: GameRecord, seed: int, virtual_min: float) -> EspnGame:
    """Return how a game stands `virtual_min` virtual minutes after its listed kickoff."""
    plan = plan_game(record, seed)
    line = line_at(record, plan, virtual_min)
    periods = _PERIODS.get(line.q, 0)
    if line.q == "FO" or (line.q == "F" and plan.overtime):
        periods = 5
    minute = plan.length if line.q in {"F", "FO"} else game_minute(virtual_min)
    if minute is None:  # halftime
        minute = 30.0
    situation = situation_at(record, seed, minute) if line.in_play else None
    return EspnGame(
        record=record,
        line=line,
        linescore=linescore(plan, minute, periods) if periods else (),
        situation=situation,
        overtime_follows=plan.overtime,
    )


def week_games(games: Iterable[GameRecord], seed: int, now: datetime) -> tuple[EspnGame, ...]:
    """Return every game as it stands at virtual time `now`, as live.week_lines does."""
    return tuple(
        game_at(record, seed, (now - record.kickoff).total_seconds() / 60) for record in games
    )


def final_games(games: Iterable[GameRecord], seed: int) -> tuple[EspnGame, ...]:
    """Return every game as it ended: final, or scheduled when the data holds no result."""
    return tuple(game_at(record, seed, math.inf) for record in games)


def _team(team: EspnTeam) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": team.id,
        "uid": f"{_UID}~t:{team.id}",
        "location": team.location,
    }
    if team.name is not None:
        body["name"] = team.name
    body |= {
        "abbreviation": team.abbreviation,
        "displayName": team.display_name,
        "shortDisplayName": team.short_display_name,
        "isActive": True,
    }
    return body


def _clock_seconds(clock: str | None) -> int:
    if not clock:
        return 0
    minutes, seconds = clock.split(":")
    return int(minutes) * 60 + int(seconds)


def _display_clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _day_ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _pregame_details(kickoff: datetime) -> tuple[str, str]:
    local = kickoff.astimezone(EASTERN)
    hour = f"{(local.hour - 1) % 12 + 1}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    zone = local.strftime("%Z")
    detail = f"{local:%a, %B} {_day_ordinal(local.day)} at {hour} {zone}"
    return detail, f"{local.month}/{local.day} - {hour} {zone}"


def _status_type(
    type_id: str, name: str, state: str, description: str, *, detail: str, short: str
) -> dict[str, Any]:
    return {
        "id": type_id,
        "name": name,
        "state": state,
        "completed": state == "post",
        "description": description,
        "detail": detail,
        "shortDetail": short,
    }


def _status(game: EspnGame) -> dict[str, Any]:
    q = game.line.q
    seconds = _clock_seconds(game.line.clock)
    clock = {"clock": float(seconds), "displayClock": _display_clock(seconds)}
    if q == "P":
        detail, short = _pregame_details(game.record.kickoff)
        kind = _status_type("1", "STATUS_SCHEDULED", "pre", "Scheduled", detail=detail, short=short)
        return {**clock, "period": 0, "type": kind}
    if q == "H":
        kind = _status_type(
            "23", "STATUS_HALFTIME", "in", "Halftime", detail="Halftime", short="Halftime"
        )
        return {**clock, "period": 2, "type": kind}
    if q in {"F", "FO"}:
        overtime = game.linescore and len(game.linescore) == 5
        text = "Final/OT" if overtime else "Final"
        kind = _status_type("3", "STATUS_FINAL", "post", "Final", detail=text, short=text)
        if overtime:
            kind["altDetail"] = "OT"
        return {**clock, "period": 5 if overtime else 4, "type": kind}
    period = _PERIODS[q]
    name = "OT" if period == 5 else _ORDINALS[period]
    ended = seconds == 0 and (period in _BREAKS or (period == 4 and game.overtime_follows))
    if ended:
        long = f"End of {name}" if period == 5 else f"End of {name} Quarter"
        kind = _status_type(
            "22", "STATUS_END_PERIOD", "in", "End of Period", detail=long, short=f"End of {name}"
        )
    else:
        display = clock["displayClock"]
        long = f"{display} - {name}" if period == 5 else f"{display} - {name} Quarter"
        kind = _status_type(
            "2", "STATUS_IN_PROGRESS", "in", "In Progress", detail=long, short=f"{display} - {name}"
        )
    return {**clock, "period": period, "type": kind}


def _records(record: ClubRecord, *, final: bool) -> list[dict[str, Any]]:
    return [
        {
            "name": "overall",
            "abbreviation": "Game" if final else "Any",
            "type": "total",
            "summary": record.total.summary,
        },
        {"name": "Home", "type": "home", "summary": record.home.summary},
        {"name": "Road", "type": "road", "summary": record.road.summary},
    ]


def _competitor(
    game: EspnGame, side: int, team: EspnTeam, score: int | None, club: ClubRecord
) -> dict[str, Any]:
    line = game.line
    final = line.q in {"F", "FO"}
    body: dict[str, Any] = {
        "id": team.id,
        "uid": f"{_UID}~t:{team.id}",
        "type": "team",
        "order": side,
        "homeAway": "home" if side == 0 else "away",
    }
    if final and line.home_score is not None and line.away_score is not None:
        mine, theirs = (
            (line.home_score, line.away_score) if side == 0 else (line.away_score, line.home_score)
        )
        body["winner"] = mine > theirs
    body |= {"team": _team(team), "score": str(score or 0)}
    if game.linescore:
        body["linescores"] = [
            {"value": float(points[side]), "displayValue": str(points[side]), "period": index}
            for index, points in enumerate(game.linescore, start=1)
        ]
    body["records"] = _records(club, final=final)
    return body


def _yard_text(situation: Situation, offense: EspnTeam, defense: EspnTeam) -> str:
    yards = situation.to_goal
    if yards == 50:
        return "50"
    return (
        f"{defense.abbreviation} {yards}" if yards < 50 else f"{offense.abbreviation} {100 - yards}"
    )


def _situation(situation: Situation, home: EspnTeam, away: EspnTeam) -> dict[str, Any]:
    offense, defense = (home, away) if situation.team == "home" else (away, home)
    where = _yard_text(situation, offense, defense)
    to_go = "Goal" if situation.goal_to_go else str(situation.distance)
    short = f"{_ORDINALS[situation.down]} & {to_go}"
    # ESPN's yardLine counts from the home team's goal line, whoever has the ball.
    yard_line = 100 - situation.to_goal if situation.team == "home" else situation.to_goal
    return {
        "down": situation.down,
        "yardLine": yard_line,
        "distance": situation.distance,
        "downDistanceText": f"{short} at {where}",
        "shortDownDistanceText": short,
        "possessionText": where,
        "isRedZone": situation.red_zone,
        "homeTimeouts": situation.home_timeouts,
        "awayTimeouts": situation.away_timeouts,
        "possession": offense.id,
    }


def week_of(record: GameRecord) -> WeekRef:
    """Return the week a packaged game belongs to (the build checks that it has one)."""
    ref = find_week(record.season, record.season_type, record.week)
    if ref is None:
        raise ValueError(f"{record.eid}: {record.season} has no week {record.week}")
    return ref


def event_json(game: EspnGame) -> dict[str, Any]:
    """Return one game as an event of ESPN's scoreboard."""
    record, line = game.record, game.line
    season = record.season
    home, away = espn_team(record.home, season), espn_team(record.away, season)
    season_type, number = espn_week(week_of(record))
    final = line.q in {"F", "FO"}
    home_record, away_record = records_of(
        record, final=final, home_score=line.home_score, away_score=line.away_score
    )
    date = utc_text(record.kickoff)
    status = _status(game)
    competition: dict[str, Any] = {
        "id": record.espn_id,
        "uid": f"{_UID}~e:{record.espn_id}~c:{record.espn_id}",
        "date": date,
        "type": {"id": "1", "abbreviation": "STD"},
        "timeValid": True,
        "competitors": [
            _competitor(game, 0, home, line.home_score, home_record),
            _competitor(game, 1, away, line.away_score, away_record),
        ],
    }
    if game.situation is not None:
        competition["situation"] = _situation(game.situation, home, away)
    competition |= {"status": status, "startDate": date}
    return {
        "id": record.espn_id,
        "uid": f"{_UID}~e:{record.espn_id}",
        "date": date,
        "name": f"{away.display_name} at {home.display_name}",
        "shortName": f"{away.abbreviation} @ {home.abbreviation}",
        "season": {"year": season, "type": season_type, "slug": TYPE_SLUGS[season_type]},
        "week": {"number": number},
        "competitions": [competition],
        "status": status,
    }


def league_json(season: int, season_type: int) -> dict[str, Any]:
    """Return `leagues[0]`: the league, its season and the season's calendar."""
    weeks = season_calendar(season)
    body: dict[str, Any] = {
        "id": LEAGUE_ID,
        "uid": _UID,
        "name": "National Football League",
        "abbreviation": "NFL",
        "slug": "nfl",
    }
    season_body: dict[str, Any] = {"year": season}
    if weeks:
        start, end = utc_text(weeks[0].start), utc_text(weeks[-1].end)
        season_body |= {"startDate": start, "endDate": end}
    season_body |= {
        "displayName": str(season),
        "type": {
            "id": str(season_type),
            "type": season_type,
            "name": TYPE_NAMES.get(season_type, "Off Season"),
            "abbreviation": TYPE_ABBREVIATIONS[season_type],
        },
    }
    body |= {"season": season_body, "calendarType": "list", "calendarIsWhitelist": True}
    if weeks:
        body |= {
            "calendarStartDate": season_body["startDate"],
            "calendarEndDate": season_body["endDate"],
        }
    body["calendar"] = list(calendar_json(season))
    return body


@lru_cache(maxsize=256)
def byes_of(ref: WeekRef) -> tuple[EspnTeam, ...]:
    """Return the clubs without a game in a regular-season week that has games, by team id."""
    games = games_of(ref)
    if ref.season_type != "REG" or not games:
        return ()
    playing = {franchise_of(code) for game in games for code in (game.home, game.away)}
    idle = [espn_team(club, ref.season) for club in clubs_of(ref.season) if club not in playing]
    return tuple(sorted(idle, key=lambda team: int(team.id)))


def scoreboard_json(
    season: int, season_type: int, number: int, games: Sequence[EspnGame], *, ref: WeekRef | None
) -> dict[str, Any]:
    """Return a whole scoreboard: league and calendar, season, week with its byes, events."""
    week: dict[str, Any] = {"number": number}
    byes = byes_of(ref) if ref is not None else ()
    if byes:
        week["teamsOnBye"] = [_team(team) for team in byes]
    ordered = sorted(games, key=lambda game: (game.record.kickoff, game.record.espn_id))
    return {
        "leagues": [league_json(season, season_type)],
        "season": {"type": season_type, "year": season},
        "week": week,
        "events": [event_json(game) for game in ordered],
    }


def week_scoreboard(ref: WeekRef, games: Sequence[EspnGame]) -> bytes:
    """Return the scoreboard of a week whose games stand as given."""
    season_type, number = espn_week(ref)
    return dumps(scoreboard_json(ref.season, season_type, number, games, ref=ref))


@lru_cache(maxsize=256)
def final_week_scoreboard(ref: WeekRef, seed: int) -> bytes:
    """Return the scoreboard of a week as it ended, from the packaged data."""
    return week_scoreboard(ref, final_games(games_of(ref), seed))


def empty_scoreboard(season: int, season_type: int, number: int) -> bytes:
    """Return the scoreboard of a week the data has no games for."""
    return dumps(scoreboard_json(season, season_type, number, (), ref=None))


@lru_cache(maxsize=1)
def _by_day() -> dict[date, tuple[GameRecord, ...]]:
    days: dict[date, list[GameRecord]] = {}
    for record in all_games():
        days.setdefault(record.kickoff.date(), []).append(record)
    return {day: tuple(records) for day, records in days.items()}


def games_on(day: date) -> tuple[GameRecord, ...]:
    """Return the packaged games listed to kick off on a US/Eastern date."""
    return _by_day().get(day, ())


def off_day_scoreboard(day: date) -> bytes:
    """Return the scoreboard of a day without games: its calendar week, or the off season."""
    ref = week_at(datetime.combine(day, time(12), tzinfo=EASTERN))
    if ref is not None:
        season_type, number = espn_week(ref)
        return dumps(scoreboard_json(ref.season, season_type, number, (), ref=None))
    # ESPN files February to July under the season before, as its off season's one week.
    season = day.year if day.month >= OFF_SEASON_ENDS_MONTH else day.year - 1
    return dumps(scoreboard_json(season, OFF, 1, (), ref=None))


#: The no-query scoreboard when no week is replayed live: nothing is on.
NOTHING_LIVE: Final = dumps({"leagues": [], "events": []})
