"""Domain errors, raised inside the service and turned into HTTP only at the edge.

NflScoresError
├── BadRequest                  400: a malformed season, week or query
├── NotFound                    404
│   ├── UnknownSeason           the season is outside the range served
│   ├── UnknownWeek             the season has no such week
│   ├── NoGames                 the upstream has no games for the week
│   ├── NoLiveWeek              the live feed names no current week (the poller waits)
│   └── UnknownTeam             no club plays under that code in that season
├── UpstreamError               502: the upstream (scorestrip or ESPN) failed us
│   ├── UpstreamUnavailable     connection refused or reset, 5xx or 429 after retries
│   ├── UpstreamTimeout         504: no complete answer in time
│   └── UpstreamBadResponse     a 4xx, a wrong or oversized body, an ESPN scoreboard that
│       │                       changed shape
│       ├── ParseError          the body is not a scorestrip document
│       └── WrongWeek           a valid document for another week (domain.answers)
└── CacheUnavailable            503: the store does not answer and nothing else can
"""

from __future__ import annotations


class NflScoresError(Exception):
    """Base of every error this package raises on purpose."""

    status = 500
    code = "internal"


class BadRequest(NflScoresError):
    """The request names a season or week that cannot be read."""

    status = 400
    code = "bad_request"


class NotFound(NflScoresError):
    """The request is well-formed but names nothing that exists."""

    status = 404
    code = "not_found"


class UnknownSeason(NotFound):
    """The season is outside the range the service answers for."""

    code = "unknown_season"


class UnknownWeek(NotFound):
    """The season has no week of that name."""

    code = "unknown_week"


class NoGames(NotFound):
    """The upstream knows the week but lists no games for it."""

    code = "no_games"


class UnknownTeam(NotFound, LookupError):
    """No club plays under that code in that season."""

    code = "unknown_team"


class NoLiveWeek(NotFound):
    """The live feed names no current week (nothing is being played or scheduled)."""

    code = "no_live_week"


class UpstreamError(NflScoresError):
    """The upstream could not give a usable answer."""

    status = 502
    code = "upstream_error"


class UpstreamUnavailable(UpstreamError):
    """The upstream refused the connection, kept answering 5xx, or asked us to wait (429)."""

    code = "upstream_unavailable"


class UpstreamTimeout(UpstreamError):
    """The upstream did not answer completely in time."""

    status = 504
    code = "upstream_timeout"


class UpstreamBadResponse(UpstreamError):
    """The upstream answered with a client error or an unusable body."""

    code = "upstream_bad_response"


class ParseError(UpstreamBadResponse):
    """The body is not a well-formed scorestrip document."""

    code = "upstream_bad_xml"


class CacheUnavailable(NflScoresError):
    """The store is down and the upstream cannot answer either."""

    status = 503
    code = "unavailable"
