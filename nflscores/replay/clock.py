"""The virtual clock of the live replay: minutes from the first kickoff, running at a speed.

The one mutable thing in the replay: set from the admin endpoint, read by every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta


class ReplayClock:
    """Virtual time that runs `speed` times faster than the real one, or stands frozen."""

    def __init__(
        self,
        *,
        origin: datetime,
        speed: float,
        minute: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.origin = origin
        self.speed = speed
        self._monotonic = monotonic
        self._anchor_minute = minute
        self._anchor_real = monotonic()
        self.frozen = False

    def set(self, minute: float, *, frozen: bool = False) -> None:
        """Put the clock at `minute` virtual minutes from the origin; keep it there if frozen."""
        self._anchor_minute = minute
        self._anchor_real = self._monotonic()
        self.frozen = frozen

    def minute(self) -> float:
        """Return the virtual minutes elapsed since the origin (negative before it)."""
        if self.frozen:
            return self._anchor_minute
        elapsed_s = self._monotonic() - self._anchor_real
        return self._anchor_minute + elapsed_s * self.speed / 60

    def now(self) -> datetime:
        """Return the virtual time."""
        return self.origin + timedelta(minutes=self.minute())
