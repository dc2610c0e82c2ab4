"""Typed keys for what the application holds: one of each per process."""

from __future__ import annotations

from aiohttp import web

from nflscores.backends import Backend
from nflscores.cache import WeekCache
from nflscores.service import WeekService
from nflscores.settings import Settings
from nflscores.upstream import UpstreamClient

SETTINGS = web.AppKey("settings", Settings)
BACKEND = web.AppKey("backend", Backend)
UPSTREAM = web.AppKey("upstream", UpstreamClient)
CACHE = web.AppKey("cache", WeekCache)
WEEKS = web.AppKey("weeks", WeekService)
