"""Fuzzing the scorestrip parser: whatever the upstream sends, only domain errors come out."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nflscores.domain.answers import WrongWeek, check_games
from nflscores.domain.errors import NoLiveWeek, ParseError
from nflscores.domain.models import Week
from nflscores.domain.weeks import parse_week
from nflscores.sources.scorestrip import parse_scorestrip
from tests.feeds import final_week

#: Slow: a bounded fuzzing run.
pytestmark = pytest.mark.slow

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: The errors a parse may end in; anything else escaping is a bug.
DOMAIN_ERRORS = (ParseError, NoLiveWeek)
_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Attribute values: the shapes the real feed uses, their near misses, and anything at all.
_VALUES = st.one_of(
    st.sampled_from(["", "0", "1", "P", "H", "F", "FO", "O", "5", "REG", "PRE", "WC", "SB",
                     "Sun", "Mon", "Thu", "Sat", "8:30", "12:00", "1:00", "13:61", "00:00", "NE",
                     "2015091000", "2015023100", "9999123100", "0001010100", "99999999999",
                     "1-0", "-1", "²", "٣"]),
    st.text(max_size=12),
    st.integers(-(10**30), 10**30).map(str),
)  # fmt: skip
_GAME_KEYS = ("eid", "gsis", "d", "t", "q", "k", "h", "hnn", "hs", "v", "vnn", "vs", "p", "rz",
              "ga", "gt")  # fmt: skip
_HEADER_KEYS = ("w", "y", "t", "gd")


def _xml_safe(text: str) -> str:
    # XML 1.0 has no way to write most control characters; the fuzz is of values, not of lxml.
    return "".join(ch for ch in text if ch in "\t\n\r" or 0x20 <= ord(ch) < 0xD800 or
                   0xE000 <= ord(ch) < 0xFFFE)  # fmt: skip


def _element(tag: str, attrs: dict[str, str], inner: str = "") -> str:
    rendered = " ".join(f"{key}={quoteattr(_xml_safe(value))}" for key, value in attrs.items())
    return f"<{tag} {rendered}>{inner}</{tag}>"


_GAMES = st.lists(st.dictionaries(st.sampled_from(_GAME_KEYS), _VALUES), max_size=6)
_HEADERS = st.dictionaries(st.sampled_from(_HEADER_KEYS), _VALUES)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """Return a scorestrip-shaped document with fuzzed attributes (and sometimes no <gms>)."""
    games = "".join(_element("g", attrs) for attrs in draw(_GAMES))
    root = draw(st.sampled_from(["ss", "ss", "ss", "html"]))
    if draw(st.booleans()):
        games = _element("gms", draw(_HEADERS), games)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{games}</{root}>'.encode()


#: A game at the very end of the calendar, moved a day later: past what a date can hold.
_LATE_MOVED_GAME = (
    b'<ss><gms w="1" y="2015" t="R"><g eid="9999123100" d="Sat" t="1:00" q="F" gt="REG"'
    b' h="NE" v="KC" hs="1" vs="2"/></gms></ss>'
)


def parse_or_domain_error(body: bytes, *, asked: bool) -> Week | None:
    """Parse as the week feed (asked) or the live feed; None when a domain error was raised."""
    ref = parse_week(2015, "1") if asked else None
    try:
        week = parse_scorestrip(body, fetched_at=NOW, ref=ref)
        check_games(week)
    except (*DOMAIN_ERRORS, WrongWeek):
        return None
    return week


@_FUZZ
@given(documents(), st.booleans())
@example(_LATE_MOVED_GAME, False)
def test_fuzzed_documents_parse_or_raise_a_domain_error(body: bytes, asked: bool) -> None:
    """Any well-formed document either parses into a week or raises a domain error."""
    week = parse_or_domain_error(body, asked=asked)
    if week is not None:
        assert all(game.kickoff.tzinfo is not None for game in week.games)


@_FUZZ
@given(st.binary(max_size=2048), st.booleans())
def test_arbitrary_bytes_parse_or_raise_a_domain_error(body: bytes, asked: bool) -> None:
    """Bytes that are not XML at all are a domain error, never another exception."""
    parse_or_domain_error(body, asked=asked)


@_FUZZ
@given(st.data())
def test_a_real_capture_mutated_parses_or_raises_a_domain_error(data: st.DataObject) -> None:
    """A real week feed with bytes cut or inserted still only fails as a domain error."""
    capture = final_week(2015, "REG", 1)
    position = data.draw(st.integers(0, len(capture)))
    cut = data.draw(st.integers(0, 64))
    inserted = data.draw(st.binary(max_size=16))
    parse_or_domain_error(capture[:position] + inserted + capture[position + cut :], asked=True)
