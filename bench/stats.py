"""Medians, percentiles and the number formats RESULTS.md uses."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence


def median(values: Iterable[float | None]) -> float | None:
    """Return the median of the values that exist, or None when none do."""
    present = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(present) if present else None


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of already sorted values (fraction in 0..1)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def ratio(value: float | None, base: float | None) -> float | None:
    """Return value / base, or None when either is missing or base is zero."""
    if value is None or base is None or base == 0:
        return None
    return value / base


def num(value: float | None, digits: int = 0) -> str:
    """Return a number with thousands separators, or a dash when missing."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def ms(seconds: float | None) -> str:
    """Return seconds as milliseconds with sensible precision."""
    if seconds is None:
        return "-"
    millis = seconds * 1000
    if millis >= 100:
        return f"{millis:,.0f} ms"
    if millis >= 10:
        return f"{millis:.1f} ms"
    return f"{millis:.2f} ms"


def times(value: float | None) -> str:
    """Return a ratio like `0.93x`."""
    return "-" if value is None else f"{value:.2f}x"


def kib(n_bytes: float | None) -> str:
    """Return bytes as KiB with one decimal."""
    return "-" if n_bytes is None else f"{n_bytes / 1024:,.1f} KiB"


def verdict(
    value: float | None, *, at_least: float | None = None, at_most: float | None = None
) -> str:
    """Return `met` or `missed by ...` for a target, or `n/a` when there is no figure."""
    if value is None:
        return "n/a"
    if at_least is not None and value < at_least:
        return f"**missed** ({value:,.2f} < {at_least:,.4g})"
    if at_most is not None and value > at_most:
        return f"**missed** ({value:,.3g} > {at_most:,.4g})"
    if at_least is not None:
        return f"met ({value:,.4g} >= {at_least:,.4g})"
    if at_most is not None:
        return f"met ({value:,.4g} <= {at_most:,.4g})"
    return "met"
