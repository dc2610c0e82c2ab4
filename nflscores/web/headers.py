"""Headers every answer carries: no software version, nosniff, CORS on the API, CSP on the page.

The scores are public and read-only, so `/api/` allows GET and HEAD from any origin, without
credentials (`Access-Control-Allow-Origin: *`), the stream included, and answers the preflight
a browser sends before a request with `Last-Event-ID` or `If-None-Match`. `/metrics` is never
shared with other origins. The page loads only its own files: no inline script or style.

Every header name the service sets is made here once, as multidict's `istr`, which carries its
case-folded form. Keyed by a plain `str`, a response's header multidict folds and keeps a copy
of every name it holds, and another when it writes them out: about 1.4 KB held by each open
stream for its whole life (bench/, 100,000 streams), and work on every cached answer.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web
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
NOSNIFF: Final = istr("X-Content-Type-Options")
COMMON: Final[dict[str, str]] = {istr("Server"): SERVER, NOSNIFF: "nosniff"}
API: Final[dict[str, str]] = {
    istr("Access-Control-Allow-Origin"): "*",
    istr("Access-Control-Expose-Headers"): "ETag, X-Cache, Retry-After",
}
#: Every header of an API answer but its own: a handler whose answer starts from these (the
#: week's, the stream's) has it left as it is by add_headers, which is then one lookup.
API_ANSWER: Final[dict[str, str]] = {**COMMON, **API}
PREFLIGHT: Final[dict[str, str]] = {
    **API,
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
_API_PREFIX: Final = "/api/"


def setup_headers(app: web.Application) -> None:
    """Add the headers to every response and answer CORS preflights on `/api/`."""
    app.on_response_prepare.append(add_headers)
    app.router.add_route("OPTIONS", "/api/{path:.*}", preflight, name="preflight")


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Set the headers of docs/api.md's "Headers on every answer" on a response about to start."""
    headers = response.headers
    # aiohttp has set its own Server by now; nosniff is only ever set from COMMON.
    if NOSNIFF in headers:
        return  # made with API_ANSWER by its handler: the cached week's hot path
    headers.update(COMMON)
    # The path the router matched, already decoded and kept by the URL: request.path would
    # decode it again and keep the copy on the request, ~200 bytes each open stream holds.
    path = request.rel_url.path_safe
    if path.startswith(_API_PREFIX):
        headers.update(API)
    elif not path.startswith("/metrics"):
        headers.update(PAGE)


async def preflight(request: web.Request) -> web.Response:
    """Answer a CORS preflight (or any OPTIONS) on the API: GET and HEAD from anywhere."""
    return web.Response(status=204, headers=PREFLIGHT)
