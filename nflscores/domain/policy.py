"""How long a week's copy stays true: a pure function of the week and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from nflscores.domain.models import Week

#: An upcoming week is re-read no later than this long after a kickoff passes.
MIN_UPCOMING_TTL_S: Final = 5
#: Browsers and proxies may keep a finished week this long (the server keeps it longer).
MAX_PUBLIC_AGE_S: Final = 24 * 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class Lifetimes:
    """The configured lifetime of each week state, in seconds."""

    final_s: int
    live_s: int
    upcoming_s: int
    empty_s: int


def fresh_for(week: Week, now: datetime, lifetimes: Lifetimes) -> int:
    """Return how many seconds a copy of the week fetched `now` stays fresh.

    Every game final: kept for long. A game in play: seconds. Upcoming: minutes, but never past
    the next kickoff, so the first scores are never hidden behind a stale copy.
    """
    state = week.state
    if state == "final":
        return lifetimes.final_s
    if state == "live":
        return lifetimes.live_s
    if state == "empty":
        return lifetimes.empty_s
    kickoffs = [game.kickoff for game in week.games if game.status == "scheduled"]
    if not kickoffs:
        # Only suspended games are unfinished: nothing is due, re-read at the normal pace.
        return lifetimes.upcoming_s
    # A kickoff already past means first scores can land at any moment: re-read soon.
    until_kickoff = min(((kickoff - now).total_seconds() for kickoff in kickoffs), default=0.0)
    return max(MIN_UPCOMING_TTL_S, min(lifetimes.upcoming_s, int(until_kickoff)))


def public_max_age(fresh_s: float) -> int:
    """Return the Cache-Control max-age for a copy with fresh_s seconds of freshness left."""
    return max(0, min(MAX_PUBLIC_AGE_S, int(fresh_s)))
