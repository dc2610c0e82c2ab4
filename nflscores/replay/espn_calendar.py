"""ESPN's week numbers and the season calendar its scoreboard carries in `leagues[0].calendar`.

ESPN numbers weeks within a season type (1 preseason, 2 regular, 3 postseason): preseason 1 is
the Hall of Fame weekend (scorestrip's week 0), the regular season keeps scorestrip's numbers,
the postseason counts 1 (wild card) to 5 (Super Bowl). A calendar week runs from 03:00
US/Eastern on the Wednesday of the week of its first game to a minute before the next week
starts, as in ESPN's calendars; weeks the data has no games for are placed a week after the one
before (or before the one after), and one that does not fit between its neighbours is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any, Final

from nflscores.domain.calendar import EASTERN
from nflscores.domain.weeks import POST_ROUNDS, WeekRef, find_week, regular_weeks, weeks_of
from nflscores.replay.data import games_of

PRE: Final = 1
REG: Final = 2
POST: Final = 3
OFF: Final = 4
#: ESPN's labels of its season types, with the slug each event's `season` carries.
TYPE_NAMES: Final = {PRE: "Preseason", REG: "Regular Season", POST: "Postseason"}
TYPE_SLUGS: Final = {PRE: "preseason", REG: "regular-season", POST: "post-season"}
TYPE_ABBREVIATIONS: Final = {PRE: "pre", REG: "reg", POST: "post", OFF: "off"}
_SEASON_TYPES: Final = {"PRE": PRE, "REG": REG, "POST": POST}
_POST_LABELS: Final = (
    ("Wild Card", "Wild Card"),
    ("Divisional Round", "Div Rd"),
    ("Conference Championship", "Conf Champ"),
    ("Pro Bowl", "Pro Bowl"),
    ("Super Bowl", "Super Bowl"),
)
_WEDNESDAY: Final = 2
_BOUNDARY: Final = time(3, 0)
_WEEK: Final = timedelta(days=7)
_MINUTE: Final = timedelta(minutes=1)


def espn_week(ref: WeekRef) -> tuple[int, int]:
    """Return ESPN's (season type, week number) of a week."""
    if ref.season_type == "PRE":
        return PRE, ref.week + 1
    if ref.season_type == "REG":
        return REG, ref.week
    return POST, POST_ROUNDS.index(ref.slug) + 1


def week_of_espn(season: int, season_type: int, number: int) -> WeekRef | None:
    """Return the week ESPN's (season, season type, week number) names, if the season has it."""
    if season_type == PRE:
        return find_week(season, "PRE", number - 1)
    if season_type == REG:
        return find_week(season, "REG", number)
    if season_type == POST and 1 <= number <= len(POST_ROUNDS):
        return find_week(season, "POST", regular_weeks(season) + number)
    return None


def season_type_number(ref: WeekRef) -> int:
    """Return ESPN's season type number of a week."""
    return _SEASON_TYPES[ref.season_type]


@dataclass(frozen=True, slots=True)
class CalendarWeek:
    """One week of the calendar: when it starts and ends (UTC, inclusive)."""

    ref: WeekRef
    start: datetime
    end: datetime

    def holds(self, moment: datetime) -> bool:
        """Return whether a moment falls in the week."""
        return self.start <= moment <= self.end


def _wednesday(moment: datetime) -> datetime:
    """Return 03:00 US/Eastern on the Wednesday on or before a moment's Eastern date."""
    local = moment.astimezone(EASTERN)
    day = local.date() - timedelta(days=(local.weekday() - _WEDNESDAY) % 7)
    start = datetime.combine(day, _BOUNDARY, tzinfo=EASTERN)
    return start if start <= local else start - _WEEK


def _shift(anchor: datetime, weeks: int) -> datetime:
    """Return the same Eastern wall time `weeks` weeks away (DST moves the UTC hour)."""
    local = anchor.astimezone(EASTERN)
    return datetime.combine(local.date() + weeks * _WEEK, local.time(), tzinfo=EASTERN)


def _placed(index: int, known: dict[int, datetime]) -> datetime | None:
    """Return where a week without games goes: weeks on from the nearest week with games."""
    before = [i for i in known if i < index]
    if before:
        return _shift(known[max(before)], index - max(before))
    after = [i for i in known if i > index]
    if after:
        return _shift(known[min(after)], index - min(after))
    return None


