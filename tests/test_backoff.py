"""The one backoff every retry loop uses: jittered, doubling, capped."""

from __future__ import annotations

import random

import pytest

from nflscores.backoff import Backoff
from nflscores.live.hub import RESUBSCRIBE_BACKOFF
from nflscores.live.poller import STORE_BACKOFF
from nflscores.sources.http import RETRY_BACKOFF
from nflscores.store import redis as redis_store


def test_waits_double_per_failure_up_to_the_cap() -> None:
    """The nominal wait is base, 2 x base, 4 x base ... and never above the cap."""
    backoff = Backoff(base_s=0.1, cap_s=0.5)
    assert [backoff.nominal(n) for n in range(1, 6)] == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])
    assert backoff.nominal(10_000) == 0.5


def test_each_wait_is_jittered_within_its_upper_half() -> None:
    """Every wait lies between half its nominal length and all of it, and waits differ."""
    backoff = Backoff(base_s=1.0, cap_s=8.0, rng=random.Random(7))
    for failures in range(1, 8):
        waits = {backoff.delay(failures) for _ in range(50)}
        nominal = backoff.nominal(failures)
        assert all(nominal / 2 <= wait <= nominal for wait in waits)
        assert len(waits) > 40


def test_processes_that_fail_together_do_not_retry_in_lockstep() -> None:
    """Two hubs resubscribing after the same Redis restart wait different times."""
    first = Backoff(base_s=0.05, cap_s=1.0)
    second = Backoff(base_s=0.05, cap_s=1.0)
    assert [first.delay(3) for _ in range(5)] != [second.delay(3) for _ in range(5)]


def test_the_hub_resubscribes_within_a_second() -> None:
    """However many times the subscription failed, the hub waits at most one second."""
    assert RESUBSCRIBE_BACKOFF.nominal(1) <= 0.1
    assert RESUBSCRIBE_BACKOFF.nominal(1000) <= 1.0


def test_every_retry_loop_uses_the_helper() -> None:
    """The upstream client's, the hub's and the poller's waits are all a Backoff."""
    for backoff in (RETRY_BACKOFF, RESUBSCRIBE_BACKOFF, STORE_BACKOFF):
        assert isinstance(backoff, Backoff)


def test_a_backoff_refuses_an_unusable_range() -> None:
    """A zero base or a cap below the base is a programming error, refused at once."""
    with pytest.raises(ValueError, match="backoff"):
        Backoff(base_s=0.0, cap_s=1.0)
    with pytest.raises(ValueError, match="backoff"):
        Backoff(base_s=2.0, cap_s=1.0)


def test_redis_pys_own_retries_wait_as_the_helper_says() -> None:
    """The Redis client's short retries take their waits from the same jittered backoff."""
    backoff = redis_store._retry()._backoff
    assert isinstance(backoff, redis_store._Backoff)
    waits = [backoff.compute(failures) for failures in range(1, 6)]
    assert all(0 < wait <= redis_store.RETRY_CAP_S for wait in waits)
