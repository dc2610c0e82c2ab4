"""A client that stops reading is cut off by the app's write timeout, not by the kernel's."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from nflscores import metrics
from nflscores.live.hub import LiveHub
from nflscores.live.listener import State
from nflscores.settings import Settings
from nflscores.store import RedisBackend
from nflscores.web.app import create_app
from nflscores.web.appkeys import HUB
from tests.live_support import Publisher, live_body
from tests.stack import NginxSite, nginx_site
from tests.support import free_port, running, until

#: Slow: they wait out real write timeouts.
pytestmark = pytest.mark.slow

MakeServer = Callable[..., Awaitable[TestServer]]
REQUEST = b"GET /api/livescore HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n"


@pytest.fixture
async def app_server(settings: Settings, aiohttp_server: MakeServer) -> TestServer:
    """Run the real app on a real port, cutting off clients after 1 s without progress."""
    quick = dataclasses.replace(settings, sse_write_timeout_s=1.0, sse_heartbeat_s=60.0)
    server: TestServer = await aiohttp_server(create_app(quick))
    return server


def app_server_port(server: TestServer) -> int:
    """Return the port a started test server listens on."""
    assert server.port is not None
    return server.port


@dataclasses.dataclass(frozen=True)
class Edge:
    """deploy/nginx.conf rendered in front of a test server, and the port it listens on."""

    site: NginxSite
    port: int


def nginx_before(server: TestServer, run_dir: Path, shorter: dict[str, str] | None = None) -> Edge:
    """Return deploy/nginx.conf rendered in front of the server (timeouts maybe shortened)."""
    port = free_port()
    site = nginx_site(
        listen=f"127.0.0.1:{port}",
        upstream=f"127.0.0.1:{app_server_port(server)}",
        run_dir=run_dir,
        shorter=shorter,
    )
    return Edge(site, port)


@contextlib.asynccontextmanager
async def stuck_behind(
    edge: Edge,
    server: TestServer,
    backend: RedisBackend,
    stuck_client: Callable[..., Awaitable[socket.socket]],
) -> AsyncIterator[tuple[Publisher, LiveHub]]:
    """Run nginx with one client through it that reads nothing, its stream open in the app."""
    publisher = Publisher(backend)
    await publisher.publish(live_body(cin=0))
    hub = server.app[HUB]
    with running(edge.site.argv(), port=edge.port):
        await stuck_client(edge.port, source="127.0.0.2")
        await until(lambda: len(hub.listeners) == 1)
        yield publisher, hub


@pytest.fixture
async def stuck_client() -> AsyncIterator[Callable[..., Awaitable[socket.socket]]]:
    """Return a connector of clients that send the stream request and never read a byte."""
    sockets: list[socket.socket] = []

    async def connect(port: int, *, source: str = "127.0.0.1") -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.bind((source, 0))
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(sock, REQUEST)
        sockets.append(sock)
        return sock

    yield connect
    for sock in sockets:
        sock.close()


async def test_a_reader_that_stops_is_cut_off_though_the_kernel_takes_every_write(
    app_server: TestServer,
    backend: RedisBackend,
    stuck_client: Callable[..., Awaitable[socket.socket]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A few small events fit the socket buffers; no progress for 1 s still cuts the stream."""
    await cut_off_after_events(app_server, backend, stuck_client, caplog)


