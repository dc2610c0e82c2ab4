"""The OpenAPI 3.1 description of the HTTP API (docs/api.md), built once per process."""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

from nflscores import __version__
from nflscores.domain.encoding import dumps
from nflscores.domain.models import SourceName, Status
from nflscores.domain.teams import CODE_PATTERN
from nflscores.domain.weeks import POST_ROUNDS, SEASON_PATTERN, SLUG_PATTERN, SeasonType
from nflscores.live.filters import TEAMS_PATTERN
from nflscores.web.route import Route

_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_STR = {"type": ["string", "null"]}
_STATUS = {"enum": list(get_args(Status))}
#: The one member an object may leave out; every other field is always there, null if unknown.
_OPTIONAL: frozenset[str] = frozenset({"raw_status"})


def _require_all(schema: Any) -> Any:
    """Mark every property of every object required but the optional ones (docs/api.md)."""
    if isinstance(schema, dict):
        for value in schema.values():
            _require_all(value)
        properties = schema.get("properties")
        if isinstance(properties, dict):
            schema["required"] = [name for name in properties if name not in _OPTIONAL]
    elif isinstance(schema, list):
        for item in schema:
            _require_all(item)
    return schema


def _error_ref(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


#: How a game is named: the eid wherever one is known, else a stable id from ESPN's.
GAME_ID_DESCRIPTION = (
    "The game's scorestrip eid (YYYYMMDDnn) wherever one is known: from the scorestrip feed, or"
    " for an ESPN game from the packaged history, which maps ESPN ids to eids for 1999-2025."
    " An ESPN game the history does not know is `espn-<ESPN event id>` (e.g. `espn-401772931`),"
    " stable for as long as ESPN keeps its id. The same real game has the same id whichever"
    " source served it."
)
_NULLABLE_BOOL = {"type": ["boolean", "null"]}


def _nullable(ref: str) -> dict[str, Any]:
    return {"oneOf": [{"$ref": f"#/components/schemas/{ref}"}, {"type": "null"}]}


def _schemas() -> dict[str, Any]:
    side = {
        "type": "object",
        "properties": {
            "team": {"type": "string", "description": "The service's team code of that season"},
            "nickname": {"type": "string"},
            "score": _NULLABLE_INT,
            "linescore": {
                "type": ["array", "null"],
                "items": {"type": "integer"},
                "description": "Points per quarter, overtime as a 5th entry; null when unknown",
            },
            "record": {
                **_NULLABLE_STR,
                "description": "The club's record as the source reports it (W-L or W-L-T)",
            },
        },
    }
    ids = {
        "type": "object",
        "description": "Every id known for the game; null where no source or history gives it",
        "properties": {
            "eid": {**_NULLABLE_STR, "pattern": "^[0-9]{10}$"},
            "gsis": _NULLABLE_INT,
            "espn": _NULLABLE_STR,
        },
    }
    situation = {
        "type": "object",
        "description": "While a game is in play and the source reports it (ESPN); each part"
        " null when the source leaves it out",
        "properties": {
            "down": {"type": ["integer", "null"], "minimum": 1, "maximum": 4},
            "distance": _NULLABLE_INT,
            "yard_line": {**_NULLABLE_STR, "examples": ["DET 1"]},
            "text": {**_NULLABLE_STR, "examples": ["1st & Goal at DET 1"]},
            "home_timeouts": _NULLABLE_INT,
            "away_timeouts": _NULLABLE_INT,
        },
    }
    venue = {
        "type": "object",
        "properties": {
            "name": _NULLABLE_STR,
            "city": _NULLABLE_STR,
            "neutral_site": _NULLABLE_BOOL,
        },
    }
    game = {
        "type": "object",
        "properties": {
            "id": {
                "type": "string",
                "pattern": "^([0-9]{10}|espn-[0-9A-Za-z_-]+)$",
                "description": GAME_ID_DESCRIPTION,
            },
            "gsis": _NULLABLE_INT,
            "ids": {"$ref": "#/components/schemas/GameIds"},
            "game_type": {"type": "string", "examples": ["PRE", "REG", "WC", "DIV", "CON", "SB"]},
            "kickoff": {"type": "string", "format": "date-time"},
            "day": {"type": "string"},
            "status": _STATUS,
            "raw_status": {
                "type": "string",
                "description": "The source's own status of a suspended game (scorestrip's q,"
                " ESPN's status name such as STATUS_POSTPONED)",
            },
            "quarter": _NULLABLE_INT,
            "clock": _NULLABLE_STR,
            "possession": {**_NULLABLE_STR, "description": "A team code, never an ESPN team id"},
            "red_zone": _NULLABLE_BOOL,
            "situation": _nullable("Situation"),
            "venue": _nullable("Venue"),
            "home": {"$ref": "#/components/schemas/Side"},
            "away": {"$ref": "#/components/schemas/Side"},
        },
    }
    week = {
        "type": "object",
        "properties": {
            "season": {"type": "integer"},
            "season_type": {"enum": list(get_args(SeasonType))},
            "week": {"type": "integer"},
            "slug": {"type": "string"},
            "source": {
                "enum": [*get_args(SourceName), None],
                "description": "The upstream format this copy was read from",
            },
            "updated_at": {"type": "string", "format": "date-time"},
            "byes": {
                "type": ["array", "null"],
                "items": {"type": "string"},
                "description": "Team codes without a game this week, when the source says"
                " (ESPN) or the service can tell (a whole regular-season week); else null",
            },
            "games": {"type": "array", "items": {"$ref": "#/components/schemas/Game"}},
        },
    }
    error = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            }
        },
    }
    return {
        "Side": side,
        "GameIds": ids,
        "Situation": situation,
        "Venue": venue,
        "Game": game,
        "Week": week,
        "Error": error,
        **_season_schemas(),
    }


