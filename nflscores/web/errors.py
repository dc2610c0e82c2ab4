"""The one place where errors become HTTP: the JSON error of docs/api.md for every failure."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import wraps

from aiohttp import web
from aiohttp.typedefs import Handler

from nflscores.domain.encoding import error_body
from nflscores.domain.errors import NflScoresError
from nflscores.web.accesslog import logged_path
from nflscores.web.headers import ALLOW, with_headers

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
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    kind: Callable[..., web.Response] = web.Response,
) -> web.Response:
    """Return the JSON error body of docs/api.md with its status, made by `kind`."""
    body = error_body(status, code, message)
    response = kind(body=body, status=status, content_type="application/json")
    response.headers.update(headers or {})
    return response


def domain_error_response(
    exc: NflScoresError, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return the JSON error for a domain error."""
    return error_response(exc.status, exc.code, str(exc), headers=headers)


def unexpected_error_response(
    request: web.BaseRequest, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Log the error being handled and return a JSON 500 without its details."""
    log.exception("unhandled error on %s %s", request.method, logged_path(request))
    message = "the server failed; the error is logged"
    return error_response(500, "internal", message, headers=headers)


def json_errors(handler: Handler) -> Handler:
    """Wrap a handler so that every failure it raises is answered with JSON.

    A handler wrapper rather than a middleware: aiohttp runs middlewares on every request,
    and the cached-week path is measured against a bare app (see bench/).
    """

    @wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NflScoresError as exc:
            return domain_error_response(exc)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return http_error_response(exc)
        except Exception:
            return unexpected_error_response(request)

    return guarded


def http_error_response(exc: web.HTTPException) -> web.Response:
    """Return the JSON error for one of aiohttp's HTTP errors."""
    code = _HTTP_CODES.get(exc.status, "http_error")
    headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
    return error_response(exc.status, code, exc.reason, headers=headers)


async def no_route(request: web.Request) -> web.Response:
    """Answer a request no route takes: JSON 405 with Allow when the path exists, else 404."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource is request.match_info.route.resource:
            continue
        _, methods = await resource.resolve(request)
        allowed |= methods
    # Every /api/ path answers the CORS preflight; that alone does not make it exist.
    allowed.discard("OPTIONS")
    if allowed:
        allow = ",".join(sorted(allowed))
        return error_response(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here; use {allow}",
            headers={ALLOW: allow},
        )
    return error_response(404, "not_found", f"nothing here at {request.path}")


def add_fallback_route(app: web.Application) -> None:
    """Answer every unrouted request with JSON; call after every other route is added."""
    app.router.add_route("*", "/{path:.*}", with_headers(no_route), name="fallback")