def _anchors(season: int) -> list[tuple[WeekRef, datetime]]:
    """Return the start of each week the calendar lists, in order."""
    refs = weeks_of(season)
    known = {
        index: _wednesday(min(game.kickoff for game in games))
        for index, ref in enumerate(refs)
        if (games := games_of(ref))
    }
    anchors: list[tuple[WeekRef, datetime]] = []
    for index, ref in enumerate(refs):
        if index in known:
            anchors.append((ref, known[index]))
            continue
        anchor = _placed(index, known)
        later = [known[i] for i in known if i > index]
        crowded = anchor is not None and (
            (anchors and anchor <= anchors[-1][1]) or (later and anchor >= min(later))
        )
        if anchor is not None and not crowded:
            anchors.append((ref, anchor))
    return anchors


@cache
def season_calendar(season: int) -> tuple[CalendarWeek, ...]:
    """Return the season's weeks with their spans, in calendar order; empty without any game."""
    anchors = _anchors(season)
    weeks = []
    for (ref, start), following in zip(anchors, [*anchors[1:], None], strict=True):
        end = (following[1] if following else _shift(start, 1)) - _MINUTE
        weeks.append(CalendarWeek(ref, start.astimezone(UTC), end.astimezone(UTC)))
    return tuple(weeks)


def week_at(moment: datetime) -> WeekRef | None:
    """Return the calendar week holding a moment, in the season of its year or the one before."""
    year = moment.astimezone(EASTERN).year
    for season in (year, year - 1):
        for week in season_calendar(season):
            if week.holds(moment):
                return week.ref
    return None


def utc_text(moment: datetime) -> str:
    """Return a moment as ESPN writes it: UTC to the minute, `2022-09-11T17:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _detail(week: CalendarWeek) -> str:
    start, end = week.start.astimezone(EASTERN), week.end.astimezone(EASTERN)
    first = f"{start:%b} {start.day}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{first}-{end.day}"
    return f"{first}-{end:%b} {end.day}"


def _labels(ref: WeekRef) -> tuple[str, str]:
    season_type, number = espn_week(ref)
    if season_type == PRE:
        if number == 1:
            return "Hall of Fame Weekend", "HOF"
        return f"Preseason Week {number - 1}", f"Pre Wk {number - 1}"
    if season_type == REG:
        return f"Week {number}", f"Week {number}"
    return _POST_LABELS[number - 1]


def _entry(week: CalendarWeek) -> dict[str, Any]:
    label, alternate = _labels(week.ref)
    return {
        "label": label,
        "alternateLabel": alternate,
        "detail": _detail(week),
        "value": str(espn_week(week.ref)[1]),
        "startDate": utc_text(week.start),
        "endDate": utc_text(week.end),
    }


def _sections(weeks: tuple[CalendarWeek, ...]) -> Iterator[dict[str, Any]]:
    for season_type, label in TYPE_NAMES.items():
        part = [week for week in weeks if season_type_number(week.ref) == season_type]
        if part:
            yield {
                "label": label,
                "value": str(season_type),
                "startDate": utc_text(part[0].start),
                "endDate": utc_text(part[-1].end),
                "entries": [_entry(week) for week in part],
            }


def _off_season(season: int, weeks: tuple[CalendarWeek, ...]) -> dict[str, Any]:
    start = weeks[-1].end + _MINUTE
    end = (
        datetime.combine(datetime(season + 1, 8, 1).date(), _BOUNDARY, tzinfo=EASTERN).astimezone(
            UTC
        )
        - _MINUTE
    )
    entry = {
        "label": "Week 1",
        "alternateLabel": "Week 1",
        "detail": f"{start.astimezone(EASTERN):%b} {start.astimezone(EASTERN).day}-Jul 31",
        "value": "1",
        "startDate": utc_text(start),
        "endDate": utc_text(end),
    }
    return {
        "label": "Off Season",
        "value": str(OFF),
        "startDate": utc_text(start),
        "endDate": utc_text(end),
        "entries": [entry],
    }


@cache
def calendar_json(season: int) -> tuple[dict[str, Any], ...]:
    """Return `leagues[0].calendar` of a season: its season types, each with its weeks."""
    weeks = season_calendar(season)
    if not weeks:
        return ()
    return (*_sections(weeks), _off_season(season, weeks))
