"""The clock the service reads time from: the system's, or one a test moves by hand.

Everything that asks "what time is it" (the week cache's freshness, the single-flight lock's
deadline, the poller's schedule, the last season the API answers for) takes a `Clock`, so a
test can step past a lifetime instead of sleeping through it. The event loop's own clock
(heartbeats, `asyncio.sleep`) and the replay upstream's virtual clock are not this clock.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from time import monotonic as _system_monotonic
from time import time as _system_time
from typing import Final, Protocol


class Clock(Protocol):
    """A source of wall-clock and monotonic time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""

    def time(self) -> float:
        """Return the current time in epoch seconds (what `now()` says, as a number)."""

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes back, for deadlines and intervals."""


class SystemClock:
    """The machine's clocks."""

    # time() and monotonic() are the system's functions themselves, not methods calling
    # them: every cached request reads the clock, and a Python frame was most of the read.
    time = staticmethod(_system_time)
    monotonic = staticmethod(_system_monotonic)

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


#: The clock every object uses unless it is given another.
SYSTEM_CLOCK: Final[Clock] = SystemClock()
_EPOCH: Final = date(1970, 1, 1)
_DAY_S: Final = 86_400


def today(clock: Clock) -> date:
    """Return the clock's date in UTC, made once a day rather than on every request.

    Epoch seconds count no leap seconds, so a day number is a UTC date exactly. Every week
    request asks (it bounds the seasons answered); `now().date()` cost it 2 us.
    """
    return day_of(clock.time())


def day_of(epoch_s: float) -> date:
    """Return the UTC date of an epoch time (today() of a time already read)."""
    return _day(int(epoch_s // _DAY_S))


@functools.lru_cache(maxsize=4)
def _day(number: int) -> date:
    return _EPOCH + timedelta(days=number)


class ManualClock:
    """A clock that stands still until `advance()` moves it (for tests), from a whole second."""

    def __init__(self, start: datetime | None = None) -> None:
        moment = start or datetime.now(UTC).replace(microsecond=0)
        if moment.tzinfo is None:
            raise ValueError("a ManualClock starts at an aware datetime")
        self._epoch_s = moment.timestamp()
        self._monotonic_s = 0.0

    def now(self) -> datetime:
        """Return the clock's time, timezone-aware, in UTC."""
        return datetime.fromtimestamp(self._epoch_s, UTC)

    def time(self) -> float:
        """Return the clock's time in epoch seconds."""
        return self._epoch_s

    def monotonic(self) -> float:
        """Return seconds advanced since the clock was made."""
        return self._monotonic_s

    def advance(self, seconds: float | timedelta) -> None:
        """Move the clock forward."""
        step = seconds.total_seconds() if isinstance(seconds, timedelta) else seconds
        if step < 0:
            raise ValueError("a clock does not go back")
        self._epoch_s += step
        self._monotonic_s += step
