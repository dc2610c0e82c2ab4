"""Reading Prometheus text expositions in tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """Return the sum of a metric's samples that carry these labels (0 when none does)."""
    return sum(
        float(item.value)
        for family in text_string_to_metric_families(text)
        for item in family.samples
        if item.name == name and all(item.labels.get(k) == v for k, v in labels.items())
    )


def series(text: str, name: str) -> dict[tuple[str, str, str], float]:
    """Return the request counter's samples by (route, method, status)."""
    return {
        (item.labels["route"], item.labels["method"], item.labels["status"]): float(item.value)
        for family in text_string_to_metric_families(text)
        for item in family.samples
        if item.name == name
    }
