"""The one place where errors become HTTP: API.md's JSON error for every failure."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

from nflscores.encoding import dumps
from nflscores.errors import NflScoresError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    414: "uri_too_long",
    431: "headers_too_large",
}


def error_response(
    status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return API.md's JSON error body with its status."""
    body = dumps({"error": {"status": status, "code": code, "message": message}})
    response = web.Response(body=body, status=status, content_type="application/json")
    response.headers.update(headers or {})
    return response


def domain_error_response(exc: NflScoresError) -> web.Response:
    """Return the JSON error for a domain error."""
    return error_response(exc.status, exc.code, str(exc))


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure with JSON; never let a traceback reach a client."""
    try:
        return await handler(request)
    except NflScoresError as exc:
        return domain_error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return error_response(exc.status, code, exc.reason, headers=headers)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "the server failed; the error is logged")
