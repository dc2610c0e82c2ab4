"""The replay upstream over HTTP: the live day on its admin clock, faults, and the CLI."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from lxml import etree

from nflscores.domain.encoding import loads
from nflscores.domain.weeks import WeekRef, find_week
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.replay.views import set_clock
from nflscores.sources.scorestrip import parse_scorestrip
from tests.support import (
    ROOT,
    Client,
    MakeClient,
    free_port,
    nflscores_command,
    running,
    scorestrip_capture,
)

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
LIVE_PATH = "/liveupdate/scorestrip/ss.xml"
WEEK_2014_10 = "/ajax/scorestrip?season=2014&seasonType=REG&week=10"
IDENTITY = ("eid", "gsis", "d", "t", "h", "hnn", "v", "vnn", "gt")


def attributes(element: etree._Element) -> dict[str, str]:
    """Return an element's attributes as text."""
    return {str(name): str(value) for name, value in element.attrib.items()}


def week(season: int, season_type: str, number: int) -> WeekRef:
    """Return a week that exists."""
    ref = find_week(season, season_type, number)
    assert ref is not None
    return ref


def games(body: bytes) -> dict[str, dict[str, str]]:
    """Return the attributes of each <g> of the first <gms>, by eid."""
    gms = etree.fromstring(body).find("gms")
    assert gms is not None
    return {g.get("eid", ""): attributes(g) for g in gms.iterfind("g")}


async def live_client(aiohttp_client: MakeClient, ref: WeekRef, **options: float) -> Client:
    """Return a client of a replay app replaying `ref` as live."""
    return await aiohttp_client(create_replay_app(ReplayConfig(live=ref, **options)))  # type: ignore[arg-type]


async def set_minute(client: Client, minute: float, *, freeze: bool = True) -> dict[str, object]:
    """Put the virtual clock at a minute from the first kickoff and return the clock JSON."""
    response = await client.post(f"/_replay/clock?minute={minute}&freeze={int(freeze)}")
    assert response.status == 200
    state: dict[str, object] = loads(await response.read())
    return state


async def test_before_kickoff_the_week_feed_matches_the_real_pregame_capture(
    aiohttp_client: MakeClient,
) -> None:
    """An hour before the first kickoff, 2014 REG week 10 reads as NFL.com sent it then."""
    client = await live_client(aiohttp_client, week(2014, "REG", 10))
    await set_minute(client, -60)
    body = await (await client.get(WEEK_2014_10)).read()
    assert games(body) == games(scorestrip_capture("2014-REG-10-before-kickoff.xml"))


async def test_live_feed_in_the_second_quarter_has_the_real_live_shape(
    aiohttp_client: MakeClient,
) -> None:
    """In the Thursday game's 2nd quarter, ss.xml matches the real live capture: the game in
    play carries k, p and rz, every other game is pregame with "0" scores and no k or p."""
    client = await live_client(aiohttp_client, week(2014, "REG", 10))
    await set_minute(client, 60)
    replayed = games(await (await client.get(LIVE_PATH)).read())
    captured = games(scorestrip_capture("2014-REG-10-live-in-progress.xml"))
    thursday = "2014110600"
    assert replayed.keys() == captured.keys()
    assert replayed[thursday].keys() == captured[thursday].keys()
    assert replayed[thursday]["q"] == captured[thursday]["q"] == "2"
    for eid in captured.keys() - {thursday}:
        assert replayed[eid] == captured[eid]


async def test_hall_of_fame_game_live_feed_matches_the_capture(
    aiohttp_client: MakeClient,
) -> None:
    """The day before the 2014 Hall of Fame game, ss.xml has the captured header and game."""
    client = await live_client(aiohttp_client, week(2014, "PRE", 0))
    await set_minute(client, -24 * 60)
    body = await (await client.get(LIVE_PATH)).read()
    capture = scorestrip_capture("2014-PRE-00-live-hof.xml")
    assert games(body) == games(capture)
    header = etree.fromstring(body).find("gms")
    captured_header = etree.fromstring(capture).find("gms")
    assert header is not None
    assert captured_header is not None
    assert attributes(header) == {
        k: v for k, v in attributes(captured_header).items() if k != "bph"
    }


