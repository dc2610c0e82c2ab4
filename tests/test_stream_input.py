"""Whatever a stream request carries, it is refused as JSON before the stream or ignored."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from nflscores import metrics
from nflscores.domain.errors import BadRequest
from nflscores.live.filters import parse_teams
from nflscores.settings import Settings
from nflscores.store import RedisBackend, parse_event_id
from nflscores.web.app import create_app
from nflscores.web.appkeys import HUB
from tests.live_support import EVENT_STREAM, Publisher, SseReader, cin_score, live_body

Client = TestClient[Request, Application]
MakeClient = Callable[..., Awaitable[Client]]

#: Text a client could put in a header or a query: anything but control characters.
_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=60)
#: Ids that look numeric to str.isdigit but are not stream ids: other scripts' digits,
#: superscripts, and numbers far too long for a 64-bit integer.
_DIGITS = st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=8)
_ODD_IDS = st.one_of(
    _TEXT,
    st.builds(lambda a, b: f"{a}-{b}", _DIGITS, _DIGITS),
    st.integers(min_value=20, max_value=5000).map(lambda n: "9" * n + "-0"),
    st.integers(min_value=2**64, max_value=2**80).map(lambda n: f"{n}-{n}"),
)
_FUZZ = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
async def live(settings: Settings, aiohttp_client: MakeClient) -> Client:
    """Return a client of the real application."""
    return await aiohttp_client(create_app(dataclasses.replace(settings, sse_retry_ms=3000)))


@pytest.fixture
async def snapshot_id(backend: RedisBackend) -> str:
    """Publish one live event, the snapshot every stream starts with; return its id."""
    return await Publisher(backend).publish(live_body(cin=7))


@given(_ODD_IDS)
def test_an_event_id_is_parsed_or_refused_never_raising(raw: str) -> None:
    """parse_event_id returns None or a pair of 64-bit values for any text at all."""
    parsed = parse_event_id(raw)
    assert parsed is None or all(0 <= part < 2**64 for part in parsed)


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_every_real_stream_id_parses(ms: int, seq: int) -> None:
    """Any id Redis can make reads back as its two numbers."""
    assert parse_event_id(f"{ms}-{seq}") == (ms, seq)


@given(_TEXT)
def test_a_team_filter_is_parsed_or_a_bad_request(raw: str) -> None:
    """parse_teams raises nothing but BadRequest, and what it accepts is upper-case codes."""
    try:
        teams = parse_teams(raw)
    except BadRequest:
        return
    assert all(code.isascii() and code.isupper() and 2 <= len(code) <= 3 for code in teams)


@_FUZZ
@given(raw=_ODD_IDS, where=st.sampled_from(["header", "query"]))
@example(raw="\u00b2-1", where="header")
@example(raw="\u0663-\u0661", where="query")
@example(raw="9" * 5000 + "-0", where="query")
async def test_an_unusable_last_event_id_gets_the_snapshot(
    live: Client, snapshot_id: str, raw: str, where: str
) -> None:
    """An id that is no stream id (odd digits, thousands of them) is no id: the snapshot."""
    if parse_event_id(raw) is not None:
        return
    headers = {**EVENT_STREAM, "Last-Event-ID": raw} if where == "header" else EVENT_STREAM
    params = {"last_event_id": raw} if where == "query" else {}
    async with live.get("/api/livescore", headers=headers, params=params) as response:
        assert response.status == 200
        reader = SseReader(response)
        assert (await reader.frame()).raw == b"retry: 3000\n\n"
        event = await reader.event()
        assert (event.id, cin_score(event.data)) == (snapshot_id, 7)


@_FUZZ
@given(raw=_TEXT)
async def test_a_team_filter_is_a_json_400_or_a_stream(
    live: Client, snapshot_id: str, raw: str
) -> None:
    """Any ?team= is answered before the stream starts: a JSON 400, or a 200 stream."""
    async with live.get("/api/livescore", headers=EVENT_STREAM, params={"team": raw}) as response:
        if response.status == 400:
            assert response.content_type == "application/json"
            assert (await response.json())["error"]["code"] == "bad_request"
            return
        assert response.status == 200
        assert (await SseReader(response).frame()).raw == b"retry: 3000\n\n"


async def test_a_failure_after_the_start_ends_the_stream_without_a_500(
    live: Client,
    snapshot_id: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Once the 200 is sent, a failure ends the stream: no 500 in the body, no traceback."""

    async def broken(last_event_id: str | None) -> list[object]:
        raise RuntimeError("the hub broke for the test")

    monkeypatch.setattr(live.app[HUB], "backlog", broken)
    dropped = metrics.SSE_DROPPED.labels(reason="error")
    before = dropped._value.get()
    async with live.get("/api/livescore", headers=EVENT_STREAM) as response:
        assert response.status == 200
        async with asyncio.timeout(10):
            body = b""
            # The connection is dropped: the client sees its stream end, maybe mid-chunk.
            with contextlib.suppress(aiohttp.ClientPayloadError):
                body = await response.content.read()
    assert b"500" not in body
    assert b"HTTP/1.1" not in body
    assert dropped._value.get() == before + 1
    failures = [record for record in caplog.records if "live stream failed" in record.message]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert all(record.exc_info is None for record in caplog.records)
