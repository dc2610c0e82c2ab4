"""One access-log line per answered request, buffered and written a few times a second.

Requests are observed by aiohttp's access-log hook, not by a middleware: the server calls it
once per answered request with the time taken, at the cost of one plain call. The request is
counted (`tallies`) and its line goes to a buffer, so a cached request pays neither a
shared-file write nor a logging record (bench/ measured each at 10-20%).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_urldispatcher import AbstractRoute

from nflscores.domain.encoding import dumps
from nflscores.logs import JsonFormatter
from nflscores.web.tallies import REQUESTS_TALLY, Rejected, route_label

ACCESS_LOG: Final = logging.getLogger("nflscores.access")
log = logging.getLogger(__name__)
#: How long a log line may wait in the buffer before it is written out.
LOG_FLUSH_S: Final = 0.2
#: aiohttp's default: timeouts longer than this are rounded up to a whole second.
TIMEOUT_CEIL_THRESHOLD_S: Final = 5.0


def request_log_args() -> dict[str, Any]:
    """Return `web.Application(handler_args=...)`: every server uses RequestLog."""
    # handler_args win over the runner's own, so gunicorn's worker, run_app and the test
    # server all count and log the same way. aiohttp's own timeout_ceil_threshold (5), as a
    # float: each connection's handler keeps float() of it, a new object of an int.
    return {
        "access_log_class": RequestLog,
        "access_log": ACCESS_LOG,
        "timeout_ceil_threshold": TIMEOUT_CEIL_THRESHOLD_S,
    }


class RequestLog(AbstractAccessLogger):
    """Count each answered request by route and status, and log it in one line."""

    # One per connection (aiohttp makes an access logger per connection): no __dict__.
    __slots__ = ("_json", "_lines", "_on")

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        super().__init__(logger, log_format)
        self._lines = ACCESS_LINES
        # Decided once per connection: the server builds its access loggers after logging is
        # configured, and a level changed later holds from the next connection on.
        self._on = logger.isEnabledFor(logging.INFO)
        self._json = any(
            isinstance(handler.formatter, JsonFormatter) for handler in logging.getLogger().handlers
        )

    def log(self, request: web.BaseRequest, response: web.StreamResponse, elapsed: float) -> None:
        """Record a request aiohttp has answered in `elapsed` seconds; never raise."""
        # Every answered request passes here: the count and the text line's record are made
        # in this frame, not in helpers of their own (bench/, instructions per cached GET).
        # A refused request, rare, takes _log_refused, whose two branches mirror these.
        try:
            status = response.status
            if type(response) is Rejected:  # only web.protocol makes one: a refused request
                self._log_refused(request, response.code, status, elapsed)
                return
            try:  # only a routed web.Request has match_info; one routed nowhere yet asserts
                route: AbstractRoute | None = getattr(request, "match_info").route  # noqa: B009
            except (AssertionError, AttributeError):
                route = None
            method = request.method
            # Tally.add, inline: counted under the key, labelled when flushed (tallies).
            key = (route, method, status)
            counts = REQUESTS_TALLY.pending
            counts[key] = counts.get(key, 0) + 1
            if not self._on:
                return
            if self._json:
                fields = access_fields(request, route_label(route), status, elapsed, None)
                self._lines.add(json_line(self.logger, fields))
            else:
                # The text line's fields, kept as they are and formatted with the rest of
                # its batch when the buffer is written; the path as logged_path gives it.
                path = request.rel_url.raw_path
                self._lines.add_text((time.time_ns(), method, path, status, elapsed))
        except Exception as exc:  # a log line must never break the connection it records
            log.warning("could not record %s %s: %r", request.method, logged_path(request), exc)

    def _log_refused(
        self, request: web.BaseRequest, code: str, status: int, elapsed: float
    ) -> None:
        # A refused request has no method or path of its own (aiohttp gives it placeholders).
        REQUESTS_TALLY.add((None, request.method, status))
        if not self._on:
            return
        if self._json:
            fields = access_fields(request, route_label(None), status, elapsed, code)
            self._lines.add(json_line(self.logger, fields))
        else:
            self._lines.add_text((time.time_ns(), "-", "-", status, elapsed))


def json_line(logger: logging.Logger, fields: dict[str, Any]) -> bytes:
    """Return one JSON access-log line of the fields, as the JSON log formatter writes a line."""
    return dumps({"ts": timestamp(True), "level": "info", "logger": logger.name, **fields})


def logged_path(request: web.BaseRequest) -> str:
    """Return the request's path as logs show it: as sent, still percent-encoded.

    Decoded, a path's `%0A` would end a text log line and let the rest of the path forge the
    next one. Encoded, every log line is one line, as nginx logs its requests.
    """
    return request.rel_url.raw_path


def timestamp(iso: bool) -> str:
    """Return now to the millisecond, as ISO 8601 (JSON logs) or as logging's asctime."""
    now = time.time()
    second = int(now)
    millis = int((now - second) * 1000)
    if iso:
        return f"{_second(second, 'T')}.{millis:03d}+00:00"
    return f"{_second(second, ' ')},{millis:03d}"


