"""What the baselines share: where their settings come from and the week key they read."""

from __future__ import annotations

import asyncio
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


Message = tuple[str, str]


class Hub:
    """The clients of one worker, each with a queue the worker's one subscription fills."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[Message]] = set()

    def publish(self, raw: bytes) -> None:
        """Hand one `<id>\\n<data>` message to every client's queue."""
        event_id, _, data = raw.partition(b"\n")
        message = (event_id.decode(), data.decode())
        for queue in self.queues:
            queue.put_nowait(message)
