"""The iCalendar writer on its own: RFC 5545 folding, escaping and event titles."""

from __future__ import annotations

from datetime import UTC, datetime

from nflscores.domain.club import ClubGame
from nflscores.domain.ics import calendar, escape_text, fold, summary


def _game(**changes: object) -> ClubGame:
    values: dict[str, object] = {
        "id": "2015091000",
        "slug": "1",
        "season_type": "REG",
        "kickoff": datetime(2015, 9, 11, 0, 30, tzinfo=UTC),
        "opponent": "PIT",
        "home": True,
        "status": "final",
        "scored": 28,
        "allowed": 21,
        "updated_at": datetime(2015, 9, 11, 4, 0, tzinfo=UTC),
    }
    return ClubGame(**(values | changes))  # type: ignore[arg-type]


def test_fold_keeps_lines_to_75_octets_without_splitting_a_character() -> None:
    """A long line folds at 75 octets with CRLF and a space, never inside a UTF-8 character."""
    folded = fold("DESCRIPTION:" + "é" * 100)
    lines = folded.split(b"\r\n")
    assert lines[-1] == b""
    assert all(len(line) <= 75 for line in lines)
    assert all(line.startswith(b" ") for line in lines[1:-1])
    unfolded = b"".join(line.removeprefix(b" ") for line in lines)
    assert unfolded.decode("utf-8") == "DESCRIPTION:" + "é" * 100


def test_text_values_are_escaped() -> None:
    """Commas, semicolons, backslashes and newlines are escaped in TEXT values."""
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_summary_gives_the_score_only_once_final() -> None:
    """`PIT at NE` before and during the game, `PIT 21 at NE 28 (final)` after."""
    assert summary("NE", _game()) == "PIT 21 at NE 28 (final)"
    assert summary("NE", _game(status="in_progress")) == "PIT at NE"
    assert summary("PIT", _game(home=False, opponent="NE", scored=21, allowed=28)) == (
        "PIT 21 at NE 28 (final)"
    )


def test_calendar_is_crlf_and_has_a_stable_uid_per_game() -> None:
    """Every line ends in CRLF; the UID is the game's id, the same in any club's feed."""
    body = calendar(2015, "NE", [_game()])
    assert body.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert b"\nUID:2015091000@nflscores\r\n" in body
    assert b"\nDTSTART:20150911T003000Z\r\n" in body
    assert b"\nDTEND:20150911T040000Z\r\n" in body
    assert body.count(b"\n") == body.count(b"\r\n")
