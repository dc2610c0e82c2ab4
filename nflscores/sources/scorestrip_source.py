"""The scorestrip source: the week feed and the live feed of NFL.com's old scorestrip."""

from __future__ import annotations

from typing import Final

from nflscores.domain.answers import check_games, check_week
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef, weeks_of
from nflscores.sources.http import UpstreamClient
from nflscores.sources.scorestrip import parse_scorestrip

WEEK_PATH: Final = "/ajax/scorestrip"
LIVE_PATH: Final = "/liveupdate/scorestrip/ss.xml"


class ScorestripSource:
    """Read weeks from a server that speaks scorestrip (the replay upstream, or an archive)."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    async def fetch_week(self, ref: WeekRef) -> Week:
        """Return one week from the week feed."""
        params = {"season": str(ref.season), "seasonType": ref.season_type, "week": str(ref.week)}
        body = await self._client.fetch(WEEK_PATH, params)
        week = parse_scorestrip(
            body, fetched_at=self._client.now(), ref=ref, max_bytes=self._client.max_bytes
        )
        check_week(week, ref)
        return week

    async def fetch_live(self) -> Week:
        """Return the current week from the live feed."""
        body = await self._client.fetch(LIVE_PATH)
        week = parse_scorestrip(
            body, fetched_at=self._client.now(), max_bytes=self._client.max_bytes
        )
        check_games(week)
        return week

    async def weeks(self, season: int) -> tuple[WeekRef, ...]:
        """Return the season's weeks by the built-in rules: scorestrip has no calendar."""
        return weeks_of(season)
