"""Which weeks a season has, by era, and how their slugs map to scorestrip week numbers.

This is the one place that knows the NFL calendar: the API's slug parsing, fetch-season and
the replay upstream all ask it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Final, Literal

from nflscores.domain.clock import SYSTEM_CLOCK
from nflscores.domain.errors import BadRequest, UnknownSeason, UnknownWeek

SeasonType = Literal["PRE", "REG", "POST"]

FIRST_SEASON: Final = 1970
#: First season with 18 regular-season weeks and only three preseason weeks.
SEVENTEEN_GAME_ERA: Final = 2021
#: Seasons whose preseason or Hall of Fame game was not played.
NO_PRESEASON: Final = frozenset({2020})
NO_HALL_OF_FAME_GAME: Final = frozenset({2011})

POST_ROUNDS: Final = ("wildcard", "divisional", "conference", "probowl", "superbowl")
#: scorestrip `gt` of each postseason round, in the order of POST_ROUNDS.
POST_GAME_TYPES: Final = ("WC", "DIV", "CON", "PRO", "SB")

#: What a season looks like in a path or a query: four ASCII digits.
SEASON_PATTERN: Final = "[0-9]{4}"
_SEASON_RE: Final = re.compile(SEASON_PATTERN)
#: A week slug's shape (whether the season has that week is another question).
SLUG_PATTERN: Final = r"pre-(?:0|[1-9][0-9]?)|[1-9][0-9]?|" + "|".join(POST_ROUNDS)
_SLUG_RE: Final = re.compile(SLUG_PATTERN)


@dataclass(frozen=True, slots=True, order=True)
class WeekRef:
    """One week of one season, as scorestrip numbers it."""

    season: int
    season_type: SeasonType
    week: int
    slug: str

    def __str__(self) -> str:
        return f"{self.season}/{self.season_type}/{self.week}"


def last_season(today: date | None = None) -> int:
    """Return the latest season the service answers for: next year's (today by the UTC clock)."""
    return (today or SYSTEM_CLOCK.now().date()).year + 1


def regular_weeks(season: int) -> int:
    """Return how many regular-season weeks the season has (bye weeks included)."""
    if season >= SEVENTEEN_GAME_ERA or season == 1993:
        return 18
    if season >= 1990:
        return 17
    return 16 if season >= 1978 else 14


def preseason_weeks(season: int) -> range:
    """Return the scorestrip numbers of the season's preseason weeks (0 is the HoF game)."""
    if season in NO_PRESEASON:
        return range(0)
    last = 3 if season >= SEVENTEEN_GAME_ERA else 4
    first = 1 if season in NO_HALL_OF_FAME_GAME else 0
    return range(first, last + 1)


@cache
def weeks_of(season: int) -> tuple[WeekRef, ...]:
    """Return every week of the season in calendar order."""
    pre = [WeekRef(season, "PRE", n, f"pre-{n}") for n in preseason_weeks(season)]
    last_reg = regular_weeks(season)
    reg = [WeekRef(season, "REG", n, str(n)) for n in range(1, last_reg + 1)]
    post = [
        WeekRef(season, "POST", last_reg + i, slug) for i, slug in enumerate(POST_ROUNDS, start=1)
    ]
    return (*pre, *reg, *post)


def season_number(text: str) -> int:
    """Return the year a season's text names, or raise BadRequest if it is no four-digit year."""
    if not _SEASON_RE.fullmatch(text):
        raise BadRequest(f"season must be a four-digit year, not {text!r}")
    return int(text)


def parse_season(text: str, *, today: date | None = None) -> int:
    """Return the season a path segment names, or raise BadRequest / UnknownSeason."""
    season = season_number(text)
    if not FIRST_SEASON <= season <= last_season(today):
        raise UnknownSeason(f"season {season} is outside {FIRST_SEASON}-{last_season(today)}")
    return season


@lru_cache(maxsize=4096)
def parse_path(season_text: str, slug: str, *, today: date | None = None) -> WeekRef:
    """Return the week `/api/{season}/{week}` names; successes are remembered (hot path)."""
    return parse_week(parse_season(season_text, today=today), slug)


def parse_week(season: int, slug: str) -> WeekRef:
    """Return the week a slug names in a season, or raise BadRequest / UnknownWeek."""
    if not _SLUG_RE.fullmatch(slug):
        raise BadRequest(
            f"week must be pre-N, a number or one of {', '.join(POST_ROUNDS)}; not {slug!r}"
        )
    ref = _weeks_by_slug(season).get(slug)
    if ref is None:
        raise UnknownWeek(f"{season} has no week {slug!r}")
    return ref


def canonical(ref: WeekRef) -> WeekRef:
    """Return the one WeekRef equal to ref that parse_path returns (ref itself if none)."""
    return _weeks_by_slug(ref.season).get(ref.slug, ref)


@cache
def _weeks_by_slug(season: int) -> dict[str, WeekRef]:
    return {ref.slug: ref for ref in weeks_of(season)}


def regular_season(season: int) -> tuple[WeekRef, ...]:
    """Return the season's regular-season weeks in order."""
    return tuple(ref for ref in weeks_of(season) if ref.season_type == "REG")


def parse_regular_week(season: int, slug: str) -> WeekRef:
    """Return the regular-season week a slug names, or raise BadRequest for any other slug."""
    for ref in regular_season(season):
        if ref.slug == slug:
            return ref
    last = regular_weeks(season)
    raise BadRequest(f"through must be a regular-season week of {season} (1-{last}), not {slug!r}")


def find_week(season: int, season_type: str, week: int) -> WeekRef | None:
    """Return the week scorestrip numbers `week` in `season_type`, if the season has it."""
    for ref in weeks_of(season):
        if ref.season_type == season_type and ref.week == week:
            return ref
    return None


def season_type_of(game_type: str) -> SeasonType:
    """Return the season type a scorestrip `gt` belongs to."""
    if game_type == "PRE":
        return "PRE"
    if game_type == "REG":
        return "REG"
    return "POST"
