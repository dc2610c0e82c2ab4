"""The ESPN source: the public site API's NFL scoreboard, one week per request.

Weeks are asked for as `?dates=<season>&seasontype=<1|2|3>&week=<n>`, the current week without
a query. Each response's season calendar is kept, so the weeks of a season follow ESPN's
calendar where one was seen and the built-in rules elsewhere.
"""

from __future__ import annotations

import logging
from typing import Final

from nflscores.domain.answers import check_games, check_week
from nflscores.domain.errors import UpstreamBadResponse, UpstreamError
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef, weeks_of
from nflscores.sources.espn_parser import IdLookup, no_ids, read_scoreboard
from nflscores.sources.espn_weeks import SeasonCalendar, to_espn
from nflscores.sources.http import UpstreamClient

log = logging.getLogger(__name__)

SCOREBOARD_PATH: Final = "/apis/site/v2/sports/football/nfl/scoreboard"


def week_query(ref: WeekRef) -> dict[str, str]:
    """Return the scoreboard query that asks ESPN for one API week."""
    season_type, number = to_espn(ref)
    return {"dates": str(ref.season), "seasontype": str(season_type), "week": str(number)}


class EspnSource:
    """Read weeks from ESPN's scoreboard (or the replay upstream speaking it)."""

    def __init__(self, client: UpstreamClient, *, ids: IdLookup = no_ids) -> None:
        self._client = client
        self._ids = ids
        self._calendars: dict[int, SeasonCalendar] = {}

    async def fetch_week(self, ref: WeekRef) -> Week:
        """Return one week."""
        body = await self._client.fetch(SCOREBOARD_PATH, week_query(ref))
        week = self._read(body, ref)
        check_week(week, ref)
        return week

    async def fetch_live(self) -> Week:
        """Return the week ESPN considers current."""
        week = self._read(await self._client.fetch(SCOREBOARD_PATH), None)
        check_games(week)
        return week

    async def weeks(self, season: int) -> tuple[WeekRef, ...]:
        """Return the season's weeks from ESPN's calendar (one request if none was seen yet)."""
        if season not in self._calendars:
            try:
                await self.fetch_week(WeekRef(season, "REG", 1, "1"))
            except UpstreamError as exc:
                log.warning("no ESPN calendar for %s (%s); using the built-in weeks", season, exc)
        calendar = self._calendars.get(season)
        return weeks_of(season) if calendar is None else calendar.refs

    def _read(self, body: bytes, ref: WeekRef | None) -> Week:
        try:
            board = read_scoreboard(
                body,
                fetched_at=self._client.now(),
                ref=ref,
                ids=self._ids,
                max_bytes=self._client.max_bytes,
            )
        except UpstreamBadResponse as exc:
            # ESPN's format is not a contract: say exactly what changed, once per answer.
            log.warning("ESPN's scoreboard for %s does not read: %s", ref or "now", exc)
            raise
        if board.calendar is not None:
            self._calendars[board.calendar.season] = board.calendar
        return board.week
