"""The HTTP connection's edge: requests aiohttp's parser refuses, and requests that never end.

aiohttp answers a request its parser rejects (a NUL in a header, an 8 KB line, too many
headers, a bad method, a bare LF) from inside its protocol, before any route or middleware:
a `text/plain` 400 that echoes the request, with an ERROR traceback. It has no timeout for a
request whose headers never complete, and it waits forever on an HTTP/0.9 request line.

This module is the one place that reaches into aiohttp's protocol for these, through three
hooks `tests/test_protocol.py` checks on every aiohttp version:

- `RequestHandler.handle_error(request, status, exc, message)`, which builds that answer;
- `RequestHandler.data_received`, where the bytes of a request arrive;
- `Application._make_handler`, the factory every runner (gunicorn's worker, `run_app`, the
  test server) asks for its `Server`, whose `__call__` makes one handler per connection.

It also gives each connection a smaller queue of parsed requests (`MessageQueue`).

A rejected request gets docs/api.md's JSON error with its proper status (400, 414, 431), one INFO
log line, a count in `nflscores_http_rejected_total{reason}` and an access-log line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from typing import Any, Final

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler

from nflscores import metrics
from nflscores.domain.encoding import dumps
from nflscores.web.errors import error_response
from nflscores.web.headers import COMMON, SERVER
from nflscores.web.tallies import Rejected

log = logging.getLogger(__name__)

#: How an HTTP/1.x request line ends; one that does not (HTTP/0.9's `GET /`) is closed at once.
_VERSION_RE: Final = re.compile(rb" HTTP/[0-9.]+\r?$")


def rejection(exc: BaseException | None, *, in_request_line: bool) -> tuple[int, str, str]:
    """Return the status, error code and message for a request the parser refused."""
    if isinstance(exc, LineTooLong):
        if in_request_line:
            return 414, "uri_too_long", "the request line is too long"
        return 431, "headers_too_large", "a request header is too long"
    text = str(exc) if exc is not None else ""
    if "Too many headers" in text:
        return 431, "headers_too_large", "the request has too many headers"
    if isinstance(exc, BadHttpMethod):
        return 400, "bad_request", "the request method is not a valid HTTP method"
    return 400, "bad_request", "the request is not valid HTTP/1.1"


class MessageQueue(list[Any]):
    """A connection's parsed requests waiting for their turn: RequestHandler's deque, made small.

    aiohttp queues them in a deque, which allocates a block of 64 slots as it is made: 760
    bytes that every open stream and idle keep-alive connection holds for its whole life, to
    queue what is nearly always one request, and never more than aiohttp's 32 (it stops
    reading beyond that). A list holds them in 56 bytes. RequestHandler uses the queue's
    append, popleft, len and truth only (tests/test_protocol.py).
    """

    __slots__ = ()

    def popleft(self) -> Any:
        """Remove and return the oldest request."""
        return self.pop(0)


class JsonErrorHandler(RequestHandler):
    """aiohttp's connection handler with JSON errors and a deadline on reading headers."""

    __slots__ = (
        "_header_deadline",
        "_header_timeout_s",
        "_in_request_line",
        "_line_bytes",
        "_line_tail",
        "_long_request_line",
        "_parsed_line_long",
        "_seen_requests",
    )

    def __init__(self, *args: Any, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._messages = MessageQueue()  # type: ignore[assignment]  # a deque's subset
        self._header_timeout_s = header_timeout_s
        self._header_deadline: asyncio.TimerHandle | None = None
        self._in_request_line = True
        #: Bytes of the current request line so far, and whether it outgrew max_line_size.
        self._line_bytes = 0
        self._line_tail = b""
        self._long_request_line = False
        #: Whether the request line of the last request parsed (or refused) was too long.
        self._parsed_line_long = False
        self._seen_requests = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the clock: the first request's headers must arrive within the deadline."""
        super().connection_made(transport)
        self._start_header_deadline()

    def connection_lost(self, exc: BaseException | None) -> None:
        """Stop the header clock with the connection."""
        self._stop_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed the parser; keep the header deadline while a request's headers are partial."""
        # Every request's bytes pass here: the common case (a kept-alive connection's next
        # request, whole in one read) does the least, and the rest is _read_request_line's.
        if self._payload_parser is not None or self._upgraded:
            RequestHandler.data_received(self, data)  # a body's bytes: nothing here to follow
            return
        if self._in_request_line:
            end = data.find(b"\n")
            if 0 <= end <= self.max_line_size and self._request_count and not self._line_bytes:
                self._in_request_line = False  # a later request's short line, whole: as it is
            elif not self._read_request_line(data):
                # Only the first request line surely starts a chunk; HTTP/0.9 sends no second.
                self._refuse_http09()
                return
        RequestHandler.data_received(self, data)  # as super() does, without making one
        if self._request_count == self._seen_requests:
            if data and self._header_deadline is None:
                self._start_header_deadline()  # the headers are partial: their clock runs
            return
        # A whole request arrived: its clock stops; the next one's starts with its bytes.
        self._seen_requests = self._request_count
        self._parsed_line_long = self._long_request_line
        self._in_request_line = True
        if self._line_bytes or self._long_request_line:
            self._line_bytes = 0
            self._line_tail = b""
            self._long_request_line = False
        if self._header_deadline is not None:
            self._stop_header_deadline()
        if data[-1] != 0x0A and self._payload_parser is None:  # not "\n"
            # The chunk goes on past the request's blank line: the next request's first
            # bytes, whose headers have the deadline from now. (Or a body's last bytes:
            # the service takes none, and such an idle connection closes at the deadline.)
            self._start_header_deadline()

    def _read_request_line(self, data: bytes) -> bool:
        """Follow the request line's bytes; False when the connection's first one is not HTTP/1.x.

        A later request line that is not goes on to the parser, which refuses it (400).
        """
        end = data.find(b"\n")
        if end >= 0 and not self._line_bytes:
            # The whole line in one read (nearly every request): read in place, no copies.
            self._in_request_line = False
            self._long_request_line = end > self.max_line_size
            if self._long_request_line:
                return True  # the parser refuses it: 414 (a later short line is not asked)
            return _VERSION_RE.search(data, max(0, end - 16), end) is not None
        line, newline, _ = data.partition(b"\n")
        self._line_bytes += len(line)
        self._long_request_line = self._line_bytes > self.max_line_size
        self._line_tail = (self._line_tail + line)[-16:]
        if not newline:
            return True
        self._in_request_line = False
        if self._long_request_line or self._request_count:
            return True
        return _VERSION_RE.search(self._line_tail) is not None

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """Answer an error aiohttp's protocol met with JSON: a refused request, or a failure."""
        if request.writer.output_size > 0:
            # Part of a response went out already: nothing can be said any more.
            raise ConnectionError("the response had started; the connection is dropped")
        response: web.Response
        if status == 400 and (exc is None or isinstance(exc, HttpProcessingError)):
            status, code, text = rejection(exc, in_request_line=self._parsed_line_long)
            metrics.HTTP_REJECTED.labels(reason=code).inc()
            log.info("refused a request from %s: %d %s (%s)", request.remote, status, code, exc)
            refused = functools.partial(Rejected, code)
            response = error_response(status, code, text, headers=COMMON, kind=refused)
        else:
            if status == 504:
                code, text = "timeout", "the request took too long"
            else:
                log.error("unhandled error on a request from %s", request.remote, exc_info=exc)
                status, code, text = 500, "internal", "the server failed; the error is logged"
            response = error_response(status, code, text, headers=COMMON)
        response.force_close()
        return response

    def _refuse_http09(self) -> None:
        """Close a connection whose request line is not HTTP/1.x (HTTP/0.9's `GET /`)."""
        log.info("closed an HTTP/0.9 (or garbled) request line from %s", self._peer())
        metrics.HTTP_REJECTED.labels(reason="http09").inc()
        self._close_with(400, "bad_request", "only HTTP/1.0 and HTTP/1.1 are served")

    def _start_header_deadline(self) -> None:
        self._header_deadline = self._loop.call_later(self._header_timeout_s, self._too_slow)

    def _stop_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if self._request_in_progress or self.transport is None:
            return  # a request is being answered: its own time is not the headers' to bound
        log.info(
            "closed a connection from %s: no complete request headers in %.0fs",
            self._peer(),
            self._header_timeout_s,
        )
        metrics.HTTP_REJECTED.labels(reason="header_timeout").inc()
        self._close_with(408, "request_timeout", "the request headers did not arrive in time")

    def _close_with(self, status: int, code: str, message: str) -> None:
        transport = self.transport
        if transport is None:
            return
        body = dumps({"error": {"status": status, "code": code, "message": message}})
        reason = {400: "Bad Request", 408: "Request Timeout"}[status]
        head = (
            f"HTTP/1.1 {status} {reason}\r\nServer: {SERVER}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        transport.write(head.encode() + body)
        self.force_close()
        transport.close()

    def _peer(self) -> str:
        transport = self.transport
        peer = None if transport is None else transport.get_extra_info("peername")
        return str(peer[0]) if isinstance(peer, tuple) and peer else "?"


class JsonErrorServer(web.Server):
    """aiohttp's Server, making a JsonErrorHandler for each connection."""

    def __init__(self, *args: Any, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout_s = header_timeout_s

    def __call__(self) -> RequestHandler:
        """Return the handler of one new connection."""
        return JsonErrorHandler(
            self, loop=self._loop, header_timeout_s=self._header_timeout_s, **self._kwargs
        )


def install(app: web.Application, *, header_timeout_s: float) -> None:
    """Have every runner of `app` serve its connections through JsonErrorHandler."""
    make_server = app._make_handler

    def make_json_error_server(
        *, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any
    ) -> web.Server:
        server = make_server(loop=loop, **kwargs)
        return JsonErrorServer(
            server.request_handler,
            request_factory=server.request_factory,
            # A client that leaves never cancels its request's handler, in any runner: as in
            # gunicorn's worker and run_app (aiohttp's default), also in aiohttp's test server,
            # which turns it on. A stream notices a gone client itself (LiveHub's checks).
            handler_cancellation=False,
            loop=server._loop,
            header_timeout_s=header_timeout_s,
            **server._kwargs,
        )

    # aiohttp forbids subclassing Application; its runners look the factory up on the app.
    setattr(app, "_make_handler", make_json_error_server)  # noqa: B010
