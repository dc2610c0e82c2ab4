"""The injectable clock: the system's follows real time, the manual one moves only when told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from nflscores.domain.clock import SYSTEM_CLOCK, ManualClock, day_of, today


def test_system_clock_is_aware_utc_and_agrees_with_its_epoch_seconds() -> None:
    """now() is timezone-aware UTC and time() says the same instant in epoch seconds."""
    now = SYSTEM_CLOCK.now()
    assert now.tzinfo is UTC
    assert abs(SYSTEM_CLOCK.time() - now.timestamp()) < 60


def test_manual_clock_stands_still_until_advanced() -> None:
    """A manual clock reads the same until advance() moves wall and monotonic time together."""
    clock = ManualClock(datetime(2015, 9, 13, 17, 0, tzinfo=UTC))
    assert clock.now() == datetime(2015, 9, 13, 17, 0, tzinfo=UTC)
    assert clock.time() == clock.time()
    clock.advance(90)
    clock.advance(timedelta(minutes=1))
    assert clock.now() == datetime(2015, 9, 13, 17, 2, 30, tzinfo=UTC)
    assert clock.monotonic() == 150.0


def test_manual_clock_refuses_to_go_back_or_start_naive() -> None:
    """A negative step and a naive start are errors, not a clock running backwards."""
    clock = ManualClock()
    with pytest.raises(ValueError, match="back"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2015, 9, 13, 17, 0))


def test_today_is_the_utc_date_and_turns_over_at_midnight_utc() -> None:
    """today() agrees with now().date() on either side of midnight UTC, and on leap days."""
    clock = ManualClock(datetime(2024, 2, 28, 23, 59, 59, tzinfo=UTC))
    assert today(clock) == date(2024, 2, 28) == clock.now().date()
    clock.advance(1)
    assert today(clock) == date(2024, 2, 29) == clock.now().date()
    clock.advance(timedelta(days=1))
    assert today(clock) == date(2024, 3, 1)
    before = SYSTEM_CLOCK.now().date()
    got = today(SYSTEM_CLOCK)
    assert got in {before, SYSTEM_CLOCK.now().date()}  # either side of a midnight between


def test_day_of_an_epoch_time_is_that_instants_utc_date() -> None:
    """day_of(t) is the UTC date at t, the same today() gives a clock reading t."""
    clock = ManualClock(datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert day_of(clock.time()) == today(clock) == date(2024, 12, 31)
    assert day_of(clock.time() + 1) == date(2025, 1, 1)