async def test_2016_preseason_lists_the_captured_games_with_jax_and_la(client: Client) -> None:
    """2016 PRE week 1 lists the 16 captured games with the first JAX and LA codes."""
    body = await (await client.get("/ajax/scorestrip?season=2016&seasonType=PRE&week=1")).read()
    capture = games(scorestrip_capture("2016-PRE-01-live-ss.xml"))
    replayed = games(body)
    assert replayed.keys() == capture.keys()
    for eid, attrs in capture.items():
        assert {k: replayed[eid][k] for k in IDENTITY} == {k: attrs[k] for k in IDENTITY}


@pytest.fixture
async def client(aiohttp_client: MakeClient) -> Client:
    """Return a client of a replay app with no live week and no faults."""
    return await aiohttp_client(create_replay_app(ReplayConfig()))


async def test_live_week_feed_and_live_feed_tell_the_same_moment(
    aiohttp_client: MakeClient,
) -> None:
    """While the live week runs, its week feed shows the same state as ss.xml, all attributes."""
    client = await live_client(aiohttp_client, week(2015, "REG", 12))
    await set_minute(client, 150)
    live = parse_scorestrip(await (await client.get(LIVE_PATH)).read(), fetched_at=FETCHED)
    ref = week(2015, "REG", 12)
    weekly = await (await client.get("/ajax/scorestrip?season=2015&seasonType=REG&week=12")).read()
    assert parse_scorestrip(weekly, fetched_at=FETCHED, ref=ref).games == live.games
    assert live.state == "live"
    in_play = [g for g in live.games if g.status == "in_progress"]
    assert in_play
    assert all(g.clock and g.possession in g.teams for g in in_play)


async def test_server_starts_a_few_virtual_minutes_before_the_first_kickoff(
    aiohttp_client: MakeClient,
) -> None:
    """By default the clock starts start_offset_min before the first kickoff and runs."""
    client = await live_client(aiohttp_client, week(2015, "REG", 12), start_offset_min=600)
    state = loads(await (await client.get("/_replay/clock")).read())
    assert -600 <= state["minute"] < 0
    assert (state["live"], state["frozen"], state["speed"]) == ("2015/REG/12", False, 60.0)
    assert state["first_kickoff"] == "2015-11-26T12:30:00-05:00"
    feed = parse_scorestrip(await (await client.get(LIVE_PATH)).read(), fetched_at=FETCHED)
    assert {g.status for g in feed.games} == {"scheduled"}
    assert {(g.home.score, g.away.score) for g in feed.games} == {(None, None)}


async def test_admin_clock_sets_and_freezes_the_virtual_time(aiohttp_client: MakeClient) -> None:
    """POST /_replay/clock puts the clock at a minute; frozen it stays, else it runs on."""
    client = await live_client(aiohttp_client, week(2015, "REG", 12))
    frozen = await set_minute(client, 4321.5)
    assert (frozen["minute"], frozen["frozen"]) == (4321.5, True)
    assert frozen["virtual_time"] == "2015-11-29T12:31:30-05:00"
    again = loads(await (await client.get("/_replay/clock")).read())
    assert again["minute"] == 4321.5
    running_clock = await set_minute(client, -3, freeze=False)
    assert running_clock["frozen"] is False
    later = loads(await (await client.get("/_replay/clock")).read())
    assert later["minute"] >= -3


@pytest.mark.parametrize("query", ["", "minute=soon", "minute=5&freeze=yes", "minute=1e400"])
async def test_admin_clock_rejects_a_malformed_minute(
    aiohttp_client: MakeClient, query: str
) -> None:
    """A missing or malformed minute (or freeze) is a 400 JSON error."""
    client = await live_client(aiohttp_client, week(2015, "REG", 12))
    response = await client.post(f"/_replay/clock?{query}")
    assert response.status == 400
    assert loads(await response.read())["error"]["code"] == "bad_request"


