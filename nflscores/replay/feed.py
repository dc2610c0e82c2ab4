"""Render scorestrip XML as docs/scorestrip.md shapes both flavours, from game records and states.

The week feed (`/ajax/scorestrip`) writes every attribute, with `""` scores before kickoff;
the live feed (`ss.xml`) leaves `k` and `p` out of games not in play and sends `"0"` scores
before kickoff. Bytes follow the real captures: prolog, one line, attributes in their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Final

from nflscores.domain.teams import nickname
from nflscores.domain.weeks import WeekRef
from nflscores.replay.data import GameRecord, games_of

PROLOG: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'
EMPTY: Final = PROLOG + b"<ss></ss>\n"
#: `<gms t=...>` by season type; POST weeks say POST, the Pro Bowl week PRO.
_FEED_TYPES: Final = {"PRE": "P", "REG": "R"}
_IN_PLAY: Final = frozenset({"1", "2", "3", "4", "5", "O"})


@dataclass(frozen=True, slots=True)
class Line:
    """One game as a feed shows it at one moment."""

    record: GameRecord
    #: scorestrip `q`: P, 1-4, H, 5, F or FO.
    q: str
    #: Scores so far; None before kickoff.
    home_score: int | None = None
    away_score: int | None = None
    #: `MM:SS` left in the quarter, the team with the ball and its red-zone flag, in play only.
    clock: str | None = None
    possession: str | None = None
    red_zone: bool | None = None

    @property
    def in_play(self) -> bool:
        """Return whether the game is in a quarter right now (not pregame, halftime or final)."""
        return self.q in _IN_PLAY


def final_line(record: GameRecord) -> Line:
    """Return a game as the week feed shows it afterwards: final, or pregame without a result."""
    if not record.played:
        return Line(record, "P")
    q = "FO" if record.overtime else "F"
    return Line(record, q, record.home_score, record.away_score)


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    return " ".join(f'{name}="{escape(value, quote=True)}"' for name, value in pairs)


def _feed_type(ref: WeekRef) -> str:
    if ref.season_type == "POST":
        return "PRO" if ref.slug == "probowl" else "POST"
    return _FEED_TYPES[ref.season_type]


def _score(score: int | None, *, pregame: str) -> str:
    return pregame if score is None else str(score)


def _red_zone(value: bool | None, *, live: bool) -> str:
    if value is None:
        # The live feed says "0" for games not in play; the week feed leaves it empty.
        return "0" if live else ""
    return "1" if value else "0"


def _game(line: Line, *, live: bool) -> str:
    record = line.record
    season = record.season
    in_play = line.in_play
    pregame_score = "0" if live else ""
    pairs: list[tuple[str, str]] = [
        ("eid", record.eid),
        ("gsis", "" if record.gsis is None else str(record.gsis)),
        ("d", record.day),
        ("t", record.listed_12h),
        ("q", line.q),
    ]
    if in_play or not live:
        pairs.append(("k", (line.clock or "") if in_play else ""))
    pairs += [
        ("h", record.home),
        ("hnn", nickname(record.home, season)),
        ("hs", _score(line.home_score, pregame=pregame_score)),
        ("v", record.away),
        ("vnn", nickname(record.away, season)),
        ("vs", _score(line.away_score, pregame=pregame_score)),
    ]
    if in_play or not live:
        pairs.append(("p", (line.possession or "") if in_play else ""))
    pairs += [("rz", _red_zone(line.red_zone, live=live)), ("ga", ""), ("gt", record.game_type)]
    return f"<g {_attrs(pairs)}/>"


def week_document(ref: WeekRef, lines: Sequence[Line], *, game_day: bool = False) -> bytes:
    """Return the week feed (`/ajax/scorestrip`) for a week's games; EMPTY without games."""
    if not lines:
        return EMPTY
    header = _attrs(
        [
            ("gd", "1" if game_day else "0"),
            ("w", str(ref.week)),
            ("y", str(ref.season)),
            ("t", _feed_type(ref)),
        ]
    )
    games = "".join(_game(line, live=False) for line in lines)
    return PROLOG + f"<ss><gms {header}>{games}</gms></ss>\n".encode()


def live_document(ref: WeekRef, lines: Sequence[Line], *, game_day: bool) -> bytes:
    """Return the live feed (`ss.xml`) for a week's games; the header names the week."""
    header = _attrs(
        [
            ("w", str(ref.week)),
            ("y", str(ref.season)),
            ("t", _feed_type(ref)),
            ("gd", "1" if game_day else "0"),
        ]
    )
    games = "".join(_game(line, live=True) for line in lines)
    return PROLOG + f"<ss><gms {header}>{games}</gms></ss>\n".encode()


@lru_cache(maxsize=256)
def final_week_document(ref: WeekRef) -> bytes:
    """Return the week feed of a week as it ended, from the packaged data."""
    return week_document(ref, [final_line(record) for record in games_of(ref)])
