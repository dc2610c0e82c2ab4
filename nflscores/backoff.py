"""Jittered exponential backoff: how long every retry loop of the service waits.

One shape for every loop that tries again (the upstream client, the hub's resubscribe, the
poller's store and feed retries): after the n-th failure in a row, wait a random time between
half of `min(cap, base * 2**n)` and all of it. The randomness spreads processes that failed
together (every worker after a Redis restart) so they do not retry in lockstep; the lower half
kept keeps each wait close to its nominal length, so a short cap really is short.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits that double from `base_s` per failure up to `cap_s`, each jittered."""

    base_s: float
    cap_s: float
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.base_s <= self.cap_s:
            raise ValueError(f"backoff needs 0 < base ({self.base_s}) <= cap ({self.cap_s})")

    def nominal(self, failures: int) -> float:
        """Return the wait before the next try after `failures` failures in a row, unjittered."""
        exponent = min(max(failures - 1, 0), 32)
        return min(self.cap_s, self.base_s * 2.0**exponent)

    def delay(self, failures: int) -> float:
        """Return a jittered wait before the next try after `failures` failures in a row."""
        nominal = self.nominal(failures)
        return self.rng.uniform(nominal / 2, nominal)
