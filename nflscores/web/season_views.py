"""HTTP handlers of a season's standings and of a club's season, as JSON and as iCalendar."""

from __future__ import annotations

import re
from typing import Final

from aiohttp import web

from nflscores.cache.entries import etag_of
from nflscores.cache.service import CacheResult
from nflscores.cache.standings import ClubSeason, check_covered
from nflscores.domain import ics
from nflscores.domain.club import club_season_to_dict
from nflscores.domain.encoding import dumps
from nflscores.domain.errors import BadRequest
from nflscores.domain.policy import public_max_age
from nflscores.domain.teams import CODE_PATTERN, era_code
from nflscores.domain.weeks import parse_regular_week, parse_season
from nflscores.web.appkeys import CLOCK, STANDINGS
from nflscores.web.errors import json_errors
from nflscores.web.headers import CACHE_CONTROL, CONTENT_TYPE, ETAG, X_CACHE
from nflscores.web.views import JSON, STALE_MAX_AGE_S, matches

_TEAM_RE: Final = re.compile(CODE_PATTERN)
CALENDAR: Final = f"{ics.CONTENT_TYPE}; charset=utf-8"


def conditional_response(
    request: web.Request,
    *,
    body: bytes,
    content_type: str,
    fresh_until: float,
    result: CacheResult,
    etag: str | None = None,
) -> web.Response:
    """Return the body with ETag, Cache-Control and X-Cache, or 304 for a current copy."""
    etag = etag or etag_of(body)
    max_age = (
        STALE_MAX_AGE_S
        if result == "STALE"
        else public_max_age(fresh_until - request.app[CLOCK].time())
    )
    headers = {ETAG: etag, CACHE_CONTROL: f"public, max-age={max_age}", X_CACHE: result}
    if matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    headers[CONTENT_TYPE] = content_type
    return web.Response(body=body, headers=headers)


@json_errors
async def standings(request: web.Request) -> web.Response:
    """Return the season's standings through ?through= (default: the last week with a final)."""
    season = parse_season(request.match_info["season"])
    through = request.query.get("through")
    ref = None if through is None else parse_regular_week(season, through)
    entry, result = await request.app[STANDINGS].standings(season, ref)
    return conditional_response(
        request,
        body=entry.body,
        etag=entry.etag,
        content_type=JSON,
        fresh_until=entry.fresh_until,
        result=result,
    )


async def _club(request: web.Request) -> tuple[int, str, ClubSeason]:
    season = parse_season(request.match_info["season"])
    check_covered(season)
    text = request.match_info["team"]
    if not _TEAM_RE.fullmatch(text):
        raise BadRequest(f"a team is a club code such as NE or JAX, not {text!r}")
    team = era_code(text.upper(), season)
    return season, team, await request.app[STANDINGS].club(season, team)


@json_errors
async def team(request: web.Request) -> web.Response:
    """Return a club's season: its games, record and standings line, under the season's code."""
    season, code, club = await _club(request)
    body = dumps(club_season_to_dict(season, code, club.standing, club.games))
    return conditional_response(
        request, body=body, content_type=JSON, fresh_until=club.fresh_until, result=club.result
    )


@json_errors
async def team_calendar(request: web.Request) -> web.Response:
    """Return a club's season as an iCalendar feed, one event per game."""
    season, code, club = await _club(request)
    response = conditional_response(
        request,
        body=ics.calendar(season, code, club.games),
        content_type=CALENDAR,
        fresh_until=club.fresh_until,
        result=club.result,
    )
    response.headers["Content-Disposition"] = f'inline; filename="{code}-{season}.ics"'
    return response
