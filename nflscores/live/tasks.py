"""Stopping the long-lived tasks this package owns."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

log = logging.getLogger(__name__)

#: How long to wait for a cancelled task before cancelling it again.
RECANCEL_AFTER_S: Final = 0.05


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel the task and return once it has ended, cancelling again if it has to."""
    # On Python 3.11, asyncio.wait_for (which redis-py uses while it connects) drops a
    # cancellation that lands just as its inner future completes, and the task runs on.
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_AFTER_S)
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s had failed", task.get_name(), exc_info=task.exception())
