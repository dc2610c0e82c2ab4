"""Headers every answer carries: no software version, nosniff, CORS on the API, CSP on the page.

The scores are public and read-only, so `/api/` allows GET and HEAD from any origin, without
credentials (`Access-Control-Allow-Origin: *`), the stream included, and answers the preflight
a browser sends before a request with `Last-Event-ID` or `If-None-Match`. `/metrics` is never
shared with other origins. The page loads only its own files: no inline script or style.

Each answer is made with its headers rather than given them by an `on_response_prepare`
hook: aiohttp sends that signal through two coroutines of its own for every response, a
fifth of what the cached week costs beyond the bare aiohttp app (bench/, instructions per
cached GET). So every route is registered through `with_headers`, which sets them on what
its handler returns, but the two that make theirs whole themselves: the week, on the hot
path, and the stream, whose handler lives as long as the stream and must hold no wrapper's
frame. tests/test_security_headers.py asks every route, and the errors, for them.

Every header name the service sets is made here once, as multidict's `istr`, which carries its
case-folded form. Keyed by a plain `str`, a response's header multidict folds and keeps a copy
of every name it holds, and another when it writes them out: about 1.4 KB held by each open
stream for its whole life (bench/, 100,000 streams), and work on every cached answer.
"""

from __future__ import annotations

from functools import wraps
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import istr

ALLOW: Final = istr("Allow")
CACHE_CONTROL: Final = istr("Cache-Control")
CONTENT_TYPE: Final = istr("Content-Type")
ETAG: Final = istr("ETag")
IF_NONE_MATCH: Final = istr("If-None-Match")
X_ACCEL_BUFFERING: Final = istr("X-Accel-Buffering")
X_CACHE: Final = istr("X-Cache")

#: The `Server` header: the service's name, never its version or its libraries'.
SERVER: Final = "nflscores"
COMMON: Final[dict[str, str]] = {
    istr("Server"): SERVER,
    istr("X-Content-Type-Options"): "nosniff",
}
API: Final[dict[str, str]] = {
    istr("Access-Control-Allow-Origin"): "*",
    istr("Access-Control-Expose-Headers"): "ETag, X-Cache, Retry-After",
}
#: Every header of an API answer but its own (the week's, the stream's, an error's).
API_ANSWER: Final[dict[str, str]] = {**COMMON, **API}
PREFLIGHT: Final[dict[str, str]] = {
    **API_ANSWER,
    istr("Access-Control-Allow-Methods"): "GET, HEAD",
    istr("Access-Control-Allow-Headers"): "Last-Event-ID, If-None-Match, Cache-Control",
    istr("Access-Control-Max-Age"): "86400",
    ALLOW: "GET, HEAD, OPTIONS",
}
PAGE: Final[dict[str, str]] = {
    istr("Content-Security-Policy"): (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    istr("Referrer-Policy"): "strict-origin-when-cross-origin",
    istr("X-Frame-Options"): "DENY",
}
PAGE_ANSWER: Final[dict[str, str]] = {**COMMON, **PAGE}
_API_PREFIX: Final = "/api/"


def _headers_for(path: str) -> dict[str, str]:
    """Return the headers of docs/api.md's "Headers on every answer" for an answer at `path`."""
    if path.startswith(_API_PREFIX):
        return API_ANSWER
    if path.startswith("/metrics"):
        return COMMON
    return PAGE_ANSWER


def with_headers(handler: Handler) -> Handler:
    """Wrap a handler so that its answer, an error's too, carries the headers of its path."""

    @wraps(handler)
    async def answered(request: web.Request) -> web.StreamResponse:
        # The path the router matched, already decoded and kept by the URL: request.path
        # would decode it again and keep the copy on the request.
        headers = _headers_for(request.rel_url.path_safe)
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # a redirect, or an error no wrapper turned to JSON
            exc.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    return answered


def setup_preflight(app: web.Application) -> None:
    """Answer CORS preflights (and any OPTIONS) on `/api/`."""
    app.router.add_route("OPTIONS", "/api/{path:.*}", preflight, name="preflight")


async def preflight(request: web.Request) -> web.Response:
    """Answer a CORS preflight (or any OPTIONS) on the API: GET and HEAD from anywhere."""
    return web.Response(status=204, headers=PREFLIGHT)
