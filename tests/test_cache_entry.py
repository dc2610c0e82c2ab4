"""Week cache entries: the stored bytes round trip, garbage is refused, ETags are strong."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from nflscores.cache.entries import CachedWeek, make_entry, pack, unpack
from nflscores.domain.encoding import encode_week
from nflscores.domain.models import WeekState
from nflscores.domain.weeks import WeekRef
from nflscores.sources.scorestrip import parse_scorestrip
from tests.feeds import final_week

STATES: tuple[WeekState, ...] = ("empty", "final", "live", "upcoming")
#: RFC 9110 entity-tag: a quoted string of etagc characters, no W/ prefix.
STRONG_ETAG = re.compile(r'"[\x21\x23-\x7e]+"')


def week_body() -> bytes:
    """Return the API JSON of a real week (2015 REG week 3)."""
    week = parse_scorestrip(
        final_week(2015, "REG", 3),
        fetched_at=datetime(2015, 9, 29, 12, 0, tzinfo=UTC),
        ref=WeekRef(2015, "REG", 3, "3"),
    )
    return encode_week(week)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("fresh_until", [1443528000.0, 1443528000.123, 1763900000.999, 0.0])
def test_pack_unpack_round_trip(state: WeekState, fresh_until: float) -> None:
    """unpack(pack(entry)) gives back the same entry (freshness kept to the millisecond)."""
    entry = make_entry(week_body(), state, fresh_until)
    assert unpack(pack(entry)) == entry


@pytest.mark.parametrize(
    "body", [b"", b"{}", b"line one\nline two\n", b"\x00\xff\n\n", b"123 final\n{}"]
)
def test_round_trip_keeps_any_body(body: bytes) -> None:
    """A body with newlines, binary bytes or a header look-alike comes back byte for byte."""
    entry = make_entry(body, "live", 1443528000.5)
    restored = unpack(pack(entry))
    assert restored is not None
    assert restored.body == body
    assert restored.etag == entry.etag


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage",
        b"\n",
        b'{"season": 2015}',
        b"1443528000000 final",
        b"1443528000000\n{}",
        b"abc final\n{}",
        b"-5 final\n{}",
        b"1.5 final\n{}",
        b" 1443528000000 final\n{}",
        b"1443528000000  final\n{}",
        b"1443528000000 bogus\n{}",
        b"1443528000000 FINAL\n{}",
        b"1443528000000 final extra\n{}",
        b"1443528000000 fin\xffal\n{}",
        b"\xff\xfe\xfd\n{}",
        "\u00b9\u00b2 final\n{}".encode(),
    ],
)
def test_unpack_garbage_is_none(raw: bytes) -> None:
    """Bytes that are not a packed entry unpack to None, never an exception."""
    assert unpack(raw) is None


def test_etag_is_strong() -> None:
    """The ETag is a quoted opaque tag without the weak W/ prefix."""
    etag = make_entry(week_body(), "final", 0.0).etag
    assert not etag.startswith("W/")
    assert STRONG_ETAG.fullmatch(etag)


def test_etag_follows_the_body_only() -> None:
    """Equal bodies share an ETag whatever their state or freshness; a changed byte changes it."""
    body = week_body()
    first = make_entry(body, "final", 1.0)
    assert make_entry(bytes(body), "live", 2.0).etag == first.etag
    assert make_entry(body + b" ", "final", 1.0).etag != first.etag
    changed = body.replace(b'"score":51', b'"score":52', 1)
    assert changed != body
    assert make_entry(changed, "final", 1.0).etag != first.etag


def test_etags_differ_across_bodies() -> None:
    """Distinct bodies get distinct ETags."""
    etags = {make_entry(str(n).encode(), "final", 0.0).etag for n in range(1000)}
    assert len(etags) == 1000


def test_entry_freshness_and_max_age() -> None:
    """An entry is fresh before fresh_until, and its max-age counts down, capped at a day."""
    entry = CachedWeek(body=b"{}", etag='"x"', state="live", fresh_until=1000.0)
    assert entry.is_fresh(999.9)
    assert not entry.is_fresh(1000.0)
    assert entry.max_age(990.0) == 10
    assert entry.max_age(1200.0) == 0
    assert make_entry(b"{}", "final", 10.0**9).max_age(0.0) == 24 * 3600
