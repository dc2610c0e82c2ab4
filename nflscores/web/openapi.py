"""The OpenAPI 3.1 description of the HTTP API (API.md), built once per process."""

from __future__ import annotations

from functools import cache
from typing import Any

from nflscores import __version__
from nflscores.domain.encoding import dumps
from nflscores.domain.weeks import POST_ROUNDS, SEASON_PATTERN
from nflscores.web.route import Route

_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_STR = {"type": ["string", "null"]}


def _error_ref(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _schemas() -> dict[str, Any]:
    side = {
        "type": "object",
        "required": ["team", "nickname", "score"],
        "properties": {
            "team": {"type": "string"},
            "nickname": {"type": "string"},
            "score": _NULLABLE_INT,
        },
    }
    game = {
        "type": "object",
        "required": [
            "id",
            "gsis",
            "game_type",
            "kickoff",
            "day",
            "status",
            "quarter",
            "clock",
            "possession",
            "red_zone",
            "home",
            "away",
        ],
        "properties": {
            "id": {"type": "string", "pattern": "^[0-9]{10}$"},
            "gsis": _NULLABLE_INT,
            "game_type": {"type": "string", "examples": ["PRE", "REG", "WC", "DIV", "CON", "SB"]},
            "kickoff": {"type": "string", "format": "date-time"},
            "day": {"type": "string"},
            "status": {
                "enum": [
                    "scheduled",
                    "in_progress",
                    "halftime",
                    "final",
                    "final_overtime",
                    "suspended",
                ]
            },
            "raw_status": {"type": "string"},
            "quarter": _NULLABLE_INT,
            "clock": _NULLABLE_STR,
            "possession": _NULLABLE_STR,
            "red_zone": {"type": ["boolean", "null"]},
            "home": {"$ref": "#/components/schemas/Side"},
            "away": {"$ref": "#/components/schemas/Side"},
        },
    }
    week = {
        "type": "object",
        "required": ["season", "season_type", "week", "slug", "updated_at", "games"],
        "properties": {
            "season": {"type": "integer"},
            "season_type": {"enum": ["PRE", "REG", "POST"]},
            "week": {"type": "integer"},
            "slug": {"type": "string"},
            "updated_at": {"type": "string", "format": "date-time"},
            "games": {"type": "array", "items": {"$ref": "#/components/schemas/Game"}},
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            }
        },
    }
    return {"Side": side, "Game": game, "Week": week, "Error": error}


def _operations() -> dict[str, Any]:
    """Return the GET operation of each route, by route name."""
    week_json = {"application/json": {"schema": {"$ref": "#/components/schemas/Week"}}}
    return {
        "openapi": {
            "get": {
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI 3.1 document"}},
            }
        },
        "page": {
            "get": {
                "summary": "The live scoreboard page",
                "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}},
            }
        },
        "index": {
            "get": {
                "summary": "Service index; with ?season=, that season's week slugs",
                "parameters": [{"name": "season", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "The index"}, "400": _error_ref("Bad")},
            }
        },
        "week": {
            "get": {
                "summary": "One week's games",
                "parameters": [
                    {
                        "name": "season",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": f"^{SEASON_PATTERN}$"},
                    },
                    {
                        "name": "week",
                        "in": "path",
                        "required": True,
                        "description": "pre-0..pre-4, 1..18, or " + ", ".join(POST_ROUNDS),
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {"description": "The week", "content": week_json},
                    "304": {"description": "The client's copy (If-None-Match) is current"},
                    "400": _error_ref("Malformed season or week"),
                    "404": _error_ref("No such week, or no games in it"),
                    "502": _error_ref("The upstream failed and no copy is cached"),
                    "503": _error_ref("Neither the cache nor the upstream can answer"),
                    "504": _error_ref("The upstream timed out and no copy is cached"),
                },
            }
        },
        "livescore": {
            "get": {
                "summary": "Server-Sent Events: `update` events with the live week",
                "parameters": [
                    {"name": "team", "in": "query", "schema": {"type": "string"}},
                    {"name": "last_event_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "The stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    "302": {"description": "Accept lacks text/event-stream: go to /api/"},
                },
            }
        },
        "health": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Up"}}}},
        "ready": {
            "get": {
                "summary": "Readiness: the store answers",
                "responses": {"200": {"description": "Ready"}, "503": _error_ref("Not ready")},
            }
        },
        "metrics": {
            "get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text"}}}
        },
    }


@cache
def openapi_document(routes: tuple[Route, ...]) -> bytes:
    """Return the OpenAPI document of the routes as JSON bytes."""
    operations = _operations()
    paths = {route.path: operations[route.name] for route in routes if route.name in operations}
    return dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "nflscores", "version": __version__},
            "paths": paths,
            "components": {"schemas": _schemas()},
        }
    )
