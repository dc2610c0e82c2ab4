"""Starting and stopping the long-lived tasks this package owns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Final

log = logging.getLogger(__name__)

#: How long to wait for a cancelled task before cancelling it again.
RECANCEL_AFTER_S: Final = 0.05


def start(coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    """Run a task meant to last until it is cancelled; log its failure the moment it fails.

    What such a task does (heartbeats, polling, flushing counts) stops with it; a failure
    left in the task object would be seen at shutdown, or never.
    """
    task = asyncio.create_task(coro, name=name)
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("task %s failed and has stopped: %s", task.get_name(), exc, exc_info=exc)


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel the task and return once it has ended, cancelling again if it has to.

    A failure is not raised here: a task made by `start` logged it when it failed.
    """
    # On Python 3.11, asyncio.wait_for (which redis-py uses while it connects) drops a
    # cancellation that lands just as its inner future completes, and the task runs on.
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_AFTER_S)
