"""The gunicorn worker: aiohttp's uvloop worker, listening with gunicorn's backlog.

aiohttp's SockSite listens again on gunicorn's socket with its own backlog of 128, which bench/
saw overflow (connects of 1-27 s) when thousands of live-score clients connect at once. The
worker restores gunicorn's `backlog` once its sites are listening.
"""

from __future__ import annotations

from typing import Any

from aiohttp.worker import GunicornUVLoopWebWorker


class Worker(GunicornUVLoopWebWorker):
    """aiohttp's uvloop worker whose sockets keep gunicorn's listen backlog."""

    _backlog_restored = False

    def notify(self) -> None:
        """Tell the arbiter the worker is alive; the first time, restore the listen backlog."""
        # aiohttp calls notify() first right after every site has started listening.
        if not self._backlog_restored:
            self._backlog_restored = True
            sockets: list[Any] = self.sockets
            for sock in sockets:
                sock.listen(self.cfg.backlog)
        super().notify()
