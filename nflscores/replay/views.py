"""The replay's HTTP handlers: the two scorestrip feeds and the admin clock."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from nflscores.domain.encoding import dumps, error_body
from nflscores.domain.errors import BadRequest
from nflscores.domain.weeks import find_week, season_number
from nflscores.replay.feed import EMPTY, final_week_document, live_document, week_document
from nflscores.replay.live import LiveDay

LIVE: Final = web.AppKey[LiveDay | None]("replay_live_day")

_WEEK_RE: Final = re.compile(r"[0-9]{1,2}")
_SEASON_TYPES: Final = ("PRE", "REG", "POST")
_MINUTE_RE: Final = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]+)?")


def _xml(body: bytes) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": "text/xml; charset=UTF-8"})


def parse_week_query(query: Mapping[str, str]) -> tuple[int, str, int]:
    """Return (season, season type, week) from a week-feed query; raise BadRequest."""
    season, season_type, week = (query.get(name, "") for name in ("season", "seasonType", "week"))
    year = season_number(season)
    if season_type not in _SEASON_TYPES:
        raise BadRequest(f"seasonType must be PRE, REG or POST, not {season_type!r}")
    if not _WEEK_RE.fullmatch(week):
        raise BadRequest(f"week must be a number, not {week!r}")
    return year, season_type, int(week)


async def week_feed(request: web.Request) -> web.Response:
    """Serve one week: the live day as it stands, any other week as it ended."""
    season, season_type, number = parse_week_query(request.query)
    ref = find_week(season, season_type, number)
    if ref is None:
        return _xml(EMPTY)
    live = request.app[LIVE]
    if live is not None and live.ref == ref:
        lines, game_day = live.now()
        return _xml(week_document(ref, lines, game_day=game_day))
    return _xml(final_week_document(ref))


def _live(live: LiveDay | None) -> web.Response:
    if live is None:
        return _xml(EMPTY)
    lines, game_day = live.now()
    return _xml(live_document(live.ref, lines, game_day=game_day))


async def live_feed(request: web.Request) -> web.Response:
    """Serve the live day in the live flavour; an empty <ss> when none is configured."""
    return _live(request.app[LIVE])


async def postseason_feed(request: web.Request) -> web.Response:
    """Serve the live day when it is a postseason week; an empty <ss> otherwise."""
    live = request.app[LIVE]
    return _live(live if live is not None and live.ref.season_type == "POST" else None)


def _clock_state(live: LiveDay | None) -> dict[str, Any]:
    if live is None:
        return {"live": None}
    clock = live.clock
    return {
        "live": str(live.ref),
        "first_kickoff": clock.origin,
        "virtual_time": clock.now(),
        "minute": round(clock.minute(), 3),
        "speed": clock.speed,
        "frozen": clock.frozen,
    }


def _json(data: dict[str, Any], *, status: int = 200) -> web.Response:
    return web.Response(body=dumps(data), status=status, content_type="application/json")


def error_response(status: int, code: str, message: str) -> web.Response:
    """Return a JSON error in the shape docs/api.md gives every error."""
    body = error_body(status, code, message)
    return web.Response(body=body, status=status, content_type="application/json")


async def get_clock(request: web.Request) -> web.Response:
    """Report the virtual time and minute since the live day's first kickoff."""
    return _json(_clock_state(request.app[LIVE]))


def _from_loopback(request: web.Request) -> bool:
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


async def set_clock(request: web.Request) -> web.Response:
    """Put the virtual clock at `minute` from the first kickoff; `freeze=1` stops it there."""
    if not _from_loopback(request):
        return error_response(403, "forbidden", "the replay clock is set from loopback only")
    live = request.app[LIVE]
    if live is None:
        return error_response(409, "no_live_week", "no live week is configured")
    raw = request.query.get("minute", "")
    if not _MINUTE_RE.fullmatch(raw):
        raise BadRequest(f"minute must be a number of virtual minutes, not {raw!r}")
    freeze = request.query.get("freeze", "0")
    if freeze not in {"0", "1"}:
        raise BadRequest(f"freeze must be 0 or 1, not {freeze!r}")
    live.clock.set(float(raw), frozen=freeze == "1")
    return _json(_clock_state(live))
