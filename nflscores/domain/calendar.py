"""Calendar facts: the league's time zone and the day a listed game was really played."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final
from zoneinfo import ZoneInfo

#: Kickoffs are listed, and served, in the league office's time zone.
EASTERN: Final = ZoneInfo("America/New_York")
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: A game moved later keeps its eid; `d` then names a day at most this many days on.
_MAX_POSTPONEMENT_DAYS: Final = 2


def played_on(scheduled: date, weekday: str) -> date:
    """Return the day a game was played: its eid's date, or the next `d` if it was moved.

    A postponed game keeps its eid (the 2014 Buffalo snow game, eid 2014112301, was played on
    Monday the 24th); its `d` names the later day.
    """
    if weekday not in WEEKDAYS:
        return scheduled
    shift = (WEEKDAYS.index(weekday) - scheduled.weekday()) % 7
    return scheduled + timedelta(days=shift) if shift <= _MAX_POSTPONEMENT_DAYS else scheduled
