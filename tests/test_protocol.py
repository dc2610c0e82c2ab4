"""Requests aiohttp's parser refuses, and requests that never end: JSON, counted, quiet, bounded."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web, web_protocol
from aiohttp.web_protocol import RequestHandler

from nflscores import metrics
from nflscores.domain.encoding import loads
from nflscores.logs import JsonFormatter
from nflscores.settings import Settings
from nflscores.web import protocol
from nflscores.web.accesslog import ACCESS_LINES
from nflscores.web.app import create_app
from nflscores.web.tallies import flush_counts
from tests.support import MakeClient, until

#: Raw requests aiohttp's parser refuses, and the status and code each must get.
REFUSED = {
    "nul_in_header": (b"GET /api/ HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, "bad_request"),
    "long_request_line": (
        b"GET /api/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "uri_too_long",
    ),
    "long_header": (
        b"GET /api/ HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n",
        431,
        "headers_too_large",
    ),
    "too_many_headers": (
        b"GET /api/ HTTP/1.1\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n",
        431,
        "headers_too_large",
    ),
    "bad_method": (b"G@T /api/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
    "bare_lf": (b"GET /api/ HTTP/1.1\nHost: x\n\n", 400, "bad_request"),
}


@dataclasses.dataclass
class Server:
    """The real app on a real port."""

    port: int


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
    """Run the real application on a free port, as gunicorn's worker would (an AppRunner)."""
    app = create_app(dataclasses.replace(settings, header_read_timeout_s=0.3))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield Server(port)
    await runner.cleanup()


async def exchange(port: int, data: bytes, *, within: float = 5.0) -> bytes:
    """Send raw bytes and return everything the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        async with asyncio.timeout(within):
            return await reader.read()
    finally:
        writer.close()


def status_and_body(raw: bytes) -> tuple[int, bytes, bytes]:
    """Return the status, the head and the body of one raw HTTP response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


