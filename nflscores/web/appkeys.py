"""Every typed key of the application: what it holds, one of each per process."""

from __future__ import annotations

from aiohttp import web

from nflscores.cache.entries import WeekCache
from nflscores.cache.service import WeekService
from nflscores.cache.standings import StandingsService
from nflscores.domain.clock import Clock
from nflscores.live.hub import LiveHub
from nflscores.settings import Settings
from nflscores.sources.base import Source
from nflscores.store import Backend
from nflscores.web.hot import HotAnswers
from nflscores.web.route import Route

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
BACKEND = web.AppKey("backend", Backend)
UPSTREAM = web.AppKey("upstream", Source)
CACHE = web.AppKey("cache", WeekCache)
WEEKS = web.AppKey("weeks", WeekService)
HOT = web.AppKey("hot_answers", HotAnswers)
STANDINGS = web.AppKey("standings", StandingsService)
HUB = web.AppKey("live_hub", LiveHub)
ROUTE_TABLE = web.AppKey("routes", tuple[Route, ...])
#: Where processes write their metrics (PROMETHEUS_MULTIPROC_DIR), or None for this one only.
METRICS_DIR = web.AppKey[str | None]("metrics_dir")
