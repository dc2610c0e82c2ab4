"""Fuzzing the ESPN parser: whatever the scoreboard holds, only domain errors come out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nflscores.domain.answers import WrongWeek, check_games
from nflscores.domain.errors import NoLiveWeek, UpstreamBadResponse
from nflscores.domain.weeks import parse_week
from nflscores.sources.espn_parser import read_scoreboard
from tests.support import ESPN_FIXTURES

#: Slow: a bounded fuzzing run.
pytestmark = pytest.mark.slow

NOW = datetime(2022, 10, 9, 18, tzinfo=UTC)
_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: The hand-made scoreboards, each as the JSON value it holds.
FIXTURES = {path.name: json.loads(path.read_bytes()) for path in ESPN_FIXTURES.glob("*.json")}

#: JSON values: the scalars ESPN's fields take, their near misses, and nesting of them.
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "0", "1", "STATUS_FINAL", "STATUS_IN_PROGRESS", "pre", "in", "post",
                     "2022-10-09T17:00Z", "2022-13-40T99:99Z", "home", "away", "NE", "LAR",
                     "WSH", "12:34", "401437650", "²", "٣"]),
    st.text(max_size=10),
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def read_or_domain_error(body: bytes, *, asked: bool) -> None:
    """Read a scoreboard as a week asked for or as the live week; domain errors are fine."""
    ref = parse_week(2022, "5") if asked else None
    try:
        board = read_scoreboard(body, fetched_at=NOW, ref=ref)
        check_games(board.week)
    except (UpstreamBadResponse, NoLiveWeek, WrongWeek):
        return


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every value inside a JSON document."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """Return a copy of the document with the value at path replaced."""
    if not path:
        return value
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[path[0]] = replaced(document[path[0]], path[1:], value)
    return copy


@_FUZZ
@given(st.binary(max_size=2048), st.booleans())
def test_arbitrary_bytes_read_or_raise_a_domain_error(body: bytes, asked: bool) -> None:
    """Bytes that are not a scoreboard end in a domain error, never another exception."""
    read_or_domain_error(body, asked=asked)


@_FUZZ
@given(_JSON, st.booleans())
def test_arbitrary_json_reads_or_raises_a_domain_error(document: Any, asked: bool) -> None:
    """Any JSON value at all, as the scoreboard, ends in a week or a domain error."""
    read_or_domain_error(json.dumps(document).encode(), asked=asked)


@_FUZZ
@given(st.data(), st.booleans())
def test_a_scoreboard_with_any_field_replaced_reads_or_raises_a_domain_error(
    data: st.DataObject, asked: bool
) -> None:
    """A real-shaped scoreboard with one value anywhere replaced by any JSON still only fails
    as a domain error."""
    name = data.draw(st.sampled_from(sorted(FIXTURES)))
    document = FIXTURES[name]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths(document)))
        document = replaced(document, path, data.draw(_JSON))
    read_or_domain_error(json.dumps(document).encode(), asked=asked)
