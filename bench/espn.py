"""Benchmark 5, ESPN costs: parsing a 150-400 KB scoreboard, and the CPU of one live poll.

The document is the replay's ESPN scoreboard of 2015 week 12 (the service's own generator, no
capture), grown to ESPN's real sizes with the kind of ballast real responses carry and the
parser skips (odds, leaders, broadcasts, headlines, links). Scorestrip's XML of the same week
is parsed beside it. A poll is what the poller does each time in a live week: one GET of the
feed from a local upstream process, the parse, the diff against the copy published before;
its CPU is this process's CPU time (the upstream's is not counted), median of many polls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

from bench.context import DATA, Context
from bench.procs import PYTHON, launch
from bench.report import Section
from bench.stats import verdict
from devtools.procs import free_port
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef, parse_season, parse_week
from nflscores.live.diff import diff_weeks
from nflscores.sources.scorestrip import parse_scorestrip

#: Sizes of ESPN's week scoreboards seen in the captures (ESPN.md).
SIZES_KB = (150, 250, 400)
POLL_CPU_TARGET_S = 0.005
Parser = Callable[..., Week]


def espn_parser() -> Parser | None:
    """Return the ESPN scoreboard parser when this checkout has one."""
    for module, name in (
        ("nflscores.sources.espn", "parse_scoreboard"),
        ("nflscores.sources.espn_parser", "parse_scoreboard"),
    ):
        try:
            found: Parser = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        return found
    return None


def week_ref() -> WeekRef:
    """Return the week both documents describe."""
    return parse_week(parse_season("2015"), "12")


def ballast(index: int, scale: int) -> dict[str, Any]:
    """Return what a real ESPN event carries beside the fields the parser reads."""
    link = {"href": f"https://www.example.invalid/nfl/game/_/gameId/{index}", "text": "Game"}
    athlete = {
        "id": str(index),
        "fullName": "A Player",
        "displayName": "A Player",
        "headshot": f"https://a.example.invalid/i/headshots/nfl/players/full/{index}.png",
        "links": [link] * 3,
        "position": {"abbreviation": "QB"},
    }
    return {
        "leaders": [
            {
                "name": name,
                "displayName": name.title(),
                "leaders": [{"displayValue": "20/30, 250 YDS", "value": 250.0, "athlete": athlete}]
                * scale,
            }
            for name in ("passingYards", "rushingYards", "receivingYards")
        ],
        "odds": [{"provider": {"name": "Book"}, "details": "NE -3.5", "overUnder": 47.5}] * scale,
        "broadcasts": [{"market": "national", "names": ["CBS"]}],
        "headlines": [{"description": "A long game recap " * 20, "shortLinkText": "Recap"}],
        "links": [link] * (4 * scale),
    }


def big_scoreboard(target_kb: int) -> bytes:
    """Return the replay's ESPN week grown with ballast to about target_kb kilobytes."""
    from nflscores.replay.espn import final_week_scoreboard  # noqa: PLC0415

    base: dict[str, Any] = orjson.loads(final_week_scoreboard(week_ref(), 1))
    scale = 1
    while True:
        grown = orjson.loads(orjson.dumps(base))
        for index, event in enumerate(grown["events"]):
            event["competitions"][0].update(ballast(index, scale))
        body = orjson.dumps(grown)
        if len(body) >= target_kb * 1000 or scale > 200:
            return body
        scale += max(1, int(scale * (target_kb * 1000 / len(body) - 1)))


def cpu_per_call(call: Callable[[], object], *, seconds: float) -> tuple[float, int]:
    """Return the median CPU seconds of one call over batches lasting about `seconds`."""
    call()
    samples: list[float] = []
    began = time.monotonic()
    while time.monotonic() - began < seconds or len(samples) < 5:
        start = time.process_time()
        for _ in range(5):
            call()
        samples.append((time.process_time() - start) / 5)
    return statistics.median(samples), len(samples) * 5


async def poll_cpu(url: str, parse: Callable[[bytes], Week], polls: int) -> float:
    """Return the median CPU seconds of one poll: GET from the upstream, parse, diff."""
    samples: list[float] = []
    async with aiohttp.ClientSession() as session:
        published: Week | None = None
        for _ in range(polls):
            start = time.process_time()
            async with session.get(url) as response:
                raw = await response.read()
            week = parse(raw)
            diff_weeks(published, week)
            published = week
            samples.append(time.process_time() - start)
    return statistics.median(samples)


