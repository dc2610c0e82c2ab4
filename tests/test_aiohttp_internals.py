"""The parts of aiohttp below its public API that the stream and the worker rely on.

The live stream writes pre-encoded chunks straight to the request's transport and watches
the protocol's `writing_paused` (nflscores/live/listener.py), cancels the idle-connection
timer aiohttp arms for each new connection through `RequestHandler.keep_alive(True)`, and
clears its response's headers once they are on the wire (nflscores/web/stream.py); the
gunicorn worker restores the listen backlog in its first `notify()`, which aiohttp calls once
every site listens (nflscores/web/worker.py). pyproject bounds aiohttp below the next minor;
when a new aiohttp changes any of this, these tests fail by name before the stream or the
worker misbehave.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from importlib.metadata import requires, version

from aiohttp import abc, web, web_protocol, worker
from packaging.requirements import Requirement

from nflscores.live.frames import http_chunk
from nflscores.settings import Settings
from nflscores.web.app import create_app
from nflscores.web.appkeys import HUB
from tests.live_support import open_stream
from tests.support import MakeClient, until


def test_installed_aiohttp_is_within_the_bound_the_project_declares() -> None:
    """pyproject gives aiohttp an upper bound, and the installed aiohttp meets it."""
    declared = [Requirement(text) for text in requires("nflscores") or []]
    aiohttp_requirement = next(req for req in declared if req.name == "aiohttp")
    assert any(spec.operator == "<" for spec in aiohttp_requirement.specifier)
    assert aiohttp_requirement.specifier.contains(version("aiohttp"))


def test_request_handler_keeps_the_transport_and_writing_paused() -> None:
    """RequestHandler has a `transport` slot and a boolean `writing_paused` property."""
    assert "transport" in dir(web_protocol.RequestHandler)
    assert isinstance(
        inspect.getattr_static(web_protocol.RequestHandler, "writing_paused"), property
    )


def test_request_handler_keep_alive_cancels_the_idle_connection_timer() -> None:
    """keep_alive(True) still drops the timer aiohttp arms when a connection opens."""
    source = inspect.getsource(web_protocol.RequestHandler.keep_alive)
    assert "_keepalive_handle.cancel()" in source
    connection_made = inspect.getsource(web_protocol.RequestHandler.connection_made)
    assert "self._keepalive_handle = loop.call_at" in connection_made


async def test_an_open_stream_holds_no_idle_connection_timer(
    aiohttp_client: MakeClient, settings: Settings
) -> None:
    """Once a stream has started, its connection has no keep-alive timer pending."""
    client = await aiohttp_client(create_app(settings))
    await open_stream(client)
    hub = client.app[HUB]
    await until(lambda: len(hub.listeners) == 1)
    runner = client.server.runner
    assert runner is not None
    assert runner.server is not None
    (connection,) = runner.server.connections
    assert connection._keepalive_handle is None


def test_stream_writer_drain_and_response_calls_keep_their_signatures() -> None:
    """drain() takes nothing; prepare(request) returns the writer; write_eof and chunking stay."""
    assert list(inspect.signature(abc.AbstractStreamWriter.drain).parameters) == ["self"]
    assert inspect.iscoroutinefunction(abc.AbstractStreamWriter.drain)
    assert list(inspect.signature(web.StreamResponse.prepare).parameters) == ["self", "request"]
    assert "data" in inspect.signature(web.StreamResponse.write_eof).parameters
    assert callable(web.StreamResponse.enable_chunked_encoding)


async def test_chunks_written_to_the_transport_interleave_with_the_writer(
    aiohttp_client: MakeClient,
) -> None:
    """Chunks written straight to the transport land between the writer's own, in order."""
    seen: dict[str, object] = {}

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        writer = await response.prepare(request)
        assert writer is not None
        await response.write(b"first;")
        protocol = request.protocol
        seen["paused"] = protocol.writing_paused
        transport = protocol.transport
        assert isinstance(transport, asyncio.Transport)
        seen["buffered"] = transport.get_write_buffer_size()
        seen["closing"] = transport.is_closing()
        transport.write(http_chunk(b"direct;"))
        await writer.drain()
        await response.write(b"last")
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    client = await aiohttp_client(app)
    response = await client.get("/")
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert await response.read() == b"first;direct;last"
    assert seen["paused"] is False
    assert isinstance(seen["buffered"], int)
    assert seen["closing"] is False


def test_worker_calls_notify_only_after_every_site_listens() -> None:
    """GunicornWebWorker._run starts each SockSite before its first self.notify()."""
    source = inspect.getsource(worker.GunicornWebWorker._run)
    started = source.find("await site.start()")
    notified = source.find("self.notify()")
    assert started != -1, "aiohttp's worker no longer starts a SockSite per gunicorn socket"
    assert notified != -1, "aiohttp's worker no longer calls notify() in _run"
    assert started < notified
    assert re.search(r"for sock in self\.sockets:", source)
    assert list(inspect.signature(worker.GunicornWebWorker.notify).parameters) == ["self"]


async def test_a_response_whose_sent_headers_are_cleared_still_ends_and_keeps_alive(
    aiohttp_client: MakeClient,
) -> None:
    """The stream clears its headers once they are on the wire: aiohttp reads them no more.

    The rest of the body, its end, the access log's status and the connection's reuse for
    the next request do not depend on them.
    """
    statuses: list[int] = []
    peers: list[object] = []

    class Log(abc.AbstractAccessLogger):
        def log(self, request: web.BaseRequest, response: web.StreamResponse, _: float) -> None:
            statuses.append(response.status)

    async def handler(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        peers.append(request.transport.get_extra_info("peername"))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"first;")
        response.headers.clear()
        await response.write(b"last")
        await response.write_eof()
        return response

    app = web.Application(handler_args={"access_log_class": Log})
    app.router.add_get("/", handler)
    client = await aiohttp_client(app)
    for _ in range(2):
        response = await client.get("/")
        assert response.headers["Content-Type"] == "text/event-stream"
        assert await response.read() == b"first;last"
    assert peers[0] == peers[1]  # the second request came on the same connection
    assert statuses == [200, 200]
