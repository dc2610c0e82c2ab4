"""Faults on demand: added latency, 5xx answers and bodies cut short, by rate or per request.

Rates come from the config and are drawn from a generator seeded with the replay's seed, so a
run of requests meets the same faults every time. Query switches decide for one request and win
over the rates: `_latency_ms=200`, `_fail=1` (503) or `_fail=502`, `_truncate=1`; `0` turns a
fault off for that request. A body cut short announces its full Content-Length, sends half and
drops the connection, as an upstream dying mid-answer does.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from nflscores.domain.errors import BadRequest

MAX_LATENCY_MS: Final = 60_000.0
DEFAULT_FAIL_STATUS: Final = 503
#: Paths never faulted: the admin endpoints tests steer the replay with.
EXEMPT_PREFIX: Final = "/_replay/"


@dataclass(frozen=True, slots=True)
class Faults:
    """What happens to one request."""

    latency_ms: float = 0.0
    fail_status: int | None = None
    truncate: bool = False


def _latency(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_LATENCY_MS:
        raise BadRequest(f"_latency_ms must be 0-{MAX_LATENCY_MS:.0f}, not {raw!r}")
    return value


def _fail(raw: str) -> int | None:
    if raw == "0":
        return None
    if raw == "1":
        return DEFAULT_FAIL_STATUS
    if raw.isdigit() and 500 <= int(raw) <= 599:
        return int(raw)
    raise BadRequest(f"_fail must be 0, 1 or a 5xx status, not {raw!r}")


def _switch(name: str, raw: str) -> bool:
    if raw not in {"0", "1"}:
        raise BadRequest(f"{name} must be 0 or 1, not {raw!r}")
    return raw == "1"


class FaultDice:
    """Decide each request's faults from the rates and the request's own switches."""

    def __init__(
        self, *, seed: int, latency_ms: float, fail_rate: float, truncate_rate: float
    ) -> None:
        self._rng = random.Random(f"faults:{seed}")
        self.latency_ms = latency_ms
        self.fail_rate = fail_rate
        self.truncate_rate = truncate_rate

    def draw(self, query: Mapping[str, str]) -> Faults:
        """Return the faults for a request; raise BadRequest on a malformed switch."""
        # Draw both every time so one request's switches do not shift the next one's luck.
        fails = self._rng.random() < self.fail_rate
        truncates = self._rng.random() < self.truncate_rate
        latency = self.latency_ms
        if "_latency_ms" in query:
            latency = _latency(query["_latency_ms"])
        status = DEFAULT_FAIL_STATUS if fails else None
        if "_fail" in query:
            status = _fail(query["_fail"])
        if "_truncate" in query:
            truncates = _switch("_truncate", query["_truncate"])
        return Faults(latency_ms=latency, fail_status=status, truncate=truncates)


DICE: Final = web.AppKey("replay_fault_dice", FaultDice)


async def cut_short(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Send the head of a response's body under its full length, then drop the connection."""
    body = response.body
    if not isinstance(body, bytes) or len(body) < 2:
        return response
    stream = web.StreamResponse(status=response.status)
    stream.content_type = response.content_type
    if response.charset:
        stream.charset = response.charset
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return stream


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply the request's faults around the feed handlers."""
    if request.path.startswith(EXEMPT_PREFIX):
        return await handler(request)
    faults = request.app[DICE].draw(request.query)
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if faults.fail_status is not None:
        return web.Response(status=faults.fail_status, text="replay upstream: injected failure\n")
    response = await handler(request)
    if faults.truncate and isinstance(response, web.Response):
        return await cut_short(request, response)
    return response
