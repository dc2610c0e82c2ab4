"""ESPN's season types and week numbers, its season calendar, and the API's weeks: both ways.

ESPN numbers weeks within a season type: preseason 1 is the Hall of Fame weekend (the API's
`pre-0`), regular season 1..18, postseason 1 wild card .. 5 Super Bowl. The API's POST weeks
follow scorestrip's numbers (the last regular week + 1 ..), so the regular season's length
decides them: from ESPN's calendar when the response has one, else from the built-in rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from nflscores.domain.weeks import POST_GAME_TYPES, POST_ROUNDS, WeekRef, regular_weeks

ESPN_PRE: Final = 1
ESPN_REG: Final = 2
ESPN_POST: Final = 3
ESPN_OFF: Final = 4


def to_espn(ref: WeekRef) -> tuple[int, int]:
    """Return ESPN's (season type, week number) of an API week."""
    if ref.season_type == "PRE":
        return ESPN_PRE, ref.week + 1
    if ref.season_type == "REG":
        return ESPN_REG, ref.week
    return ESPN_POST, POST_ROUNDS.index(ref.slug) + 1


def from_espn(
    season: int, season_type: int, number: int, *, regular: int | None = None
) -> WeekRef | None:
    """Return the API week ESPN's (season, season type, week number) names, if any."""
    if number < 1:
        return None
    if season_type == ESPN_PRE:
        return WeekRef(season, "PRE", number - 1, f"pre-{number - 1}")
    if season_type == ESPN_REG:
        return WeekRef(season, "REG", number, str(number))
    if season_type == ESPN_POST and number <= len(POST_ROUNDS):
        last_regular = regular_weeks(season) if regular is None else regular
        return WeekRef(season, "POST", last_regular + number, POST_ROUNDS[number - 1])
    return None


def game_type_of(ref: WeekRef) -> str:
    """Return scorestrip's `gt` of the games of a week (PRE, REG, WC, DIV, CON, PRO, SB)."""
    if ref.season_type in ("PRE", "REG"):
        return ref.season_type
    return POST_GAME_TYPES[POST_ROUNDS.index(ref.slug)]


@dataclass(frozen=True, slots=True)
class CalendarWeek:
    """One week of ESPN's calendar: the API week and the UTC span ESPN gives it."""

    ref: WeekRef
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SeasonCalendar:
    """A season's weeks as ESPN's `leagues[0].calendar` lists them, in calendar order."""

    season: int
    weeks: tuple[CalendarWeek, ...]

    @property
    def refs(self) -> tuple[WeekRef, ...]:
        """Return the season's API weeks in calendar order."""
        return tuple(week.ref for week in self.weeks)

    @property
    def regular(self) -> int:
        """Return how many regular-season weeks the calendar lists."""
        return sum(1 for week in self.weeks if week.ref.season_type == "REG")

    def week_at(self, now: datetime) -> WeekRef | None:
        """Return the week whose span holds `now`, or None outside the season."""
        for week in self.weeks:
            if week.start <= now <= week.end:
                return week.ref
        return None


def parse_calendar(season: int, calendar: Any) -> SeasonCalendar | None:
    """Return the season calendar of a scoreboard's `leagues[0].calendar`, or None if unusable.

    The calendar is a help, not a requirement: anything unexpected in it gives None and the
    caller keeps the built-in week rules.
    """
    if not isinstance(calendar, list):
        return None
    spans: list[tuple[int, int, datetime, datetime]] = []
    for section in calendar:
        if not isinstance(section, dict):
            return None
        season_type = _number(section.get("value"))
        entries = section.get("entries")
        if season_type is None or not isinstance(entries, list):
            return None
        if season_type not in (ESPN_PRE, ESPN_REG, ESPN_POST):
            continue
        for entry in entries:
            if not isinstance(entry, dict):
                return None
            number = _number(entry.get("value"))
            start, end = _instant(entry.get("startDate")), _instant(entry.get("endDate"))
            if number is None or start is None or end is None:
                return None
            spans.append((season_type, number, start, end))
    regular = sum(1 for span in spans if span[0] == ESPN_REG)
    weeks = []
    for season_type, number, start, end in spans:
        ref = from_espn(season, season_type, number, regular=regular)
        if ref is None:
            return None
        weeks.append(CalendarWeek(ref, start, end))
    return SeasonCalendar(season, tuple(weeks)) if weeks else None


def _number(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
