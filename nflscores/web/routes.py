"""The route table: every path the application answers, written once.

`create_app` registers it, the index lists it and the OpenAPI document describes it.
"""

from __future__ import annotations

from typing import Final

from nflscores.web import season_views, views
from nflscores.web.live import page, static_file
from nflscores.web.metrics_view import serve_metrics
from nflscores.web.route import Route
from nflscores.web.stream import livescore

#: The week route as the router matches it: any one path segment but `standings`.
WEEK_PATTERN: Final = "/api/{season}/{week:(?!standings$)[^{}/]+}"

ROUTES: Final = (
    # The hot path first: aiohttp tries the routes under /api in this order (the index's
    # `/api/` among them), and each one tried before the week costs a match on every cached
    # request. Its pattern leaves `standings` to the standings route.
    Route("week", "/api/{season}/{week}", views.week, pattern=WEEK_PATTERN, own_headers=True),
    Route("index", "/api/", views.index),
    Route("openapi", "/api/openapi.json", views.openapi),
    # The stream answers its own errors as JSON: a wrapper would live as long as each stream.
    Route("livescore", "/api/livescore", livescore, allow_head=False, own_headers=True),
    Route("standings", "/api/{season}/standings", season_views.standings),
    Route("team_calendar", "/api/{season}/teams/{team}.ics", season_views.team_calendar),
    Route("team", "/api/{season}/teams/{team}", season_views.team),
    Route("health", "/healthz", views.healthz),
    Route("ready", "/readyz", views.readyz),
    Route("metrics", "/metrics", serve_metrics),
    Route("page", "/", page, listed=False),
    Route("static", "/static/{name}", static_file, listed=False),
)
