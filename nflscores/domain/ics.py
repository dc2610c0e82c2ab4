"""A club's season as an RFC 5545 iCalendar feed: one VEVENT per game, bytes in, bytes out.

Times are written in UTC (`...Z`), which every calendar client reads without a VTIMEZONE.
Each event's UID is the game's id, the same in every club's feed and on every fetch, so a
subscribed calendar updates a game in place (kickoff moved, score in) instead of adding one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

from nflscores import __version__
from nflscores.domain.club import ClubGame
from nflscores.domain.weeks import POST_ROUNDS

#: How long a game's calendar entry lasts.
GAME_LENGTH: Final = timedelta(hours=3, minutes=30)
#: RFC 5545 3.1: content lines are folded to at most 75 octets, CRLF then one space.
LINE_OCTETS: Final = 75
UID_DOMAIN: Final = "nflscores"
CONTENT_TYPE: Final = "text/calendar"

_ROUND_NAMES: Final = dict(
    zip(
        POST_ROUNDS,
        (
            "Wild card round",
            "Divisional round",
            "Conference championship",
            "Pro Bowl",
            "Super Bowl",
        ),
        strict=True,
    )
)


def escape_text(value: str) -> str:
    """Return a TEXT value escaped (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> bytes:
    """Return one content line as UTF-8, folded at 75 octets without splitting a character."""
    out = bytearray()
    width = 0
    limit = LINE_OCTETS
    for char in line:
        encoded = char.encode("utf-8")
        if width + len(encoded) > limit:
            out += b"\r\n "
            width = 1
            limit = LINE_OCTETS
        out += encoded
        width += len(encoded)
    return bytes(out) + b"\r\n"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(game: ClubGame, season: int) -> str:
    if game.season_type == "POST":
        return f"{season} {_ROUND_NAMES.get(game.slug, game.slug)}"
    if game.season_type == "PRE":
        return f"{season} preseason week {game.slug.removeprefix('pre-')}"
    return f"{season} week {game.slug}"


def summary(team: str, game: ClubGame) -> str:
    """Return the event's title: `PIT at NE`, with the score once the game is over."""
    away, home = (game.opponent, team) if game.home else (team, game.opponent)
    if not game.final or game.scored is None or game.allowed is None:
        return f"{away} at {home}"
    away_score, home_score = (
        (game.allowed, game.scored) if game.home else (game.scored, game.allowed)
    )
    return f"{away} {away_score} at {home} {home_score} (final)"


def calendar(season: int, team: str, games: Iterable[ClubGame]) -> bytes:
    """Return the club's season as an iCalendar document."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//nflscores//nflscores {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'{team} {season} (nflscores)')}",
    ]
    for game in games:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{game.id}@{UID_DOMAIN}",
            f"DTSTAMP:{_stamp(game.updated_at)}",
            f"DTSTART:{_stamp(game.kickoff)}",
            f"DTEND:{_stamp(game.kickoff + GAME_LENGTH)}",
            f"SUMMARY:{escape_text(summary(team, game))}",
            f"DESCRIPTION:{escape_text(f'{_when(game, season)}; status: {game.status}')}",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
