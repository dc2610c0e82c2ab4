"""What the baselines share: where their settings come from and the week key they read."""

from __future__ import annotations

import json
import os
from pathlib import Path


def week_key(season: str, week: str) -> str:
    """Return the Redis key the baselines keep a week's JSON under."""
    return f"bench:week:{season}:{week}"


def week_file() -> bytes:
    """Return the week's JSON bytes the orchestrator wrote (BENCH_WEEK_FILE)."""
    return Path(os.environ["BENCH_WEEK_FILE"]).read_bytes()


def week_headers() -> dict[str, str]:
    """Return the headers the app answers the week with (BENCH_WEEK_HEADERS, a JSON file)."""
    path = os.environ.get("BENCH_WEEK_HEADERS")
    if not path or not Path(path).exists():
        return {}
    headers: dict[str, str] = json.loads(Path(path).read_text())
    return headers


def redis_url() -> str:
    """Return the private Redis the orchestrator runs (BENCH_REDIS_URL)."""
    return os.environ["BENCH_REDIS_URL"]