async def test_admin_clock_without_a_live_week_is_a_conflict(client: Client) -> None:
    """Without a live week there is no clock to set: 409; GET says live is null."""
    response = await client.post("/_replay/clock?minute=5")
    assert response.status == 409
    assert loads(await (await client.get("/_replay/clock")).read()) == {"live": None}


async def test_admin_clock_refuses_peers_off_loopback() -> None:
    """A clock request from another host gets 403 and leaves the clock alone."""
    app = create_replay_app(ReplayConfig(live=week(2015, "REG", 12)))
    request = make_mocked_request("POST", "/_replay/clock?minute=99&freeze=1", app=app)
    response = await set_clock(request.clone(remote="203.0.113.9"))
    assert response.status == 403
    local = await set_clock(request.clone(remote="127.0.0.1"))
    assert local.status == 200


@pytest.mark.parametrize(("switch", "status"), [("_fail=1", 503), ("_fail=502", 502)])
async def test_fail_switch_answers_5xx_for_that_request_only(
    client: Client, switch: str, status: int
) -> None:
    """`_fail` makes one request fail with a 5xx; the next one is served."""
    path = "/ajax/scorestrip?season=2015&seasonType=REG&week=3"
    assert (await client.get(f"{path}&{switch}")).status == status
    assert (await client.get(path)).status == 200


async def test_fail_rate_one_fails_every_feed_but_not_the_admin_clock(
    aiohttp_client: MakeClient,
) -> None:
    """With fail_rate=1 both feeds answer 503; `_fail=0` and the admin endpoints still work."""
    client = await live_client(aiohttp_client, week(2015, "REG", 12), fail_rate=1)
    assert (await client.get(LIVE_PATH)).status == 503
    assert (await client.get(WEEK_2014_10)).status == 503
    assert (await client.get(f"{WEEK_2014_10}&_fail=0")).status == 200
    assert (await client.get("/_replay/clock")).status == 200