def _season_schemas() -> dict[str, Any]:
    record = {"type": "string", "pattern": "^[0-9]+-[0-9]+-[0-9]+$"}
    line_fields: dict[str, Any] = {
        "team": {"type": "string"},
        "wins": {"type": "integer"},
        "losses": {"type": "integer"},
        "ties": {"type": "integer"},
        "pct": {"type": "number", "description": "A tie counts half a win"},
        "points_for": {"type": "integer"},
        "points_against": {"type": "integer"},
        "net_points": {"type": "integer"},
        "division_record": record,
        "conference_record": record,
        "home_record": record,
        "away_record": record,
        "streak": {"type": ["string", "null"], "pattern": "^[WLT][0-9]+$"},
        "division_rank": {"type": "integer", "minimum": 1},
        "seed": {"type": ["integer", "null"], "minimum": 1, "maximum": 7},
        "tiebreak_unresolved": {
            "type": "boolean",
            "description": "The club's place hangs on a step the scores cannot decide (net "
            "touchdowns, a coin toss); such clubs are placed in order of their codes",
        },
    }
    line = {"type": "object", "properties": line_fields}
    division = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "teams": {"type": "array", "items": {"$ref": "#/components/schemas/StandingsLine"}},
        },
    }
    conference = {
        "type": "object",
        "properties": {
            "name": {"enum": ["AFC", "NFC"]},
            "divisions": {"type": "array", "items": division},
        },
    }
    standings = {
        "type": "object",
        "properties": {
            "season": {"type": "integer"},
            "through": {"type": "string", "description": "The last regular-season week counted"},
            "complete": {"type": "boolean", "description": "Every game up to it is final"},
            "conferences": {"type": "array", "items": conference},
        },
    }
    club_game_fields: dict[str, Any] = {
        "slug": {"type": "string"},
        "kickoff": {"type": "string", "format": "date-time"},
        "opponent": {"type": "string"},
        "home": {"type": "boolean"},
        "status": _STATUS,
        "score": {
            "type": ["object", "null"],
            "properties": {"for": {"type": "integer"}, "against": {"type": "integer"}},
        },
        "result": {"enum": ["W", "L", "T", None]},
        "id": {"type": "string"},
    }
    club_season = {
        "type": "object",
        "properties": {
            "season": {"type": "integer"},
            "team": {"type": "string", "description": "The club's code in that season"},
            "record": {
                "type": "object",
                "properties": {k: {"type": "integer"} for k in ("wins", "losses", "ties")},
            },
            "standing": {
                "oneOf": [{"$ref": "#/components/schemas/StandingsLine"}, {"type": "null"}]
            },
            "games": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": club_game_fields,
                },
            },
        },
    }
    return {"StandingsLine": line, "Standings": standings, "ClubSeason": club_season}


