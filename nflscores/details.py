"""The parts of a game only a richer source (ESPN) reports: ids, situation, venue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GameIds:
    """Every id known for one game; None where no source or history gives it."""

    eid: str | None = None
    gsis: int | None = None
    espn: str | None = None


@dataclass(frozen=True, slots=True)
class Situation:
    """The down, distance and ball position of a game in play; each part None when unsent."""

    down: int | None = None
    distance: int | None = None
    yard_line: str | None = None
    text: str | None = None
    home_timeouts: int | None = None
    away_timeouts: int | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a game is played."""

    name: str | None = None
    city: str | None = None
    neutral_site: bool | None = None
