"""One open live-score stream: frames go straight to its socket and queue only while it lags.

The hub hands every event to every listener in one synchronous pass. A listener whose socket
keeps up gets the pre-encoded bytes written at once, with no task switch; one that lags keeps
the newest few events in a bounded queue that its own request task writes out as the socket
drains, and is cut off when the socket takes no bytes for the write timeout.

"Takes" means the client's side acknowledged them, not that the kernel accepted them: a
socket's buffers absorb a stuck reader's events for a long time (megabytes, through nginx
too). The hub asks each socket for its unsent bytes (Linux's SIOCOUTQ: queued and not yet
acknowledged) every second, unless its client had taken every byte at the last look and none
was written since (most streams, most of the time); a stream whose unsent bytes stop going
down for the write timeout is cut off, counted in
`nflscores_sse_clients_dropped_total{reason="slow"}` and logged. Stream sockets also get a
small send buffer, so writes back up early.

A delta client (`?events=games`) is written each event's `game` frame instead; a lagging one
whose queue overflows drops the queue and is sent the newest snapshot, since a delta only
makes sense after the event before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import random
import socket
import struct
import termios
from collections import deque
from collections.abc import Awaitable, Sequence
from enum import Enum
from typing import Final, Protocol

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from nflscores import metrics
from nflscores.live.events import EventKey, LiveEvent
from nflscores.live.frames import PING, http_chunk, reconnect_frame

log = logging.getLogger(__name__)

_PING_CHUNK: Final = http_chunk(PING)
#: A client told to reconnect waits a random time in this range, so they do not all at once.
RECONNECT_SPREAD_MS: Final = (250, 1500)
#: How long the last bytes of a stream the server ends may take to leave.
_FINISH_TIMEOUT_S: Final = 1.0
_TCP_USER_TIMEOUT: Final = getattr(socket, "TCP_USER_TIMEOUT", None)
#: Linux's SIOCOUTQ: bytes in a TCP socket's send queue not yet acknowledged by the peer.
_OUTQ: Final = getattr(termios, "TIOCOUTQ", None)
#: The send buffer of a stream socket (the kernel doubles it): a few events, not megabytes.
STREAM_SNDBUF_BYTES: Final = 64 * 1024


class SocketLike(Protocol):
    """The socket a transport hands out (`get_extra_info("socket")`): its descriptor."""

    def fileno(self) -> int:
        """Return the descriptor, -1 once closed."""


class State(Enum):
    """Where a stream is in its life."""

    STARTING = "starting"  # writing what it missed; live events queue meanwhile
    LIVE = "live"
    CLOSING = "closing"  # the server is shutting down: end with a reconnect hint
    GONE = "gone"  # the client went away
    SLOW = "slow"  # the client stopped reading and was cut off


class Listener:
    """One client of the live stream, fed by the hub."""

    __slots__ = (
        "_buffer",
        "_chunked",
        "_delta",
        "_pending",
        "_protocol",
        "_socket",
        "_stalled_since",
        "_state",
        "_taken",
        "_teams",
        "_visited",
        "_wakeup",
        "_whole_next",
        "_write_timeout_s",
        "_writer",
        "_written",
        "last_key",
        "ping_phase",
    )

    def __init__(
        self,
        request: web.BaseRequest,
        writer: AbstractStreamWriter,
        *,
        teams: frozenset[str],
        chunked: bool,
        buffer: int,
        write_timeout_s: float,
        delta: bool = False,
    ) -> None:
        self._protocol = request.protocol
        self._writer = writer
        self._teams = teams
        self._chunked = chunked
        self._delta = delta
        self._write_timeout_s = write_timeout_s
        self._buffer = max(buffer, 1)
        # Made when the socket first lags: most streams never need one (memory per stream).
        self._pending: deque[LiveEvent] | None = None
        #: The next event goes out as a snapshot: deltas before it were dropped.
        self._whole_next = False
        self._wakeup: asyncio.Future[None] | None = None
        self._state = State.STARTING
        #: The key of the last event written; older or repeated ones are never written.
        self.last_key: EventKey = (0, -1)
        #: Which of the hub's heartbeat phases pings this stream (the hub deals it).
        self.ping_phase = 0
        #: Bytes written to the transport, and of those, the most the client has taken.
        self._written = 0
        self._taken = 0
        #: _written at the hub's last heartbeat visit.
        self._visited = -1
        self._stalled_since = asyncio.get_running_loop().time()
        self._socket = self._tune_socket(request)

    @property
    def state(self) -> State:
        """Return where the stream is in its life."""
        return self._state

    @property
    def buffered_bytes(self) -> int:
        """Return how many bytes wait for this client: in the socket's buffer and queued."""
        transport = self._protocol.transport
        waiting = 0 if transport is None else transport.get_write_buffer_size()
        pending = self._pending or ()
        return waiting + sum(
            len(event.wire(self._teams, self._chunked, delta=self._delta)) for event in pending
        )

    @property
    def open(self) -> bool:
        """Return True while the stream takes events."""
        return self._state in (State.STARTING, State.LIVE)

    def offer(self, event: LiveEvent) -> bool:
        """Write the event now if the socket keeps up, else queue it; True when written."""
        protocol = self._protocol
        if self._state is State.LIVE and not self._pending and not protocol.writing_paused:
            # The hub's pass over every stream: _write inlined (one call less per stream).
            transport = protocol.transport
            if transport is None or transport.is_closing():
                self._end(State.GONE)
                return False
            if event.key <= self.last_key:
                return False
            frame = event.wire(self._teams, self._chunked, delta=self._delta)
            self.last_key = event.key
            if not frame:
                return False
            transport.write(frame)
            self._written += len(frame)
            return True
        if self.open and event.key > self.last_key:
            pending = self._pending
            if pending is None:
                pending = self._pending = deque(maxlen=self._buffer)
            elif len(pending) == self._buffer and self._delta:
                # A full queue drops its oldest: a snapshot is whole, the newest wins; a
                # delta needs the one before it, so the newest goes out as a snapshot.
                pending.clear()
                self._whole_next = True
            pending.append(event)
            self._wake()
        return False

    def heartbeat(self) -> None:
        """Ping, unless something was written since the hub's last visit (half a heartbeat)."""
        if self._written == self._visited:
            self.ping()
        self._visited = self._written

    def ping(self) -> None:
        """Write a heartbeat comment unless the socket is behind (then it needs none)."""
        if self._state is State.LIVE and not self._pending and not self._protocol.writing_paused:
            transport = self._transport()
            if transport is not None:
                frame = _PING_CHUNK if self._chunked else PING
                transport.write(frame)
                self._written += len(frame)

    def check(self) -> None:
        """Notice a client that went away, so its stream ends now rather than at a write."""
        if self.open and self._transport() is None:
            self._end(State.GONE)

    @property
    def unsent_bytes(self) -> int:
        """Return bytes written to this stream that its client has not taken (acknowledged).

        0 once the connection is gone: nothing written will leave any more.
        """
        transport = self._protocol.transport
        if transport is None:
            return 0
        waiting = transport.get_write_buffer_size()
        sock = self._socket
        # A closed socket's descriptor is -1, which ioctl refuses with ValueError, not OSError.
        if sock is not None and _OUTQ is not None and (fd := sock.fileno()) >= 0:
            with contextlib.suppress(OSError):
                queued = fcntl.ioctl(fd, _OUTQ, b"\0\0\0\0")
                waiting += struct.unpack("i", queued)[0]
        return waiting

    def check_progress(self, now: float) -> None:
        """Cut the stream off when its client took no bytes for the write timeout."""
        if not self.open:
            return
        if self._taken == self._written:
            # The client had taken every byte at the last look and none was written since:
            # nothing to ask the kernel (most streams, most of the time, at no syscall each).
            self._stalled_since = now
            return
        if self._transport() is None:
            self._end(State.GONE)  # the client left since check() last looked
            return
        unsent = self.unsent_bytes
        taken = self._written - unsent
        if unsent == 0 or taken > self._taken:
            # All taken: the same int object as _written, not an equal one (bytes a stream).
            self._taken = self._written if unsent == 0 else taken
            self._stalled_since = now
        elif now - self._stalled_since >= self._write_timeout_s:
            self._cut_off()

    def close(self) -> None:
        """End the stream with a hint to reconnect (the server is shutting down)."""
        if not self.open:
            return
        self._end(State.CLOSING)
        if self._protocol.writing_paused:
            # A client this far behind would not read the hint in time: do not wait on it.
            log.info("cutting off a live client too far behind to be told to reconnect")
            metrics.SSE_DROPPED.labels(reason="shutdown").inc()
            self._abort()

    async def start(self, backlog: Sequence[LiveEvent], *, replay: bool = False) -> None:
        """Write the events a new stream starts with, then take live events as they come.

        `replay`: the backlog is every event after the client's Last-Event-ID, which a delta
        client gets as deltas unless the newest snapshot alone is shorter; otherwise the
        backlog is the snapshot, written whole.
        """
        whole = not replay or self._replay_is_longer(backlog)
        if whole and replay:
            backlog = backlog[-1:]
        for event in backlog:
            if not self.open or not await self._drained():
                return
            if self._write(event, whole=whole):
                metrics.EVENTS_DELIVERED.inc()
        if self._state is State.STARTING:
            self._state = State.LIVE

    def next_step(self) -> Awaitable[None] | None:
        """Return what the stream's task waits on next; None once the stream has ended.

        While the socket lags, the step writes the oldest queued event once the socket takes
        bytes again; otherwise it is a bare future that the hub sets when an event queues or
        the stream ends. The request task awaits each step itself (`await step`, in a loop),
        so an idle stream holds no coroutine of its own, only that future (a coroutine frame
        is about 260 bytes a stream; bench/ counts the bytes per stream).
        """
        if self._state is not State.LIVE:
            return None
        if self._pending:
            return self._write_queued()
        self._wakeup = asyncio.get_running_loop().create_future()
        return self._wakeup

    async def _write_queued(self) -> None:
        if not await self._drained() or not self._pending:
            return
        whole, self._whole_next = self._whole_next, False
        if self._write(self._pending.popleft(), whole=whole):
            metrics.EVENTS_DELIVERED.inc()

    async def finish(self, response: web.StreamResponse) -> None:
        """End the HTTP response; after a shutdown, tell the client when to come back."""
        if self._state is not State.CLOSING:
            return  # gone or cut off: there is nobody to tell
        transport = self._transport()
        if transport is None or self._protocol.writing_paused:
            self._abort()
            return
        hint = reconnect_frame(random.randint(*RECONNECT_SPREAD_MS))
        transport.write(http_chunk(hint) if self._chunked else hint)
        try:
            async with asyncio.timeout(_FINISH_TIMEOUT_S):
                await response.write_eof()
        except (TimeoutError, ConnectionError):
            self._abort()

    def _replay_is_longer(self, missed: Sequence[LiveEvent]) -> bool:
        """Return True when the missed deltas are no shorter than the newest snapshot."""
        if not self._delta or not missed:
            return False
        teams, chunked = self._teams, self._chunked
        deltas = sum(len(event.wire(teams, chunked, delta=True)) for event in missed)
        return deltas >= len(missed[-1].wire(teams, chunked))

    def _write(self, event: LiveEvent, *, whole: bool = False) -> bool:
        if event.key <= self.last_key:
            return False
        transport = self._transport()
        if transport is None:
            self._end(State.GONE)
            return False
        frame = event.wire(self._teams, self._chunked, delta=self._delta and not whole)
        self.last_key = event.key
        if not frame:
            return False  # a delta with none of this client's games
        transport.write(frame)
        self._written += len(frame)
        return True

    async def _drained(self) -> bool:
        """Wait until the socket takes more bytes; False when it never did in time."""
        try:
            async with asyncio.timeout(self._write_timeout_s):
                await self._writer.drain()
        except TimeoutError:
            self._cut_off()
            return False
        except ConnectionError:
            self._end(State.GONE)
            return False
        return True

    def _cut_off(self) -> None:
        log.info("cutting off a live client that took nothing for %.0fs", self._write_timeout_s)
        metrics.SSE_DROPPED.labels(reason="slow").inc()
        self._end(State.SLOW)
        self._abort()

    def _transport(self) -> asyncio.Transport | None:
        transport = self._protocol.transport
        if transport is None or transport.is_closing():
            return None
        return transport

    def _end(self, state: State) -> None:
        self._state = state
        self._pending = None
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def abort(self) -> None:
        """End the stream at once, dropping the connection (nothing more can be sent)."""
        self._end(State.GONE)
        self._abort()

    def _abort(self) -> None:
        # A stalled peer never drains the buffer, so a graceful close would wait forever.
        transport = self._protocol.transport
        if transport is not None:
            transport.abort()

    def _tune_socket(self, request: web.BaseRequest) -> SocketLike | None:
        """Size the stream socket's buffers and timeouts; return it (None: not TCP).

        The transport's own socket object, which it keeps anyway, rather than its descriptor:
        an int that large is one more object a stream.
        """
        transport = request.transport
        sock = None if transport is None else transport.get_extra_info("socket")
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, STREAM_SNDBUF_BYTES)
        # Have the kernel drop the connection when sent bytes stay unacknowledged too long.
        # This catches a vanished peer (cable pulled) at the next heartbeat, which no write
        # would notice while the kernel's buffers still have room. Twice the write timeout,
        # so that a peer that is there but reads nothing is cut off by the write timeout.
        if _TCP_USER_TIMEOUT is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(
                    socket.IPPROTO_TCP, _TCP_USER_TIMEOUT, int(self._write_timeout_s * 2000)
                )
        tuned: SocketLike = sock
        return tuned
