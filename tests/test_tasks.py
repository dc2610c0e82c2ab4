"""The package's long-lived tasks: a failure is logged when it happens, not at shutdown."""

from __future__ import annotations

import asyncio
import logging

import pytest

from nflscores.live import tasks


async def test_a_task_that_fails_is_logged_the_moment_it_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The error and its traceback are in the log while the process runs on."""

    async def fail() -> None:
        raise RuntimeError("the feed broke")

    with caplog.at_level(logging.ERROR, logger="nflscores.live.tasks"):
        task = tasks.start(fail(), "doomed")
        await asyncio.wait({task})
        await asyncio.sleep(0)  # done callbacks run on the loop's next pass
    assert [record.getMessage() for record in caplog.records] == [
        "task doomed failed and has stopped: the feed broke"
    ]
    exc_info = caplog.records[0].exc_info
    assert exc_info is not None
    assert exc_info[1] is task.exception()


async def test_a_task_cancelled_to_stop_it_is_no_failure(caplog: pytest.LogCaptureFixture) -> None:
    """Stopping a task is how it is meant to end: nothing is logged."""
    with caplog.at_level(logging.DEBUG, logger="nflscores.live.tasks"):
        task = tasks.start(asyncio.sleep(60), "patient")
        await asyncio.sleep(0)
        await tasks.cancel_and_wait(task)
        await asyncio.sleep(0)
    assert task.cancelled()
    assert not caplog.records
