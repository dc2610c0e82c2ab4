"""The replay upstream's aiohttp application: `create_replay_app(config)` wires it all."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from aiohttp.typedefs import Handler

from nflscores.domain.calendar import EASTERN
from nflscores.domain.errors import BadRequest
from nflscores.domain.weeks import WeekRef
from nflscores.replay.clock import ReplayClock
from nflscores.replay.data import games_of
from nflscores.replay.espn_views import SCOREBOARD_PATH, SEED, scoreboard
from nflscores.replay.faults import DICE, FaultDice, fault_middleware
from nflscores.replay.live import LiveDay
from nflscores.replay.views import (
    LIVE,
    error_response,
    get_clock,
    live_feed,
    postseason_feed,
    set_clock,
    week_feed,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayConfig:
    """How the replay behaves: which week runs live, how fast, and which faults it injects."""

    #: The week replayed as live on ss.xml and on the ESPN scoreboard without a query; None
    #: serves an empty <ss> and a scoreboard without events there.
    live: WeekRef | None = None
    #: Virtual minutes per real minute.
    speed: float = 60.0
    #: Virtual minutes from the server's start to the live week's first kickoff.
    start_offset_min: float = 5.0
    #: Seeds the invented path to each real final score and the fault draws.
    seed: int = 0
    latency_ms: float = 0
    #: Share of feed requests answered 503.
    fail_rate: float = 0
    #: Share of feed responses cut short.
    truncate_rate: float = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed) and self.speed > 0):
            raise ValueError(f"speed must be above zero, not {self.speed}")
        if not math.isfinite(self.start_offset_min):
            raise ValueError("start_offset_min must be a number of minutes")
        if not 0 <= self.latency_ms <= 60_000:
            raise ValueError(f"latency_ms must be 0-60000, not {self.latency_ms}")
        for name in ("fail_rate", "truncate_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {getattr(self, name)}")


CONFIG = web.AppKey("replay_config", ReplayConfig)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn a malformed query into a 400 JSON error."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return error_response(exc.status, exc.code, str(exc))


def _live_day(config: ReplayConfig) -> LiveDay | None:
    if config.live is None:
        return None
    games = games_of(config.live)
    # A week without games still gets a clock; its minutes then count from the server start.
    origin = min((game.kickoff for game in games), default=None) or datetime.now(EASTERN)
    clock = ReplayClock(origin=origin, speed=config.speed, minute=-config.start_offset_min)
    return LiveDay(ref=config.live, games=games, seed=config.seed, clock=clock)


async def _start_clock(app: web.Application) -> None:
    """Count the start offset from the moment the server starts, not from the app's creation."""
    live = app[LIVE]
    if live is not None:
        live.clock.set(-app[CONFIG].start_offset_min)


def create_replay_app(config: ReplayConfig) -> web.Application:
    """Return the replay upstream application for a config."""
    app = web.Application(middlewares=[error_middleware, fault_middleware])
    app[CONFIG] = config
    app[LIVE] = _live_day(config)
    app[SEED] = config.seed
    app[DICE] = FaultDice(
        seed=config.seed,
        latency_ms=config.latency_ms,
        fail_rate=config.fail_rate,
        truncate_rate=config.truncate_rate,
    )
    app.on_startup.append(_start_clock)
    app.router.add_get("/ajax/scorestrip", week_feed)
    app.router.add_get("/liveupdate/scorestrip/ss.xml", live_feed)
    app.router.add_get("/liveupdate/scorestrip/postseason/ss.xml", postseason_feed)
    app.router.add_get(SCOREBOARD_PATH, scoreboard)
    app.router.add_get("/_replay/clock", get_clock)
    app.router.add_post("/_replay/clock", set_clock)
    return app
