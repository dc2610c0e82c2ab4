"""Render ESPN's scoreboard JSON, in the shape the real captures show, from games' moments.

Each game's moment (espn_game) is on the scorestrip feed's own path, so both formats tell the
same moment. Only the fields a scoreboard client reads are written, plus the names around them
(no odds, leaders, links or logos); what the data does not know (venue, neutral site) is left
out, as ESPN leaves out what it does not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, Final

from nflscores.domain.calendar import EASTERN
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
from nflscores.replay.espn_game import EspnGame, final_games
from nflscores.replay.espn_records import ClubRecord, records_of
from nflscores.replay.espn_status import ORDINALS, status_json
from nflscores.replay.espn_teams import EspnTeam, clubs_of, espn_team
from nflscores.replay.situation import Situation

LEAGUE_ID: Final = "28"
_UID: Final = "s:20~l:28"
#: The first month of a new season in ESPN's calendars.
OFF_SEASON_ENDS_MONTH: Final = 8


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
    short = f"{ORDINALS[situation.down]} & {to_go}"
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
    status = status_json(game)
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
