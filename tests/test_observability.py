"""Request metrics, the access log and /metrics, on the real app and on a small one."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families
from yarl import URL

from nflscores.logs import JsonFormatter
from nflscores.metrics import Tally
from nflscores.web.accesslog import ACCESS_LINES, request_log_args, text_lines
from nflscores.web.metrics_view import render_metrics, serve_metrics, setup_observability
from tests.prometheus import sample, series
from tests.support import Client, MakeClient


async def scrape(client: Client) -> str:
    """Return the client's /metrics text."""
    response = await client.get("/metrics")
    assert response.status == 200
    return await response.text()


def small_app() -> web.Application:
    """Return an app with a redirect, a stream and a plain route, observed like the real one."""

    async def plain(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/plain")

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b": ping\n\n")
        return response

    app = web.Application(handler_args=request_log_args())
    app.router.add_get("/plain", plain)
    app.router.add_get("/moved", moved)
    app.router.add_get("/stream", stream)
    app.router.add_get("/metrics", serve_metrics)
    setup_observability(app)
    return app


async def test_requests_are_counted_by_route_pattern_method_and_status(client: Client) -> None:
    """Week requests count under the route's pattern; unknown paths share one route label."""
    total = "nflscores_http_requests_total"
    week = "/api/{season}/{week}"
    first = await scrape(client)
    before = series(first, total)

    assert (await client.get("/api/2015/3")).status == 200
    assert (await client.get("/api/2015/3")).status == 200
    assert (await client.get("/api/2015/pre-9")).status == 404
    assert (await client.get("/no/such/path")).status == 404
    assert (await client.get("/other/missing")).status == 404

    text = await scrape(client)
    grown = {
        labels: value - before.get(labels, 0.0)
        for labels, value in series(text, total).items()
        if value != before.get(labels, 0.0) and labels[0] != "/metrics"
    }
    unknown = [key for key in grown if key[0] != week]
    assert len(unknown) == 1
    assert grown == {(week, "GET", "200"): 2, (week, "GET", "404"): 1, unknown[0]: 2}
    assert unknown[0][1:] == ("GET", "404")


async def test_metrics_are_prometheus_text_with_every_service_metric(client: Client) -> None:
    """/metrics answers Prometheus text 0.0.4 naming the cache, upstream and stream metrics."""
    await client.get("/api/2015/3")
    response = await client.get("/metrics")
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    names = {family.name for family in text_string_to_metric_families(await response.text())}
    expected = {
        "nflscores_http_requests",
        "nflscores_cache_results",
        "nflscores_upstream_requests",
        "nflscores_upstream_request_seconds",
        "nflscores_sse_clients",
        "nflscores_events_published",
        "nflscores_events_delivered",
        "nflscores_sse_clients_dropped",
    }
    assert expected <= names


async def test_redirects_streams_and_unrouted_paths_are_counted(
    aiohttp_client: MakeClient,
) -> None:
    """Redirects count as 302, streams as 200 once they end, unrouted paths as `unmatched`."""
    client = await aiohttp_client(small_app())
    before = await scrape(client)
    moved = await client.get("/moved", allow_redirects=False)
    assert moved.status == 302
    assert (await client.get("/no/route")).status == 404
    streamed = await client.get("/stream")
    assert await streamed.read() == b": ping\n\n"
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("nflscores_http_requests_total", route="/moved", status="302") == 1
    assert delta("nflscores_http_requests_total", route="/stream", status="200") == 1
    assert delta("nflscores_http_requests_total", route="unmatched", status="404") == 1


@pytest.fixture
def access_log(request: pytest.FixtureRequest) -> Iterator[None]:
    """Turn the access log on, with the root handler's formatter the test parametrizes."""
    handler = logging.StreamHandler()
    if request.param == "json":
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    access = logging.getLogger("nflscores.access")
    level = access.level
    root.addHandler(handler)
    access.setLevel(logging.INFO)
    yield
    root.removeHandler(handler)
    access.setLevel(level)


def access_lines(capfd: pytest.CaptureFixture[str]) -> list[str]:
    """Return the access-log lines written to stderr so far."""
    ACCESS_LINES.flush()
    return [line for line in capfd.readouterr().err.splitlines() if "nflscores.access" in line]


@pytest.mark.parametrize("access_log", ["json"], indirect=True)
@pytest.mark.usefixtures("access_log")
async def test_each_request_writes_one_json_access_log_line(
    aiohttp_client: MakeClient, capfd: pytest.CaptureFixture[str]
) -> None:
    """With JSON logs, each request writes one JSON object naming route, status and ids."""
    client = await aiohttp_client(small_app())
    access_lines(capfd)
    await client.get("/plain?x=1", headers={"X-Request-ID": "abc123", "X-Forwarded-For": "1.2.3.4"})
    lines = access_lines(capfd)
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["level"] == "info"
    assert data["logger"] == "nflscores.access"
    assert data["msg"] == "GET /plain 200"
    assert (data["method"], data["path"], data["route"], data["status"]) == (
        "GET",
        "/plain",
        "/plain",
        200,
    )
    assert (data["request_id"], data["forwarded_for"]) == ("abc123", "1.2.3.4")
    assert data["remote"] == "127.0.0.1"
    assert isinstance(data["duration_ms"], float)


