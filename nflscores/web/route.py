"""One route of the HTTP API: its name, path and handler."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp.typedefs import Handler


@dataclass(frozen=True, slots=True)
class Route:
    """A GET route; `listed` routes appear in the index's endpoints.

    `pattern`, when given, is what the router matches instead of `path` (which the index and
    the OpenAPI document show): the same path with a regex narrowing a variable part.
    `own_headers`: the handler makes every answer with the headers of web.headers itself,
    errors included, and is registered as it is rather than through `with_headers`.
    """

    name: str
    path: str
    handler: Handler
    allow_head: bool = True
    listed: bool = True
    pattern: str | None = None
    own_headers: bool = False