@contextlib.contextmanager
def file_upstream(ctx: Context, files: dict[str, bytes]) -> Iterator[str]:
    """Serve the files from a process of their own (python -m http.server); yield its URL."""
    root = ctx.out / "espn" / "upstream"
    root.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (root / name).write_bytes(body)
    port = free_port()
    # HTTP/1.1, so the poll's connection is kept alive, as the poller's session keeps its
    # connection to ESPN: a poll is a request, not a connect.
    argv = [PYTHON, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(root)]
    argv += ["--protocol", "HTTP/1.1", str(port)]
    ctx.record("ESPN costs: upstream serving the documents", argv)
    with launch("espn-upstream", argv, port=port, log=ctx.out / "espn" / "upstream.log"):
        yield f"http://127.0.0.1:{port}"


def run(ctx: Context) -> Section:
    """Measure the parse and the poll for both sources; return the report section."""
    section = Section("5. ESPN costs: parse and live poll, against scorestrip")
    if espn_parser() is None:
        section.text(
            "Not available: this checkout has no ESPN parser (nflscores.sources.espn), so "
            "there is nothing to measure yet."
        )
        ctx.summary.append(["a live ESPN poll costs under 5 ms of CPU", "-", "n/a (no parser)"])
        return section
    files = {
        "ss.xml": (DATA / "2015-REG-12.xml").read_bytes(),
        **{f"espn-{size}.json": big_scoreboard(size) for size in SIZES_KB},
    }
    with file_upstream(ctx, files) as url:
        # In a process of its own, as the poller is: this one holds every earlier
        # benchmark's figures, and collecting a heap that size would be charged to the poll.
        argv = [PYTHON, "-m", "bench.espn", "--url", url]
        if ctx.plan.name == "quick":
            argv.append("--quick")
        ctx.record("ESPN costs: the measuring process", [*argv[:3], "--url", "<upstream>"])
        done = subprocess.run(argv, capture_output=True, check=True, timeout=600)
        rows: list[list[object]] = orjson.loads(done.stdout)
    worst_poll = max(float(str(row[2]).split()[0]) for row in rows[1:]) / 1000
    section.text(__doc__.split("\n\n", 1)[1].replace("\n", " ") if __doc__ else "")
    section.table(
        ["document", "parse CPU (median)", "poll CPU (median)", "poll against scorestrip"],
        rows,
    )
    verdict_text = verdict(worst_poll * 1000, at_most=POLL_CPU_TARGET_S * 1000)
    section.text(
        f"Target: a live poll of ESPN costs under 5 ms of CPU on this machine: the largest "
        f"document's poll takes {worst_poll * 1000:.2f} ms, {verdict_text}."
    )
    ctx.summary.append(
        ["a live ESPN poll (400 KB) costs under 5 ms of CPU", f"{worst_poll * 1000:.2f} ms",
         verdict_text]
    )  # fmt: skip
    return section


def measure(url: str, *, quick: bool) -> list[list[object]]:
    """Return the table's rows: each document's parse and poll CPU, from the upstream at url."""
    espn_parse = espn_parser()
    assert espn_parse is not None, "run() checks for the parser first"
    ref = week_ref()
    fetched = datetime(2015, 12, 1, tzinfo=UTC)
    xml = (DATA / "2015-REG-12.xml").read_bytes()

    def scorestrip(raw: bytes) -> Week:
        return parse_scorestrip(raw, fetched_at=fetched, ref=ref)

    def espn(raw: bytes) -> Week:
        return espn_parse(raw, fetched_at=fetched, ref=ref)

    seconds = 0.5 if quick else 3.0
    polls = 10 if quick else 100
    rows: list[list[object]] = []
    scorestrip_parse, _ = cpu_per_call(lambda: scorestrip(xml), seconds=seconds)
    scorestrip_poll = asyncio.run(poll_cpu(f"{url}/ss.xml", scorestrip, polls))
    rows.append(
        [
            f"scorestrip XML ({len(xml) / 1000:.1f} KB)",
            f"{scorestrip_parse * 1000:.3f} ms",
            f"{scorestrip_poll * 1000:.2f} ms",
            "1.00x",
        ]
    )
    for size in SIZES_KB:
        body = big_scoreboard(size)
        games = len(espn(body).games)
        parse_s, _ = cpu_per_call(lambda body=body: espn(body), seconds=seconds)  # type: ignore[misc]
        poll_s = asyncio.run(poll_cpu(f"{url}/espn-{size}.json", espn, polls))
        rows.append(
            [
                f"ESPN JSON ({len(body) / 1000:.0f} KB, {games} games)",
                f"{parse_s * 1000:.3f} ms",
                f"{poll_s * 1000:.2f} ms",
                f"{poll_s / scorestrip_poll:.1f}x",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Measure from the upstream at --url and print the rows as JSON (run() reads them)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(orjson.dumps(measure(args.url, quick=args.quick)).decode())


if __name__ == "__main__":
    main()