async def test_fault_rates_draw_the_same_faults_for_the_same_seed(
    aiohttp_client: MakeClient,
) -> None:
    """Two replays with one seed fail the same requests of a run; the rate is honoured."""
    runs = []
    for _ in range(2):
        client = await aiohttp_client(create_replay_app(ReplayConfig(seed=11, fail_rate=0.5)))
        runs.append([(await client.get(WEEK_2014_10)).status for _ in range(40)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}


@pytest.mark.parametrize("options", [{"truncate_rate": 1.0}, {}])
async def test_truncated_body_breaks_off_mid_document(
    aiohttp_client: MakeClient, options: dict[str, float]
) -> None:
    """A cut body announces its full length, sends part of it and drops the connection."""
    client = await aiohttp_client(create_replay_app(ReplayConfig(**options)))  # type: ignore[arg-type]
    query = "" if options else "&_truncate=1"
    response = await client.get(f"/ajax/scorestrip?season=2015&seasonType=REG&week=3{query}")
    assert response.status == 200
    assert int(response.headers["Content-Length"]) == len(scorestrip_capture("2015-REG-03.xml"))
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()
    whole = await client.get("/ajax/scorestrip?season=2015&seasonType=REG&week=3&_truncate=0")
    assert await whole.read() == scorestrip_capture("2015-REG-03.xml")


@pytest.mark.parametrize(
    ("options", "query"), [({}, "&_latency_ms=100"), ({"latency_ms": 100.0}, "")]
)
async def test_latency_holds_the_answer_back(
    aiohttp_client: MakeClient, options: dict[str, float], query: str
) -> None:
    """Latency, per request or config-wide, delays the answer by at least that long."""
    client = await aiohttp_client(create_replay_app(ReplayConfig(**options)))  # type: ignore[arg-type]
    started = time.monotonic()
    response = await client.get(f"/ajax/scorestrip?season=2015&seasonType=REG&week=3{query}")
    assert await response.read() == scorestrip_capture("2015-REG-03.xml")
    assert time.monotonic() - started >= 0.1


@pytest.mark.parametrize(
    "options",
    [{"speed": 0}, {"speed": -1}, {"fail_rate": 1.5}, {"truncate_rate": -0.1}, {"latency_ms": -5}],
)
def test_config_rejects_impossible_values(options: dict[str, float]) -> None:
    """ReplayConfig refuses a speed of zero or less, rates outside 0-1 and negative latency."""
    with pytest.raises(ValueError, match="must be"):
        ReplayConfig(**options)  # type: ignore[arg-type]


def fetch(url: str, *, method: str = "GET") -> bytes:
    """Return the body of a plain HTTP request."""
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
        body: bytes = r.read()
        return body


@pytest.mark.slow
def test_cli_serves_the_replay_as_a_real_process() -> None:
    """`nflscores upstream --live 2015/REG/3` serves both feeds and the admin clock."""
    port = free_port()
    argv = nflscores_command("upstream", "--port", str(port), "--live", "2015/REG/3", "--seed", "4")
    with running(argv, port=port):
        base = f"http://127.0.0.1:{port}"
        weekly = fetch(f"{base}/ajax/scorestrip?season=2015&seasonType=REG&week=1")
        assert games(weekly) == games(scorestrip_capture("2015-REG-01.xml"))
        fetch(f"{base}/_replay/clock?minute=100000&freeze=1", method="POST")
        live = parse_scorestrip(fetch(f"{base}{LIVE_PATH}"), fetched_at=FETCHED)
        assert (live.season, live.week) == (2015, 3)
        assert games(fetch(f"{base}{LIVE_PATH}")) == {
            eid: {k: v for k, v in attrs.items() if k not in {"k", "p"}} | {"rz": "0"}
            for eid, attrs in games(scorestrip_capture("2015-REG-03.xml")).items()
        }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--live", "2015/REG/30"], "2015 has no week REG 30"),
        (["--live", "yesterday"], "is not SEASON/TYPE/WEEK"),
        (["--speed", "0"], "speed must be above zero"),
    ],
)
def test_cli_refuses_bad_options_with_a_clear_message(args: list[str], message: str) -> None:
    """A week that does not exist or an impossible speed stops the command with exit 2."""
    result = subprocess.run(
        nflscores_command("upstream", "--port", str(free_port()), *args),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_cli_help_lists_the_upstream_command() -> None:
    """`nflscores --help` names the upstream subcommand."""
    result = subprocess.run(
        [sys.executable, "-m", "nflscores", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "upstream" in result.stdout


async def test_postseason_live_feed_serves_only_a_postseason_live_week(
    aiohttp_client: MakeClient,
) -> None:
    """postseason/ss.xml replays a POST live week and is empty while a REG week runs."""
    post = await live_client(aiohttp_client, week(2015, "POST", 22))
    await set_minute(post, 10_000)
    feed = parse_scorestrip(
        await (await post.get("/liveupdate/scorestrip/postseason/ss.xml")).read(),
        fetched_at=FETCHED,
    )
    assert (feed.slug, [(g.home.score, g.away.score) for g in feed.games]) == (
        "superbowl",
        [(24, 10)],
    )
    regular = await live_client(aiohttp_client, week(2015, "REG", 12))
    body = await (await regular.get("/liveupdate/scorestrip/postseason/ss.xml")).read()
    assert etree.fromstring(body).find("gms") is None


async def test_live_week_without_games_names_itself_in_an_empty_header(
    aiohttp_client: MakeClient,
) -> None:
    """Replaying a week with no games (the 2015 Pro Bowl) sends its header and no games."""
    client = await live_client(aiohttp_client, week(2015, "POST", 21))
    feed = parse_scorestrip(await (await client.get(LIVE_PATH)).read(), fetched_at=FETCHED)
    assert (feed.season, feed.slug, feed.games) == (2015, "probowl", ())