@pytest.mark.parametrize("case", list(REFUSED))
async def test_a_refused_request_gets_a_json_error_with_its_status(
    server: Server, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Each kind of malformed request gets docs/api.md's JSON error and status, no echo or trace."""
    data, status, code = REFUSED[case]
    before = metrics.HTTP_REJECTED.labels(reason=code)._value.get()
    with caplog.at_level(logging.INFO):
        raw = await exchange(server.port, data)
    got, head, body = status_and_body(raw)
    assert got == status
    assert b"application/json" in head
    error = loads(body)["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert b"aaaa" not in body
    assert b"X-A" not in body
    assert metrics.HTTP_REJECTED.labels(reason=code)._value.get() == before + 1
    refusals = [record for record in caplog.records if "refused a request" in record.message]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.INFO
    assert all(record.exc_info is None for record in caplog.records)
    assert all(record.levelno < logging.ERROR for record in caplog.records)


async def test_a_refused_request_has_an_access_log_line(
    server: Server, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The access log records the refusal (route `rejected`, its status), the hook never raises."""
    caplog.set_level(logging.INFO, logger="nflscores.access")
    await exchange(server.port, REFUSED["too_many_headers"][0])
    seen: list[str] = []

    def logged() -> bool:
        ACCESS_LINES.flush()
        seen.extend(line for line in capfd.readouterr().err.splitlines() if "access" in line)
        return any("- - 431" in line for line in seen)

    await until(logged)


async def test_a_refused_request_is_counted_and_logged_as_json(
    server: Server, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """With JSON logs a refusal's line names route `rejected`; it counts with no route.

    aiohttp gives the refused request a placeholder method of its own, counted as OTHER.
    """
    caplog.set_level(logging.INFO, logger="nflscores.access")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)  # the next connection's access logger writes JSON
    counted = metrics.HTTP_REQUESTS.labels("unmatched", "OTHER", "431")
    flush_counts()
    before = counted._value.get()
    try:
        await exchange(server.port, REFUSED["too_many_headers"][0])
        ACCESS_LINES.flush()
    finally:
        root.removeHandler(handler)
    lines = [loads(line) for line in capfd.readouterr().err.splitlines() if '"rejected"' in line]
    assert [(line["route"], line["method"], line["path"], line["status"]) for line in lines] == [
        ("rejected", "-", "-", 431)
    ]
    flush_counts()
    assert counted._value.get() == before + 1


async def test_an_http09_request_is_closed_at_once(server: Server) -> None:
    """`GET /` with no version is answered 400 and closed, not left waiting for more."""
    before = metrics.HTTP_REJECTED.labels(reason="http09")._value.get()
    raw = await exchange(server.port, b"GET /\r\n", within=2.0)
    assert status_and_body(raw)[0] == 400
    assert metrics.HTTP_REJECTED.labels(reason="http09")._value.get() == before + 1


async def test_a_versionless_line_after_a_request_is_bounded(server: Server) -> None:
    """A kept-alive connection's next line with no version waits no longer than the headers."""
    raw = await exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /", within=5.0)
    first, _, rest = raw.partition(b'{"status":"ok"}')
    assert status_and_body(first)[0] == 200
    status, _, body = status_and_body(rest)
    assert status == 408
    assert loads(body)["error"]["code"] == "request_timeout"


@pytest.mark.slow
async def test_half_sent_headers_are_cut_off_after_the_header_timeout(server: Server) -> None:
    """A client that stops mid-headers gets a 408 and the connection closes (0.3 s here)."""
    raw = await exchange(server.port, b"GET /api/ HTTP/1.1\r\nHost: x\r\nX-Slow: ", within=5.0)
    assert status_and_body(raw)[0] == 408


@pytest.mark.slow
async def test_a_silent_connection_is_closed_after_the_header_timeout(server: Server) -> None:
    """A connection that never sends a byte is closed within the header timeout."""
    raw = await exchange(server.port, b"", within=5.0)
    assert status_and_body(raw)[0] == 408


async def test_requests_split_across_packets_and_kept_alive_are_served(server: Server) -> None:
    """A request line cut in two, then a second request on the same connection: both 200."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET /healthz HT")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"TP/1.1\r\nHost: x\r\n\r\n")
        first = await asyncio.wait_for(reader.readuntil(b'"ok"}'), 5)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        second = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
    assert first.startswith(b"HTTP/1.1 200")
    assert second.startswith(b"HTTP/1.1 200")


def test_the_aiohttp_hooks_this_relies_on_are_still_there() -> None:
    """Fail loudly when aiohttp changes the protocol internals web.protocol overrides."""
    handle_error = inspect.signature(RequestHandler.handle_error)
    assert list(handle_error.parameters) == ["self", "request", "status", "exc", "message"]
    assert list(inspect.signature(RequestHandler.data_received).parameters) == ["self", "data"]
    for slot in ("_payload_parser", "_upgraded", "_request_count", "_request_in_progress"):
        assert hasattr(RequestHandler, slot), slot
    assert "_make_handler" in vars(web.Application)
    assert {"_kwargs", "_loop", "request_handler", "request_factory"} <= set(
        vars(web.Server(lambda request: None, loop=asyncio.new_event_loop()))  # type: ignore[arg-type, return-value]
    )
    assert issubclass(protocol.JsonErrorServer, web.Server)


async def test_pipelined_requests_are_answered_in_order_through_the_small_queue(
    server: Server,
) -> None:
    """Three requests in one write wait in MessageQueue; each is answered, in its order."""
    request = b"GET /api/%s HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    raw = await exchange(server.port, request % b"openapi.json" + request % b"1800/1" + last)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)
    assert statuses == [b"200", b"404", b"200"]
    assert raw.rstrip().endswith(b'{"status":"ok"}')


def test_the_message_queue_pops_the_oldest_first() -> None:
    """popleft is a deque's: the first request in is the first out, and the queue empties."""
    queue = protocol.MessageQueue()
    queue.append("first")
    queue.append("second")
    assert len(queue) == 2
    assert queue.popleft() == "first"
    assert queue.popleft() == "second"
    assert not queue


def test_request_handler_uses_its_message_queue_only_as_a_list_can_be_used() -> None:
    """RequestHandler calls append and popleft on its queue, and len and truth: nothing else."""
    source = inspect.getsource(web_protocol)
    assert set(re.findall(r"self\._messages\.(\w+)", source)) <= {"append", "popleft"}
    assert not re.search(r"self\._messages\s*\[", source)
    # Made once, in __init__, where JsonErrorHandler replaces it.
    assert len(re.findall(r"self\._messages\s*(?::[^=\n]+)?=[^=]", source)) == 1


async def test_each_connection_queues_its_requests_in_a_message_queue(
    aiohttp_client: MakeClient, settings: Settings
) -> None:
    """The handler of a live connection holds a MessageQueue, not aiohttp's deque."""
    client = await aiohttp_client(create_app(settings))
    async with client.get("/healthz") as response:
        assert response.status == 200
        runner = client.server.runner
        assert runner is not None
        assert runner.server is not None
        handlers = runner.server.connections
        assert handlers
        queues: list[object] = [handler._messages for handler in handlers]
        assert all(type(queue) is protocol.MessageQueue for queue in queues)