@pytest.mark.parametrize("access_log", ["text"], indirect=True)
@pytest.mark.usefixtures("access_log")
async def test_text_access_log_line_reads_like_the_other_logs(
    aiohttp_client: MakeClient, capfd: pytest.CaptureFixture[str]
) -> None:
    """With text logs, each request writes `<time> INFO nflscores.access: GET /path status`."""
    client = await aiohttp_client(small_app())
    access_lines(capfd)
    await client.get("/moved", allow_redirects=False)
    (line,) = access_lines(capfd)
    assert " INFO nflscores.access: GET /moved 302 " in line
    assert line.endswith("ms")


@pytest.mark.parametrize("access_log", ["text", "json"], indirect=True)
@pytest.mark.usefixtures("access_log")
async def test_an_encoded_newline_in_a_path_cannot_forge_a_log_line(
    aiohttp_client: MakeClient, capfd: pytest.CaptureFixture[str]
) -> None:
    """A path's `%0A` is logged as sent: one request, one line, nothing after it made up."""
    client = await aiohttp_client(small_app())
    access_lines(capfd)
    forged = "2026-12-01 19:00:00,000 INFO nflscores.access: GET /admin 200 0.1ms"
    response = await client.get(URL("/nowhere%0A" + forged.replace(" ", "%20"), encoded=True))
    assert response.status == 404
    (line,) = access_lines(capfd)
    assert "/nowhere%0A2026-12-01%2019:00:00" in line


def test_text_lines_format_each_field_in_a_batch() -> None:
    """Milliseconds, status and duration read as formatted, across seconds and long requests."""
    at = 1_796_000_000 * 1_000_000_000
    records = [
        (at + 7_100_000, "GET", "/api/2015/1", 200, 0.00012),
        (at + 999_000_000, "HEAD", "/", 304, 0.0123456),
        (at + 1_500_000_000, "GET", "/api/livescore", 200, 312.5),
    ]
    assert text_lines(records, "nflscores.access").decode().splitlines() == [
        "2026-11-30 00:53:20,007 INFO nflscores.access: GET /api/2015/1 200 0.12ms",
        "2026-11-30 00:53:20,999 INFO nflscores.access: HEAD / 304 12.34ms",
        "2026-11-30 00:53:21,500 INFO nflscores.access: GET /api/livescore 200 312500.00ms",
    ]


async def test_no_access_log_line_when_its_level_is_off(
    aiohttp_client: MakeClient, capfd: pytest.CaptureFixture[str]
) -> None:
    """With nflscores.access above INFO nothing is logged, and the request is still counted."""
    access = logging.getLogger("nflscores.access")
    level = access.level
    access.setLevel(logging.WARNING)
    try:
        client = await aiohttp_client(small_app())
        before = await scrape(client)
        await client.get("/plain")
        after = await scrape(client)
        assert access_lines(capfd) == []
    finally:
        access.setLevel(level)
    total = "nflscores_http_requests_total"
    assert sample(after, total, route="/plain") - sample(before, total, route="/plain") == 1


WRITER = """
import sys
from nflscores import metrics
metrics.HTTP_REQUESTS.labels("/api/{season}/{week}", "GET", "200").inc(int(sys.argv[1]))
metrics.EVENTS_PUBLISHED.inc()
"""


@pytest.mark.slow
def test_multiprocess_metrics_sum_every_process_that_wrote_to_the_directory(
    tmp_path: Path,
) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, /metrics' text sums the samples of processes gone since."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for count in ("3", "4"):
        subprocess.run([sys.executable, "-c", WRITER, count], env=env, check=True, timeout=30)
    text = render_metrics(str(tmp_path)).decode()
    week = {"route": "/api/{season}/{week}", "method": "GET", "status": "200"}
    assert sample(text, "nflscores_http_requests_total", **week) == 7
    assert sample(text, "nflscores_events_published_total") == 2


def test_tally_counts_plain_keys_and_labels_them_only_when_flushed() -> None:
    """A tally adds nothing to its counter until flushed; keys with equal labels are summed."""
    registry = CollectorRegistry()
    counter = Counter("tally_probe", "probe", ["parity"], registry=registry)
    tally = Tally[int](counter, lambda n: ("even" if n % 2 == 0 else "odd",))
    for n in (1, 2, 3, 4, 6):
        tally.add(n)
    assert registry.get_sample_value("tally_probe_total", {"parity": "even"}) is None
    tally.flush()
    assert registry.get_sample_value("tally_probe_total", {"parity": "even"}) == 3
    assert registry.get_sample_value("tally_probe_total", {"parity": "odd"}) == 2
    tally.flush()  # nothing new since the last flush
    assert registry.get_sample_value("tally_probe_total", {"parity": "odd"}) == 2


def test_a_tallys_count_is_added_at_each_flush_with_its_other_events() -> None:
    """`count_of(key).n += 1` counts like add(key); a flush adds it once and starts it over."""
    registry = CollectorRegistry()
    counter = Counter("count_probe", "probe", ["result"], registry=registry)
    tally = Tally[str](counter, lambda result: (result,))
    hits = tally.count_of("hit")
    assert tally.count_of("hit") is hits
    hits.n += 2
    tally.add("hit")
    tally.flush()
    assert registry.get_sample_value("count_probe_total", {"result": "hit"}) == 3
    assert hits.n == 0
    tally.flush()
    assert registry.get_sample_value("count_probe_total", {"result": "hit"}) == 3
