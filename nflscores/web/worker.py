"""The gunicorn workers: aiohttp's, listening with gunicorn's backlog.

aiohttp's SockSite listens again on gunicorn's socket with its own backlog of 128, which bench/
saw overflow (connects of 1-27 s) when thousands of live-score clients connect at once. Each
worker here restores gunicorn's `backlog` once its sites are listening.

`Worker`, the one deploy/gunicorn.conf.py runs, is aiohttp's worker on asyncio's own event
loop. On uvloop (`UVLoopWorker`) the cached week at 1,024 kept-alive connections had a p99 of
0.8-3 s from run to run, with some connections' requests left unread in their sockets for
seconds while the rest were served every 50 ms; on asyncio's loop the p99 was 111-136 ms and
the 100,000 streams met the same targets, for about a fifth less cached-week throughput in
bench/'s rounds (README, Performance: uvloop is the choice where that matters more).
"""

from __future__ import annotations

from typing import Any

from aiohttp.worker import GunicornUVLoopWebWorker, GunicornWebWorker


class _GunicornBacklog:
    """Restore gunicorn's listen backlog on the worker's sockets, the first time it notifies."""

    _backlog_restored = False
    sockets: list[Any]
    cfg: Any

    def notify(self) -> None:
        """Tell the arbiter the worker is alive; the first time, restore the listen backlog."""
        if not self._backlog_restored:
            self._backlog_restored = True
            for sock in self.sockets:
                sock.listen(self.cfg.backlog)
        super().notify()  # type: ignore[misc]


class Worker(_GunicornBacklog, GunicornWebWorker):
    """aiohttp's worker on asyncio's event loop, whose sockets keep gunicorn's backlog."""


class UVLoopWorker(_GunicornBacklog, GunicornUVLoopWebWorker):
    """aiohttp's uvloop worker, whose sockets keep gunicorn's backlog."""
