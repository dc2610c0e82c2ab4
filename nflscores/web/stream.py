"""`GET /api/livescore`: the live week as Server-Sent Events (docs/api.md).

`?events=update` (the default) sends every change as the whole week; `?events=games` sends
the snapshot on connect and then only the games that changed (`event: game`), ids from the
same sequence, so Last-Event-ID works the same in both.
"""

from __future__ import annotations

import logging
from typing import Final
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.http import HttpVersion11
from aiohttp.web_protocol import RequestHandler

from nflscores import metrics
from nflscores.domain.errors import BadRequest, NflScoresError
from nflscores.live.filters import parse_teams
from nflscores.live.frames import retry_frame
from nflscores.live.hub import LiveHub
from nflscores.live.listener import Listener
from nflscores.store import parse_event_id
from nflscores.web.appkeys import HUB, SETTINGS
from nflscores.web.errors import domain_error_response
from nflscores.web.headers import API_ANSWER, CACHE_CONTROL, CONTENT_TYPE, X_ACCEL_BUFFERING

log = logging.getLogger(__name__)

EVENT_STREAM: Final = "text/event-stream"
#: Every header of the stream's answer, those of every API answer included: made whole at
#: once, the response's multidict is not grown (and kept larger) header by header.
HEADERS: Final = {
    CONTENT_TYPE: EVENT_STREAM,
    CACHE_CONTROL: "no-cache",
    # nginx must pass each event on at once rather than fill its buffer first.
    X_ACCEL_BUFFERING: "no",
    **API_ANSWER,
}
#: Where a request that does not ask for an event stream is sent.
INDEX_PATH: Final = "/api/"
#: `?events=`: the whole week on every change, or only the games that changed.
EVENTS_MODES: Final = {"update": False, "games": True}


def accepts_event_stream(request: web.BaseRequest) -> bool:
    """Return True when the Accept header lists text/event-stream."""
    accept = request.headers.get("Accept", "")
    return any(item.split(";", 1)[0].strip().lower() == EVENT_STREAM for item in accept.split(","))


def stream_query(request: web.BaseRequest) -> dict[str, str]:
    """Return the stream's query parameters, the first value of each name.

    Read here rather than through `request.query`, which parses them into a multidict that
    the request's URL keeps: a few hundred bytes held by every open stream for its life.
    """
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True):
        query.setdefault(name, value)
    return query


def last_event_id(request: web.BaseRequest, query: dict[str, str]) -> str | None:
    """Return the id a reconnecting client last saw (the header, else ?last_event_id=).

    An id that is not a stream id is no id: the client gets the snapshot, as a new one does.
    """
    raw = request.headers.get("Last-Event-ID") or query.get("last_event_id") or ""
    return raw if parse_event_id(raw) is not None else None


def wants_deltas(query: dict[str, str]) -> bool:
    """Return True for `?events=games`; raise BadRequest on an unknown mode."""
    mode = query.get("events", "update")
    if mode not in EVENTS_MODES:
        raise BadRequest(f"events must be one of {', '.join(EVENTS_MODES)}, not {mode!r}")
    return EVENTS_MODES[mode]


async def livescore(request: web.Request) -> web.StreamResponse:
    """Stream the live week: a snapshot or what was missed, then every change as it happens."""
    # This frame lives as long as the stream, so it is kept small: the setup, the catch-up
    # and the failure, with their locals and call stacks, are the functions below.
    response, listener, resume_from = await _open(request)
    if listener is None:
        return response
    try:
        try:
            await _catch_up(request.app[HUB], listener, resume_from)
            while (step := listener.next_step()) is not None:
                await step
        finally:
            request.app[HUB].discard(listener)
        await listener.finish(response)
    except Exception as exc:  # the stream has started: end it, never answer 500
        _end_failed(listener, exc)
    return response


async def _catch_up(hub: LiveHub, listener: Listener, resume_from: str | None) -> None:
    """Join the hub; send the snapshot, or the events missed since `resume_from`."""
    # A frame of its own: the backlog's locals are gone before the stream goes idle.
    hub.add(listener)
    backlog, replay = await hub.backlog(resume_from)
    await listener.start(backlog, replay=replay)


def _end_failed(listener: Listener, exc: Exception) -> None:
    """End a stream that failed after it started; log and count it."""
    # A JSON 500 now would be written inside the event stream's body. End the stream
    # instead: the client reconnects with its Last-Event-ID and loses nothing.
    log.error("a live stream failed and was ended: %s: %s", type(exc).__name__, exc)
    metrics.SSE_DROPPED.labels(reason="error").inc()
    listener.abort()


async def _open(request: web.Request) -> tuple[web.StreamResponse, Listener | None, str | None]:
    """Start the stream's answer; return it, its listener and the client's last event id.

    Without a listener the answer is already whole: a JSON error, or a client that left.
    Everything the request carries is read before the response starts: once the 200 is
    sent, a bad value can no longer be answered with a JSON error. Its own JSON errors
    rather than json_errors' wrapper: a wrapper's frame would be held for the stream's
    whole life, and only these checks fail before the stream starts.
    """
    query = stream_query(request)
    try:
        teams = parse_teams(query.get("team", ""))
        delta = wants_deltas(query)
    except NflScoresError as exc:
        return domain_error_response(exc, headers=API_ANSWER), None, None
    if not accepts_event_stream(request):
        raise web.HTTPFound(INDEX_PATH, headers=API_ANSWER)
    settings = request.app[SETTINGS]
    response = web.StreamResponse(headers=HEADERS)
    # Chunked framing is what lets one pre-encoded chunk go to every HTTP/1.1 socket.
    chunked = request.version >= HttpVersion11
    if chunked:
        response.enable_chunked_encoding()
    writer = await response.prepare(request)
    assert writer is not None, "a fresh response always has a writer"
    # aiohttp arms an idle-connection timer when a connection opens, for one that never sends
    # a request; a stream is no idle connection, and the timer would be held (about 550 bytes
    # a stream) until it fires. keep_alive(True) cancels it; the next request re-arms it.
    protocol = request.protocol
    if isinstance(protocol, RequestHandler):
        protocol.keep_alive(True)
    try:
        await response.write(retry_frame(settings.sse_retry_ms))  # sends the headers too
    except ConnectionError:
        return response, None, None  # the client left before the first byte
    # The headers are on the wire; the response would keep them, about 530 bytes, for the
    # stream's whole life. Nothing reads them again (tests/test_aiohttp_internals.py).
    response.headers.clear()
    listener = Listener(
        request,
        writer,
        teams=teams,
        chunked=chunked,
        buffer=settings.sse_client_buffer,
        write_timeout_s=settings.sse_write_timeout_s,
        delta=delta,
    )
    return response, listener, last_event_id(request, query)
