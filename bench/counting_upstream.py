"""An upstream in front of the upstream: counts the requests the service makes.

`python -m bench.counting_upstream --port P --forward URL` relays every request to the real
replay upstream (which adds its own latency). Without --forward it stands in for it: every week
request sleeps --latency-ms and answers the same scorestrip document (--xml), so the
baselines can run before the project's upstream exists. GET /_bench/count returns the counts,
POST /_bench/reset zeroes them.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

COUNTS = web.AppKey("counts", Counter[str])
SESSION = web.AppKey("session", aiohttp.ClientSession)
DEFAULT_XML = Path(__file__).resolve().parent / "data" / "2015-REG-12.xml"


def request_key(request: web.Request) -> str:
    """Return what a request asked for: the path and the week's query, in a fixed order."""
    query = "&".join(f"{k}={request.query[k]}" for k in sorted(request.query))
    return f"{request.path}?{query}" if query else request.path


async def count(request: web.Request) -> web.Response:
    """Return every count so far."""
    counts = request.app[COUNTS]
    return web.json_response({"total": sum(counts.values()), "by_request": dict(counts)})


async def reset(request: web.Request) -> web.Response:
    """Forget every count."""
    request.app[COUNTS].clear()
    return web.json_response({"total": 0})


def make_app(*, forward: str | None, latency_ms: int, xml: bytes) -> web.Application:
    """Return the counting app, relaying to forward or standing in for the upstream."""
    app = web.Application()
    app[COUNTS] = Counter()

    async def session(app: web.Application) -> AsyncIterator[None]:
        app[SESSION] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        yield
        await app[SESSION].close()

    async def relay(request: web.Request) -> web.Response:
        request.app[COUNTS][request_key(request)] += 1
        if forward is None:
            await asyncio.sleep(latency_ms / 1000)
            return web.Response(body=xml, content_type="text/xml")
        url = forward.rstrip("/") + request.path_qs
        async with request.app[SESSION].get(url) as response:
            body = await response.read()
            return web.Response(
                body=body, status=response.status, content_type=response.content_type
            )

    app.cleanup_ctx.append(session)
    app.router.add_get("/_bench/count", count)
    app.router.add_post("/_bench/reset", reset)
    app.router.add_route("GET", "/{tail:.*}", relay)
    return app


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--forward", help="base URL of the real upstream to relay to")
    parser.add_argument("--latency-ms", type=int, default=200, help="stand-in latency")
    parser.add_argument("--xml", type=Path, default=DEFAULT_XML, help="stand-in document")
    args = parser.parse_args()
    app = make_app(forward=args.forward, latency_ms=args.latency_ms, xml=args.xml.read_bytes())
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
