"""Every Redis key, channel and default lifetime the service uses, in one place."""

from __future__ import annotations

from typing import Final

from nflscores.domain.weeks import WeekRef

PREFIX: Final = "nflscores"

#: The hash tag of everything the publish script touches at once: on a Redis Cluster the
#: stream, its channel and the lease share one slot (one script, one node); week entries,
#: without a tag, spread over every primary.
LIVE_TAG: Final = "{" + PREFIX + ":live}"
#: pub/sub channel the poller publishes live events on ("<id>\n<week JSON>"); sharded pub/sub
#: (SPUBLISH) on a Cluster, so an event goes to the slot's shard only, not over the whole bus.
LIVE_CHANNEL: Final = f"{LIVE_TAG}:events"
#: Stream holding recent live events; its entry ids are the SSE event ids.
LIVE_STREAM: Final = f"{LIVE_TAG}:history"
#: Lease that lets one poller publish at a time.
POLLER_LEASE: Final = f"{LIVE_TAG}:poller:lease"

# Default lifetimes; Settings can override each.
FINAL_TTL_S: Final = 30 * 24 * 3600
LIVE_TTL_S: Final = 10
UPCOMING_TTL_S: Final = 300
EMPTY_TTL_S: Final = 3600
#: How long a copy is kept past its freshness, to be served STALE when the upstream fails.
STALE_KEEP_S: Final = 7 * 24 * 3600
LIVE_HISTORY_MAXLEN: Final = 1000
POLLER_LEASE_TTL_S: Final = 15


def week_key(ref: WeekRef) -> str:
    """Return the key of a week's cached entry."""
    return f"{PREFIX}:week:{ref.season}:{ref.season_type}:{ref.week}"


def week_lock_key(ref: WeekRef) -> str:
    """Return the key whose holder is the one process fetching a week from the upstream."""
    return f"{PREFIX}:lock:week:{ref.season}:{ref.season_type}:{ref.week}"


def standings_key(season: int, through: int | None) -> str:
    """Return the key of a season's standings through a week (None: the latest final week)."""
    return f"{PREFIX}:standings:{season}:{'latest' if through is None else through}"


def season_summary_key(season: int) -> str:
    """Return the key of the summary fetch-season stores after a season's fetch."""
    return f"{PREFIX}:season:{season}:summary"
