"""HTTP handlers of the week API and the operations endpoints."""

from __future__ import annotations

from aiohttp import web

from nflscores import __version__
from nflscores.cache.entries import CachedWeek
from nflscores.cache.season import load_summary
from nflscores.cache.service import CacheResult
from nflscores.domain.clock import day_of, today
from nflscores.domain.encoding import dumps
from nflscores.domain.errors import CacheUnavailable, NflScoresError, NoGames
from nflscores.domain.weeks import parse_path, parse_season, weeks_of
from nflscores.web.appkeys import BACKEND, CLOCK, HOT, ROUTE_TABLE, SETTINGS, WEEKS
from nflscores.web.errors import domain_error_response, json_errors, unexpected_error_response
from nflscores.web.headers import (
    API_ANSWER,
    CACHE_CONTROL,
    CONTENT_TYPE,
    ETAG,
    IF_NONE_MATCH,
    X_CACHE,
)
from nflscores.web.openapi import openapi_document
from nflscores.web.route import Route

JSON = "application/json"
#: How long browsers and proxies may keep a copy served while the upstream fails.
STALE_MAX_AGE_S = 5


def endpoints(routes: tuple[Route, ...]) -> dict[str, str]:
    """Return the index's endpoints: every listed route by name, and the season index."""
    listed = {route.name: route.path for route in routes if route.listed}
    return {"index": listed.pop("index"), "season": "/api/?season={season}", **listed}


def json_response(value: object, *, status: int = 200) -> web.Response:
    """Return a JSON response encoded the one way the service encodes JSON."""
    return web.Response(body=dumps(value), status=status, content_type=JSON)


@json_errors
async def index(request: web.Request) -> web.Response:
    """Describe the service; with ?season=, list that season's weeks and its fetch summary."""
    data: dict[str, object] = {
        "service": "nflscores",
        "source": request.app[SETTINGS].source,
        "endpoints": endpoints(request.app[ROUTE_TABLE]),
    }
    if "version" in request.query:  # only when asked: nothing to help a scanner match CVEs
        data["version"] = __version__
    if "season" in request.query:
        season = parse_season(request.query["season"], today=today(request.app[CLOCK]))
        data["season"] = season
        data["weeks"] = [ref.slug for ref in weeks_of(season)]
        data["summary"] = await load_summary(request.app[BACKEND], season)
    return json_response(data)


async def week(request: web.Request) -> web.Response:
    """Return one week's games, with a strong ETag and Cache-Control by the week's state."""
    # The hot path: errors are caught here, not by a wrapper, to spare a frame per request.
    try:
        match = request.match_info
        app = match.current_app  # request.app, one property call fewer
        season, slug = match["season"], match["week"]
        if_none_match = request.headers.get(IF_NONE_MATCH)
        if not if_none_match:
            hot = app[HOT].get(season, slug)
            if hot is not None:
                return web.Response(body=hot.body, headers=hot.headers)
        now = app[CLOCK].time()  # read once: the season's bounds, freshness and max-age
        ref = parse_path(season, slug, today=day_of(now))
        weeks = app[WEEKS]
        entry = weeks.cached(ref, now)
        result: CacheResult = "HIT"
        # This process's copy, read with no await since: what it answers may be kept.
        from_copy = entry is not None
        if entry is None:
            entry, result = await weeks.get(ref)
            now = app[CLOCK].time()
        if entry.state == "empty":
            raise NoGames(f"the upstream lists no games for {ref.season} week {ref.slug!r}")
        max_age = STALE_MAX_AGE_S if result == "STALE" else entry.max_age(now)
        headers = answer_headers(entry, result, max_age)
        if if_none_match and matches(if_none_match, entry.etag):
            return web.Response(status=304, headers=headers)
        headers[CONTENT_TYPE] = JSON
        if from_copy:
            app[HOT].keep(season, slug, entry, headers, max_age=max_age, now=now)
        return web.Response(body=entry.body, headers=headers)
    except NflScoresError as exc:
        return domain_error_response(exc, headers=API_ANSWER)
    except Exception:
        return unexpected_error_response(request, headers=API_ANSWER)


def answer_headers(entry: CachedWeek, result: CacheResult, max_age: int) -> dict[str, str]:
    """Return the headers of a week's answer (but its Content-Type), made from API_ANSWER."""
    return {
        **API_ANSWER,
        ETAG: entry.etag,
        CACHE_CONTROL: f"public, max-age={max_age}",
        X_CACHE: result,
    }


def matches(if_none_match: str | None, etag: str) -> bool:
    """Return True when an If-None-Match header names the ETag (weak comparison, RFC 9110)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


@json_errors
async def healthz(request: web.Request) -> web.Response:
    """Answer 200 while the process runs."""
    return json_response({"status": "ok"})


@json_errors
async def readyz(request: web.Request) -> web.Response:
    """Answer 200 when the store answers, 503 when it does not."""
    try:
        await request.app[BACKEND].ping()
    except CacheUnavailable as exc:
        return domain_error_response(exc)
    return json_response({"status": "ready"})


@json_errors
async def openapi(request: web.Request) -> web.Response:
    """Return the OpenAPI 3.1 document of the HTTP API."""
    return web.Response(body=openapi_document(request.app[ROUTE_TABLE]), content_type=JSON)
