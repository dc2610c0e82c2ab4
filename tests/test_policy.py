"""Cache policy: how long a week's copy stays fresh, and what browsers may keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nflscores.domain.models import Game, Side, Status, Week
from nflscores.domain.policy import (
    MAX_PUBLIC_AGE_S,
    MIN_UPCOMING_TTL_S,
    Lifetimes,
    fresh_for,
    public_max_age,
)
from nflscores.domain.weeks import WeekRef

NOW = datetime(2015, 11, 29, 17, 0, tzinfo=UTC)
LIFETIMES = Lifetimes(final_s=30 * 24 * 3600, live_s=10, upcoming_s=300, empty_s=3600)


def game(status: Status, kickoff_in_s: float = -3600.0, eid: str = "2015112900") -> Game:
    """Return a game with a status whose kickoff is kickoff_in_s seconds from NOW."""
    return Game(
        id=eid,
        gsis=1,
        game_type="REG",
        kickoff=NOW + timedelta(seconds=kickoff_in_s),
        day="Sun",
        status=status,
        quarter=None,
        clock=None,
        possession=None,
        red_zone=None,
        home=Side("NE", "patriots", None),
        away=Side("PIT", "steelers", None),
    )


def week(*games: Game) -> Week:
    """Return 2015 REG week 12 holding these games."""
    return Week(ref=WeekRef(2015, "REG", 12, "12"), updated_at=NOW, games=games)


@pytest.mark.parametrize(
    "statuses",
    [("final",), ("final", "final"), ("final", "final_overtime"), ("final_overtime",)],
)
def test_final_week_keeps_final_lifetime(statuses: tuple[Status, ...]) -> None:
    """A week whose every game is final stays fresh for the final lifetime."""
    assert fresh_for(week(*(game(status) for status in statuses)), NOW, LIFETIMES) == (
        LIFETIMES.final_s
    )


@pytest.mark.parametrize(
    "statuses",
    [
        ("in_progress",),
        ("halftime",),
        ("final", "in_progress"),
        ("final", "halftime", "scheduled"),
        ("in_progress", "scheduled"),
        ("in_progress", "suspended"),
    ],
)
def test_live_week_keeps_live_lifetime(statuses: tuple[Status, ...]) -> None:
    """A week with a game in play (or at halftime) stays fresh for the live lifetime only."""
    games = (game(status, kickoff_in_s=600) for status in statuses)
    assert fresh_for(week(*games), NOW, LIFETIMES) == LIFETIMES.live_s


def test_empty_week_keeps_empty_lifetime() -> None:
    """A week without games stays fresh for the empty lifetime."""
    assert fresh_for(week(), NOW, LIFETIMES) == LIFETIMES.empty_s


@pytest.mark.parametrize(
    ("kickoff_in_s", "expected"),
    [
        (3 * 24 * 3600, 300),
        (301, 300),
        (300, 300),
        (299.5, 299),
        (120, 120),
        (6, 6),
        (5, 5),
        (4, MIN_UPCOMING_TTL_S),
        (0.5, MIN_UPCOMING_TTL_S),
    ],
)
def test_upcoming_week_fresh_until_next_kickoff(kickoff_in_s: float, expected: int) -> None:
    """An upcoming week stays fresh until its next kickoff, within [minimum, upcoming lifetime]."""
    assert fresh_for(week(game("scheduled", kickoff_in_s)), NOW, LIFETIMES) == expected


@pytest.mark.parametrize("kickoff_in_s", [1, 4.9, 5, 59, 299, 300, 301, 7200, 10**7])
def test_upcoming_bounds(kickoff_in_s: float) -> None:
    """Upcoming freshness is at least the minimum, at most the lifetime, never past kickoff."""
    fresh = fresh_for(week(game("scheduled", kickoff_in_s)), NOW, LIFETIMES)
    assert MIN_UPCOMING_TTL_S <= fresh <= LIFETIMES.upcoming_s
    assert fresh <= max(MIN_UPCOMING_TTL_S, kickoff_in_s)


def test_upcoming_uses_nearest_scheduled_kickoff() -> None:
    """With games already over, the nearest scheduled kickoff bounds the freshness."""
    games = (
        game("final", -3 * 24 * 3600, "2015112600"),
        game("scheduled", 200, "2015112901"),
        game("scheduled", 90, "2015112902"),
        game("scheduled", 4000, "2015113000"),
    )
    assert fresh_for(week(*games), NOW, LIFETIMES) == 90


def test_upcoming_depends_on_now() -> None:
    """The same week fetched closer to kickoff stays fresh for less."""
    upcoming = week(game("scheduled", 3600))
    assert fresh_for(upcoming, NOW, LIFETIMES) == 300
    assert fresh_for(upcoming, NOW + timedelta(seconds=3500), LIFETIMES) == 100
    assert fresh_for(upcoming, NOW + timedelta(seconds=3599), LIFETIMES) == MIN_UPCOMING_TTL_S


def test_overdue_kickoff_keeps_upcoming_copy_short() -> None:
    """A scheduled game past its kickoff keeps the copy at the minimum, whatever comes later."""
    games = (
        game("scheduled", -120, "2015112900"),
        game("scheduled", 3 * 3600, "2015112910"),
    )
    assert fresh_for(week(*games), NOW, LIFETIMES) == MIN_UPCOMING_TTL_S


def test_every_scheduled_kickoff_passed() -> None:
    """An upcoming week whose every kickoff has passed is re-read after the minimum."""
    assert fresh_for(week(game("scheduled", -60)), NOW, LIFETIMES) == MIN_UPCOMING_TTL_S


def test_upcoming_lifetime_is_configurable() -> None:
    """A shorter configured upcoming lifetime caps the freshness of a far kickoff."""
    lifetimes = Lifetimes(final_s=1, live_s=1, upcoming_s=60, empty_s=1)
    assert fresh_for(week(game("scheduled", 7200)), NOW, lifetimes) == 60


@pytest.mark.parametrize(
    ("fresh_s", "max_age"),
    [
        (-100.0, 0),
        (-0.5, 0),
        (0.0, 0),
        (0.9, 0),
        (9.99, 9),
        (300.0, 300),
        (float(MAX_PUBLIC_AGE_S), MAX_PUBLIC_AGE_S),
        (MAX_PUBLIC_AGE_S + 1.0, MAX_PUBLIC_AGE_S),
        (30 * 24 * 3600.0, MAX_PUBLIC_AGE_S),
    ],
)
def test_public_max_age(fresh_s: float, max_age: int) -> None:
    """max-age is the whole seconds of freshness left, never negative, capped at a day."""
    assert public_max_age(fresh_s) == max_age


def test_public_max_age_cap_is_a_day() -> None:
    """Browsers and proxies keep a finished week at most a day."""
    assert MAX_PUBLIC_AGE_S == 24 * 3600


def test_week_with_only_suspended_games_left_is_reread_at_the_upcoming_pace() -> None:
    """A suspended game with nothing scheduled is not re-read every few seconds forever."""
    games = (game("final", -7200, "2015112900"), game("suspended", -7200, "2015112901"))
    assert fresh_for(week(*games), NOW, LIFETIMES) == LIFETIMES.upcoming_s