async def test_sweeps_held_after_events_still_cut_off_before_the_kernel(
    settings: Settings,
    aiohttp_server: MakeServer,
    backend: RedisBackend,
    stuck_client: Callable[..., Awaitable[socket.socket]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With 4 s the sweeps wait 1.5 s after an event; the cut-off still comes first (at 8 s
    the kernel would drop the stream uncounted)."""
    slower = dataclasses.replace(settings, sse_write_timeout_s=4.0, sse_heartbeat_s=60.0)
    server: TestServer = await aiohttp_server(create_app(slower))
    await cut_off_after_events(server, backend, stuck_client, caplog)


async def cut_off_after_events(
    app_server: TestServer,
    backend: RedisBackend,
    stuck_client: Callable[..., Awaitable[socket.socket]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Publish a few events to a client that reads nothing; it is cut off, counted as slow."""
    publisher = Publisher(backend)
    await publisher.publish(live_body(cin=0))
    hub = app_server.app[HUB]
    dropped = metrics.SSE_DROPPED.labels(reason="slow")
    before = dropped._value.get()
    await stuck_client(app_server_port(app_server))
    await until(lambda: len(hub.listeners) == 1)
    (listener,) = hub.listeners
    for score in range(1, 4):  # ~20 KB in all: far less than the buffers hold
        await publisher.publish(live_body(cin=score, pad=1000))
    assert listener.unsent_bytes > 0
    with caplog.at_level(logging.INFO, logger="nflscores.live.listener"):
        await until(lambda: not hub.listeners, within=15)
    assert dropped._value.get() == before + 1
    assert any("cutting off a live client" in record.message for record in caplog.records)


async def test_a_client_that_left_with_bytes_unacknowledged_ends_at_the_progress_sweep(
    app_server: TestServer,
    backend: RedisBackend,
    stuck_client: Callable[..., Awaitable[socket.socket]],
) -> None:
    """The sweep meets a stream whose socket is closed already: it ends as gone, nothing raises.

    (Its descriptor is -1 then, which the unsent-bytes ioctl refused with a ValueError that
    ended the hub's sweeps for good: no pings and no gone or stalled clients noticed.)
    """
    publisher = Publisher(backend)
    await publisher.publish(live_body(cin=0))
    hub = app_server.app[HUB]
    sock = await stuck_client(app_server_port(app_server))
    await until(lambda: len(hub.listeners) == 1)
    (listener,) = hub.listeners
    for score in range(1, 4):
        await publisher.publish(live_body(cin=score, pad=1000))
    await until(lambda: listener.unsent_bytes > 0)
    await hub.stop()  # the one sweep below is the test's own
    assert app_server.runner is not None
    assert app_server.runner.server is not None
    (connection,) = app_server.runner.server.connections
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # a reset: the client's end is gone at once
    await until(lambda: connection.transport is None)  # and the app's end is closed
    assert listener.open
    listener.check_progress(asyncio.get_running_loop().time())
    assert listener.state is State.GONE
    assert listener.unsent_bytes == 0
    await until(lambda: not hub.listeners)


async def test_a_client_that_reads_slowly_but_steadily_is_kept(
    app_server: TestServer, backend: RedisBackend
) -> None:
    """Progress, not speed: a reader that takes bytes now and then stays connected."""
    publisher = Publisher(backend)
    await publisher.publish(live_body(cin=0))
    hub = app_server.app[HUB]
    reader, writer = await asyncio.open_connection("127.0.0.1", app_server.port)
    try:
        writer.write(REQUEST)
        await until(lambda: len(hub.listeners) == 1)
        for score in range(1, 5):
            await publisher.publish(live_body(cin=score, pad=1000))
            await reader.read(64 * 1024)
            await asyncio.sleep(0.6)
        assert len(hub.listeners) == 1
    finally:
        writer.close()


@pytest.mark.slow
async def test_a_stuck_reader_behind_nginx_is_cut_off(
    app_server: TestServer,
    backend: RedisBackend,
    stuck_client: Callable[..., Awaitable[socket.socket]],
    nginx_dir: Path,
) -> None:
    """Through nginx, whose buffers hide the client, the app still sees no progress and cuts."""
    dropped = metrics.SSE_DROPPED.labels(reason="slow")
    before = dropped._value.get()
    edge = nginx_before(app_server, nginx_dir)
    async with stuck_behind(edge, app_server, backend, stuck_client) as (publisher, hub):
        # Enough to fill the client's, nginx's and the app's buffers between them.
        for score in range(1, 60):
            await publisher.publish(live_body(cin=score, pad=12_000))
            if not hub.listeners:
                break
        await until(lambda: not hub.listeners, within=30)
    assert dropped._value.get() == before + 1


async def test_a_stuck_reader_nginx_cuts_off_first_is_one_line_of_its_log(
    settings: Settings,
    aiohttp_server: MakeServer,
    backend: RedisBackend,
    stuck_client: Callable[..., Awaitable[socket.socket]],
    nginx_dir: Path,
) -> None:
    """nginx's send_timeout, shortened to 2 s, drops the client first: its log counts the drop.

    nginx holds what the client does not take, so the app (its write timeout 60 s here) never
    sees the stall; the stream location logs nginx's drops at info level, one line each.
    """
    patient = dataclasses.replace(settings, sse_write_timeout_s=60.0, sse_heartbeat_s=60.0)
    app_server = await aiohttp_server(create_app(patient))
    dropped = metrics.SSE_DROPPED.labels(reason="slow")
    before = dropped._value.get()
    edge = nginx_before(app_server, nginx_dir, {"send_timeout 20s;": "send_timeout 2s;"})
    async with stuck_behind(edge, app_server, backend, stuck_client) as (publisher, hub):
        # More than the client's and nginx's buffers to the client hold: nginx must wait.
        for score in range(1, 12):
            await publisher.publish(live_body(cin=score, pad=12_000))
        await until(lambda: not hub.listeners, within=30)
    drops = [
        line
        for line in edge.site.error_log.read_text().splitlines()
        if "client timed out" in line and "while sending to client" in line
    ]
    assert len(drops) == 1
    assert "client: 127.0.0.2" in drops[0]
    assert "/api/livescore" in drops[0]
    assert dropped._value.get() == before
