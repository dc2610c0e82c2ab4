"""Incremental parsing of an SSE response body: undoing the chunked transfer coding."""

from __future__ import annotations


class ChunkedDecoder:
    """Undo HTTP/1.1 chunked transfer coding, fed any slices of the body."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._remaining = 0
        self._crlf = 0
        self.finished = False

    @property
    def idle(self) -> bool:
        """Return True between chunks: the next bytes start a chunk's size line."""
        return not self._buffer and not self._remaining and not self._crlf

    def feed(self, data: bytes) -> bytes:
        """Return the body bytes that data completes."""
        buf = self._buffer
        buf += data
        out = bytearray()
        pos = 0
        while not self.finished:
            if self._remaining:
                take = min(self._remaining, len(buf) - pos)
                out += buf[pos : pos + take]
                pos += take
                self._remaining -= take
                if self._remaining:
                    break
                self._crlf = 2
            if self._crlf:
                take = min(self._crlf, len(buf) - pos)
                pos += take
                self._crlf -= take
                if self._crlf:
                    break
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                break
            size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
            pos = eol + 2
            if size == 0:
                self.finished = True
            self._remaining = size
        del buf[:pos]
        return bytes(out)
