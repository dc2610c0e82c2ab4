"""The Source interface, and the one place that picks a source from the settings.

A source answers "give me week W" and "give me the live week" with the project's `Week`;
nothing above this package knows which upstream format came in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef
from nflscores.settings import Settings
from nflscores.sources.espn import EspnSource
from nflscores.sources.history import known_ids
from nflscores.sources.http import UpstreamClient
from nflscores.sources.scorestrip_source import ScorestripSource


class Source(Protocol):
    """Where weeks come from: one upstream format behind one HTTP client."""

    async def fetch_week(self, ref: WeekRef) -> Week:
        """Return one week; raise UpstreamError or kin when the upstream cannot."""

    async def fetch_live(self) -> Week:
        """Return the week the upstream considers current; raise NoLiveWeek between seasons."""

    async def weeks(self, season: int) -> tuple[WeekRef, ...]:
        """Return the season's weeks in calendar order."""


@asynccontextmanager
async def open_source(settings: Settings, *, clock: Clock = SYSTEM_CLOCK) -> AsyncIterator[Source]:
    """Yield the source `settings.source` names, on an HTTP client closed on exit."""
    if settings.source == "espn":
        async with UpstreamClient.open(settings, accept="application/json", clock=clock) as client:
            yield EspnSource(client, ids=known_ids)
        return
    async with UpstreamClient.open(settings, clock=clock) as client:
        yield ScorestripSource(client)