_SEASON_PARAMETER = {
    "name": "season",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{SEASON_PATTERN}$"},
}
_TEAM_PARAMETER = {
    "name": "team",
    "in": "path",
    "required": True,
    "description": "Any code the club ever used (JAC or JAX, STL or LA, SD or LAC, OAK or LV), "
    "any case; the answer uses the season's code",
    "schema": {"type": "string", "pattern": CODE_PATTERN},
}


def _cached_responses(ok: dict[str, Any], *, not_found: str) -> dict[str, Any]:
    return {
        "200": ok,
        "304": {"description": "The client's copy (If-None-Match) is current"},
        "400": _error_ref("Malformed season, week or team"),
        "404": _error_ref(not_found),
        "502": _error_ref("The upstream failed and no copy is cached"),
        "503": _error_ref("Neither the cache nor the upstream can answer"),
        "504": _error_ref("The upstream timed out and no copy is cached"),
    }


def _season_operations() -> dict[str, Any]:
    club_json = {"application/json": {"schema": {"$ref": "#/components/schemas/ClubSeason"}}}
    return {
        "standings": {
            "get": {
                "summary": "A season's standings by conference and division, with seeds",
                "description": "Ranks and seeds follow the NFL's tie-breaking procedures of "
                "the season's era. Known from 1999.",
                "parameters": [
                    _SEASON_PARAMETER,
                    {
                        "name": "through",
                        "in": "query",
                        "description": "The last regular-season week to count (default: the "
                        "last one with a final game); any other week is a 400",
                        "schema": {"type": "string", "pattern": "^[1-9][0-9]?$"},
                    },
                ],
                "responses": _cached_responses(
                    {
                        "description": "The standings",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Standings"}
                            }
                        },
                    },
                    not_found="Unknown season, or no games in it",
                ),
            }
        },
        "team": {
            "get": {
                "summary": "A club's season: every game, its record and standings line",
                "parameters": [_SEASON_PARAMETER, _TEAM_PARAMETER],
                "responses": _cached_responses(
                    {"description": "The club's season", "content": club_json},
                    not_found="Unknown season, or no club plays as that team (unknown_team)",
                ),
            }
        },
        "team_calendar": {
            "get": {
                "summary": "A club's season as an iCalendar feed (RFC 5545)",
                "description": "One VEVENT per game, UID `<game id>@nflscores`, from kickoff "
                "to 3.5 hours later, the score in the summary once final.",
                "parameters": [_SEASON_PARAMETER, _TEAM_PARAMETER],
                "responses": _cached_responses(
                    {
                        "description": "The calendar",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    },
                    not_found="Unknown season, or no club plays as that team (unknown_team)",
                ),
            }
        },
    }


_SEASON = {"type": "string", "pattern": f"^{SEASON_PATTERN}$"}
_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}


def _errors(**by_status: str) -> dict[str, Any]:
    """Return error responses with docs/api.md's body, by status ("e404": "why")."""
    return {status.removeprefix("e"): _error_ref(why) for status, why in by_status.items()}


