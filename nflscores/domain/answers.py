"""Does an upstream's answer answer the question? A parsed week against the week asked for.

A valid document for another week or season is as wrong as a broken one: stored, it would be
served as the week asked, final weeks for a month. Every source checks its parsed Week here
before anything keeps it; a mismatch is an UpstreamBadResponse (502, nothing stored).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from nflscores.domain.errors import UpstreamBadResponse
from nflscores.domain.models import Game, Week
from nflscores.domain.weeks import POST_GAME_TYPES, WeekRef

#: The game types each season type lists.
_GAME_TYPES: Final = {"PRE": frozenset({"PRE"}), "REG": frozenset({"REG"}),
                      "POST": frozenset(POST_GAME_TYPES)}  # fmt: skip


class WrongWeek(UpstreamBadResponse):
    """The upstream answered with a valid document for another week or season."""


def season_window(season: int, season_type: str) -> tuple[date, date]:
    """Return the first and last day a game of this part of the season can be played on.

    Generous on purpose (strikes, storms and the 2001 season's January week moved games by
    weeks), yet a season apart from every other: a week of another season never fits.
    """
    if season_type == "PRE":
        return date(season, 7, 1), date(season, 9, 30)
    if season_type == "REG":
        return date(season, 8, 25), date(season + 1, 1, 31)
    return date(season, 12, 1), date(season + 1, 3, 1)


def check_week(week: Week, asked: WeekRef) -> None:
    """Raise WrongWeek unless the week is the one asked and its games can belong to it."""
    said = (week.season, week.season_type, week.week)
    if said != (asked.season, asked.season_type, asked.week):
        raise WrongWeek(
            f"asked for {asked} ({asked.slug}), the upstream answered "
            f"{week.season}/{week.season_type}/{week.week}"
        )
    check_games(week)


def check_games(week: Week) -> None:
    """Raise WrongWeek when a game cannot be of the week's season and season type."""
    first, last = season_window(week.season, week.season_type)
    for game in week.games:
        played = game.kickoff.date()
        if not first <= played <= last:
            raise WrongWeek(
                f"game {game.id} on {played} cannot be in {week.season} {week.season_type}"
            )
        if not _fits_type(game, week.season_type):
            raise WrongWeek(
                f"game {game.id} is a {game.game_type} game, not of {week.season_type} weeks"
            )


def _fits_type(game: Game, season_type: str) -> bool:
    # An unknown game type says nothing either way: the parser keeps `gt` as the feed sends it.
    known = frozenset().union(*_GAME_TYPES.values())
    return game.game_type not in known or game.game_type in _GAME_TYPES[season_type]