@functools.lru_cache(maxsize=4)
def _second(second: int, sep: str) -> str:
    # strftime costs more than the rest of a log line: format each second once.
    return datetime.fromtimestamp(second, UTC).strftime(f"%Y-%m-%d{sep}%H:%M:%S")


def access_fields(
    request: web.BaseRequest, route: str, status: int, elapsed: float, rejected: str | None
) -> dict[str, Any]:
    """Return the fields of one access-log line (`rejected`: a Rejected answer's code)."""
    headers = request.headers
    # A refused request has no method or path of its own (aiohttp gives it placeholders).
    method, path = ("-", "-") if rejected is not None else (request.method, logged_path(request))
    return {
        "msg": f"{method} {path} {status}",
        "method": method,
        "path": path,
        "route": "rejected" if rejected is not None else route,
        "status": status,
        "duration_ms": round(elapsed * 1000, 2),
        "remote": request.remote,
        "forwarded_for": headers.get("X-Forwarded-For"),
        "request_id": headers.get("X-Request-ID"),
        "user_agent": headers.get("User-Agent"),
    }


#: A text access-log line before formatting: (time in ns, method, path, status, seconds taken).
TextRecord = tuple[int, str, str, int, float]


#: Numbers a text line shows, formatted once: looked up, a number costs no conversion.
_NUMBERS: Final = tuple(str(number) for number in range(1000))
_THREE_DIGITS: Final = tuple(f"{number:03d}" for number in range(1000))
_TWO_DIGITS: Final = tuple(f"{number:02d}" for number in range(100))
_NS: Final = 1_000_000_000


def text_lines(records: list[TextRecord], logger: str) -> bytes:
    """Return the text lines of the records, as `timestamp INFO logger: GET /path 200 1.20ms`.

    One string for the batch, encoded once, each line one f-string of parts looked up rather
    than formatted (numbers, and each second's timestamp), its time an int of nanoseconds
    (integer division rather than int() of a float): formatting is most of a logged request's
    cost (bench/, instructions per cached GET).
    """
    middle = f" INFO {logger}: "
    parts: list[str] = []
    append = parts.append
    second, stamp = -1, ""
    for at, method, path, status, elapsed in records:
        if (whole := at // _NS) != second:
            second = whole
            stamp = _second(second, " ") + ","
        millis = _THREE_DIGITS[at // 1_000_000 % 1000]
        hundredths = int(elapsed * 100_000)  # of a millisecond
        if 0 <= hundredths < 100_000 and 0 <= status < 1000:
            append(
                f"{stamp}{millis}{middle}{method} {path} {_NUMBERS[status]} "
                f"{_NUMBERS[hundredths // 100]}.{_TWO_DIGITS[hundredths % 100]}ms\n"
            )
        else:
            append(f"{stamp}{millis}{middle}{method} {path} {status} {elapsed * 1000:.2f}ms\n")
    return "".join(parts).encode()


class LineBuffer:
    """Collect log lines and write them to stderr together, a few times a second."""

    def __init__(
        self, *, delay_s: float = LOG_FLUSH_S, limit: int = 512, logger: str = ACCESS_LOG.name
    ) -> None:
        self._lines: list[bytes] = []
        self._records: list[TextRecord] = []
        self._logger = logger
        self._delay_s = delay_s
        self._limit = limit
        self._timer: asyncio.TimerHandle | None = None

    def add_text(self, record: TextRecord) -> None:
        """Queue a text line's fields; it is formatted when the batch is written."""
        records = self._records
        records.append(record)
        # Every request's path: the timer is armed already and the batch far from full.
        if self._timer is None or len(records) + len(self._lines) >= self._limit:
            self._queued()

    def add(self, line: bytes) -> None:
        """Queue a line; write the batch when it is full or its delay has passed."""
        self._lines.append(line)
        self._queued()

    def _queued(self) -> None:
        if len(self._lines) + len(self._records) >= self._limit:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
                return
            self._timer = loop.call_later(self._delay_s, self.flush)

    def flush(self) -> None:
        """Write every queued line now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        data = b"\n".join(self._lines) + b"\n" if self._lines else b""
        self._lines.clear()
        if self._records:
            data += text_lines(self._records, self._logger)
            self._records.clear()
        if not data:
            return
        stream = sys.stderr
        stream.flush()
        stream.buffer.write(data)
        stream.buffer.flush()


#: The access-log lines of this process, written out together.
ACCESS_LINES: Final = LineBuffer()
