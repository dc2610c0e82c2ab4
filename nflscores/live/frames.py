"""The Server-Sent Events wire format: pure functions from values to the bytes clients read.

Every frame ends with a blank line. When the response is chunked (HTTP/1.1), each frame is
written as one HTTP chunk of its own, framed here once so it can go to every socket as is.
"""

from __future__ import annotations

from typing import Final

#: A comment line: ignored by EventSource, it keeps proxies and dead-peer detection honest.
PING: Final = b": ping\n\n"
EVENT_TYPE: Final = b"update"
#: A live delta: only the games that changed since the event before it.
GAME_EVENT_TYPE: Final = b"game"


def event_frame(event_id: str, data: bytes, *, event: bytes = EVENT_TYPE) -> bytes:
    """Return one event: its id, its type and its data, one `data:` line per line of data."""
    lines = data.splitlines() or [b""]
    body = b"".join(b"data: " + line + b"\n" for line in lines)
    return b"id: " + event_id.encode("ascii") + b"\nevent: " + event + b"\n" + body + b"\n"


def retry_frame(retry_ms: int) -> bytes:
    """Return the frame that sets how long a client waits before it reconnects."""
    return b"retry: %d\n\n" % retry_ms


def reconnect_frame(retry_ms: int) -> bytes:
    """Return the last frame of a stream the server ends: come back after retry_ms."""
    return b": reconnect\nretry: %d\n\n" % retry_ms


def http_chunk(frame: bytes) -> bytes:
    """Return a frame framed as one chunk of a chunked HTTP/1.1 body."""
    return b"%x\r\n%b\r\n" % (len(frame), frame)
