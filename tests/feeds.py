"""Scorestrip documents for the tests, rendered by the replay from the packaged history.

The real captures live outside the repository (../shared/data/scorestrip); the tests that use
a scorestrip document only as input read these instead, so a clone without ../shared runs them.
"""

from __future__ import annotations

from typing import Final

from nflscores.domain.weeks import WeekRef, find_week
from nflscores.replay.data import games_of
from nflscores.replay.feed import Line, final_week_document, live_document, week_document

#: The Thursday night game of 2014 week 10: Cleveland (away) at Cincinnati (home).
THURSDAY_GAME: Final = "2014110600"


def week_of(season: int, season_type: str, week: int) -> WeekRef:
    """Return a week the packaged history has."""
    ref = find_week(season, season_type, week)
    assert ref is not None, f"{season} has no {season_type} week {week}"
    return ref


def final_week(season: int, season_type: str, week: int) -> bytes:
    """Return the week feed of a week as it ended."""
    return final_week_document(week_of(season, season_type, week))


def before_kickoff(season: int, season_type: str, week: int) -> bytes:
    """Return the week feed of a week before its first kickoff: every game pregame."""
    ref = week_of(season, season_type, week)
    return week_document(ref, [Line(record, "P") for record in games_of(ref)])


def thursday_live(*, cin: int = 3, cle: int = 17, clock: str = "01:03") -> bytes:
    """Return ss.xml of 2014 week 10 with the Thursday game in the 2nd quarter, CIN in possession.

    Every other game of the week is still to be played.
    """
    ref = week_of(2014, "REG", 10)
    lines = [
        Line(record, "2", cin, cle, clock=clock, possession="CIN", red_zone=False)
        if record.eid == THURSDAY_GAME
        else Line(record, "P")
        for record in games_of(ref)
    ]
    return live_document(ref, lines, game_day=True)