def _operations() -> dict[str, Any]:
    """Return the GET operation of each route, by route name."""
    week_json = {"application/json": {"schema": {"$ref": "#/components/schemas/Week"}}}
    return {
        "openapi": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {"description": "The OpenAPI 3.1 document", "content": _JSON_OBJECT}
                },
            }
        },
        "page": {
            "get": {
                "summary": "The live scoreboard page",
                "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}},
            }
        },
        "static": {
            "get": {
                "summary": "One of the page's files (its script and style)",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "The file, kept by browsers for an hour",
                        "content": {"text/javascript": {}, "text/css": {}, "text/html": {}},
                    },
                    **_errors(e404="No such file"),
                },
            }
        },
        "index": {
            "get": {
                "summary": "Service index; with ?season=, that season's week slugs",
                "parameters": [
                    {
                        "name": "season",
                        "in": "query",
                        "description": "A season year: 1970 up to next year (others are 404)",
                        "schema": _SEASON,
                    },
                    {
                        "name": "version",
                        "in": "query",
                        "description": "Present (any value): include the service's version",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The index",
                        "content": _JSON_OBJECT,
                        "links": {
                            "FirstWeek": {
                                "operationId": "week",
                                "description": "The season's first week",
                                "parameters": {
                                    "season": "$response.body#/season",
                                    "week": "$response.body#/weeks/0",
                                },
                            },
                        },
                    },
                    **_errors(
                        e400="Malformed season", e404="A season the service has no weeks for"
                    ),
                },
            }
        },
        "week": {
            "get": {
                "summary": "One week's games",
                "parameters": [
                    {"name": "season", "in": "path", "required": True, "schema": _SEASON},
                    {
                        "name": "week",
                        "in": "path",
                        "required": True,
                        "description": "pre-0..pre-4, 1..18, or " + ", ".join(POST_ROUNDS),
                        "schema": {"type": "string", "pattern": f"^({SLUG_PATTERN})$"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The week",
                        "content": week_json,
                        "links": {
                            "Season": {
                                "operationId": "index",
                                "description": "The week's season and its weeks",
                                "parameters": {"season": "$response.body#/season"},
                            }
                        },
                    },
                    "304": {"description": "The client's copy (If-None-Match) is current"},
                    **_errors(
                        e400="Malformed season or week",
                        e404="No such season or week, or no games in it",
                        e502="The upstream failed (or answered another week) and no copy exists",
                        e503="Neither the cache nor the upstream can answer",
                        e504="The upstream timed out and no copy is cached",
                    ),
                },
            }
        },
        "livescore": {
            "get": {
                "summary": "Server-Sent Events: the live week, whole or as game deltas",
                "description": (
                    "With `Accept: text/event-stream`. On connect: `retry: <ms>`, then an "
                    "`update` event holding the current live week (the JSON of "
                    "GET /api/{season}/{week}). Then, with `?events=update` (the default), "
                    "every change is an `update` with the whole week. With `?events=games` "
                    "(what the page uses), every change is a `game` event holding only the "
                    'games that changed: `{"season", "slug", "games": [changed games]}`, each '
                    "game as in the week JSON; a change a list of games cannot tell (another "
                    "week, a game gone) comes as an `update`, and so does an event whose delta "
                    "is no shorter than the week. Both kinds take their ids from one sequence, "
                    "so `Last-Event-ID` (or `?last_event_id=`) works in both modes: the server "
                    "replays every event after that id that it still holds, as deltas for a "
                    "delta client unless the newest `update` alone is shorter, in which case "
                    "it sends that; an id too old, or unusable, gets the current `update`. "
                    "`?team=NE,KC` keeps only those teams' games in every event (a delta with "
                    "none of them is not sent). A `: ping` comment after 15 s of silence."
                ),
                "parameters": [
                    {
                        "name": "events",
                        "in": "query",
                        "description": "`update`: whole weeks; `games`: changed games only",
                        "schema": {"type": "string", "enum": ["update", "games"]},
                    },
                    {
                        "name": "team",
                        "in": "query",
                        "description": "Comma-separated team codes: only their games",
                        "schema": {"type": "string", "pattern": TEAMS_PATTERN},
                    },
                    {"name": "last_event_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "The stream of `update` events (see the description)",
                        "content": {
                            "text/event-stream": {
                                "schema": {"type": "string"},
                                "x-event-data": {"$ref": "#/components/schemas/Week"},
                            }
                        },
                    },
                    "302": {"description": "Accept lacks text/event-stream: go to /api/"},
                    **_errors(e400="A malformed team filter or an unknown events mode"),
                },
            }
        },
        "health": {
            "get": {
                "summary": "Liveness",
                "responses": {"200": {"description": "Up", "content": _JSON_OBJECT}},
            }
        },
        "ready": {
            "get": {
                "summary": "Readiness: the store answers",
                "responses": {
                    "200": {"description": "Ready", "content": _JSON_OBJECT},
                    **_errors(e503="Not ready"),
                },
            }
        },
        "metrics": {
            "get": {
                "summary": "Prometheus metrics (only to NFLSCORES_METRICS_ALLOW's networks)",
                "responses": {
                    "200": {"description": "Prometheus text", "content": _TEXT},
                    **_errors(e403="Not served to this address"),
                },
            }
        },
        **_season_operations(),
    }


@cache
def openapi_document(routes: tuple[Route, ...]) -> bytes:
    """Return the OpenAPI document of the routes as JSON bytes."""
    operations = _operations()
    paths = {route.path: operations[route.name] for route in routes if route.name in operations}
    for route in routes:
        if route.name in operations:
            operations[route.name]["get"]["operationId"] = route.name
    document = {
        "openapi": "3.1.0",
        "info": {"title": "nflscores", "version": __version__},
        "paths": paths,
        "components": {"schemas": _schemas()},
    }
    return dumps(_require_all(document))
