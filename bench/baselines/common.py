"""What the baselines share: where their settings come from and the week key they read."""

from __future__ import annotations

import os
from pathlib import Path


def week_key(season: str, week: str) -> str:
    """Return the Redis key the baselines keep a week's JSON under."""
    return f"bench:week:{season}:{week}"


def week_file() -> bytes:
    """Return the week's JSON bytes the orchestrator wrote (BENCH_WEEK_FILE)."""
    return Path(os.environ["BENCH_WEEK_FILE"]).read_bytes()


def redis_url() -> str:
    """Return the private Redis the orchestrator runs (BENCH_REDIS_URL)."""
    return os.environ["BENCH_REDIS_URL"]
