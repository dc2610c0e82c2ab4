"""The replay's ESPN scoreboard: one week, one day, or without a query the live day."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from aiohttp import web

from nflscores.domain.errors import BadRequest
from nflscores.replay.espn import (
    NOTHING_LIVE,
    empty_scoreboard,
    final_week_scoreboard,
    games_on,
    off_day_scoreboard,
    week_of,
    week_scoreboard,
)
from nflscores.replay.espn_calendar import week_of_espn
from nflscores.replay.espn_game import final_games, week_games
from nflscores.replay.live import LiveDay
from nflscores.replay.views import LIVE

SCOREBOARD_PATH: Final = "/apis/site/v2/sports/football/nfl/scoreboard"
SEED: Final = web.AppKey("replay_seed", int)

_DAY_RE: Final = re.compile(r"[0-9]{8}")
_SEASON_RE: Final = re.compile(r"[0-9]{4}")
_WEEK_RE: Final = re.compile(r"[0-9]{1,2}")
_SEASON_TYPES: Final = ("1", "2", "3")
_FORMS: Final = "?dates=YYYY&seasontype=1|2|3&week=N, ?dates=YYYYMMDD or no query"


@dataclass(frozen=True, slots=True)
class WeekQuery:
    """`?dates=<season>&seasontype=<1-3>&week=<n>`: one week in ESPN's numbering."""

    season: int
    season_type: int
    week: int


def parse_scoreboard_query(query: Mapping[str, str]) -> WeekQuery | date | None:
    """Return the week or the day a scoreboard query names, None without one; raise BadRequest.

    Other parameters (ESPN's `limit`, `lang`, the replay's fault switches) are ignored.
    """
    dates, season_type, week = (query.get(name) for name in ("dates", "seasontype", "week"))
    if dates is None and season_type is None and week is None:
        return None
    if dates is not None and season_type is None and week is None and _DAY_RE.fullmatch(dates):
        try:
            return datetime.strptime(dates, "%Y%m%d").date()
        except ValueError:
            raise BadRequest(f"dates must be a day of the calendar, not {dates!r}") from None
    if dates is None or not _SEASON_RE.fullmatch(dates):
        raise BadRequest(f"the scoreboard takes {_FORMS}; dates {dates!r} is neither")
    if season_type not in _SEASON_TYPES:
        raise BadRequest(f"seasontype must be 1, 2 or 3, not {season_type!r}")
    if week is None or not _WEEK_RE.fullmatch(week):
        raise BadRequest(f"week must be a number, not {week!r}")
    return WeekQuery(int(dates), int(season_type), int(week))


def _week(query: WeekQuery, live: LiveDay | None, seed: int) -> bytes:
    ref = week_of_espn(query.season, query.season_type, query.week)
    if ref is None:
        return empty_scoreboard(query.season, query.season_type, query.week)
    if live is not None and live.ref == ref:
        return week_scoreboard(ref, week_games(live.games, live.seed, live.clock.now()))
    return final_week_scoreboard(ref, seed)


def _day(day: date, live: LiveDay | None, seed: int) -> bytes:
    games = games_on(day)
    if not games:
        return off_day_scoreboard(day)
    if live is not None and games[0] in live.games:
        return week_scoreboard(live.ref, week_games(games, live.seed, live.clock.now()))
    return week_scoreboard(week_of(games[0]), final_games(games, seed))


async def scoreboard(request: web.Request) -> web.Response:
    """Serve ESPN's scoreboard for a week, a day, or (no query) the live day as it stands."""
    parsed = parse_scoreboard_query(request.query)
    live, seed = request.app[LIVE], request.app[SEED]
    if parsed is None:
        body = NOTHING_LIVE
        if live is not None:
            body = week_scoreboard(live.ref, week_games(live.games, live.seed, live.clock.now()))
    elif isinstance(parsed, WeekQuery):
        body = _week(parsed, live, seed)
    else:
        body = _day(parsed, live, seed)
    return web.Response(body=body, content_type="application/json", charset="utf-8")
