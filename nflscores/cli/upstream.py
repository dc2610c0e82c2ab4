"""`nflscores upstream`: serve the replay upstream (scorestrip feeds and ESPN's scoreboard)."""

from __future__ import annotations

import argparse
import logging
import re
import sys

from aiohttp import web

from nflscores.domain.errors import NflScoresError
from nflscores.domain.weeks import WeekRef, find_week, parse_season, parse_week
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_LIVE = "2015/REG/12"
_DEFAULTS = ReplayConfig()
_OFF = frozenset({"off", "none", ""})
_TYPED_RE = re.compile(r"([0-9]{4})/(PRE|REG|POST)/([0-9]{1,2})")
_SLUG_RE = re.compile(r"([0-9]{4})/([a-z0-9-]+)")


def parse_live(text: str) -> WeekRef | None:
    """Return the week `--live` names: SEASON/TYPE/WEEK (2015/REG/12), SEASON/SLUG or off."""
    if text.lower() in _OFF:
        return None
    typed = _TYPED_RE.fullmatch(text)
    if typed:
        season, season_type, week = typed.groups()
        ref = find_week(int(season), season_type, int(week))
        if ref is None:
            raise argparse.ArgumentTypeError(f"{season} has no week {season_type} {week}")
        return ref
    slugged = _SLUG_RE.fullmatch(text)
    if slugged:
        try:
            return parse_week(parse_season(slugged[1]), slugged[2])
        except NflScoresError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    raise argparse.ArgumentTypeError(
        f"{text!r} is not SEASON/TYPE/WEEK (2015/REG/12), SEASON/SLUG (2015/wildcard) or off"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the replay upstream's options."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on")
    parser.add_argument(
        "--live",
        type=parse_live,
        default=DEFAULT_LIVE,
        metavar="WEEK",
        help=f"week replayed live (ss.xml, bare ESPN scoreboard), or off (default {DEFAULT_LIVE})",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=_DEFAULTS.speed,
        help="virtual minutes per real minute (default %(default)s)",
    )
    parser.add_argument(
        "--start-offset",
        type=float,
        default=_DEFAULTS.start_offset_min,
        metavar="MIN",
        help="virtual minutes from start to the first kickoff (default %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=_DEFAULTS.seed, help="seed of the replayed game paths"
    )
    parser.add_argument(
        "--latency-ms", type=float, default=_DEFAULTS.latency_ms, help="delay every answer"
    )
    parser.add_argument(
        "--fail-rate",
        type=float,
        default=_DEFAULTS.fail_rate,
        help="share of feed requests answered 503",
    )
    parser.add_argument(
        "--truncate-rate",
        type=float,
        default=_DEFAULTS.truncate_rate,
        help="share of feed bodies cut short",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the replay upstream until interrupted."""
    live: WeekRef | None = args.live
    try:
        config = ReplayConfig(
            live=live,
            speed=args.speed,
            start_offset_min=args.start_offset,
            seed=args.seed,
            latency_ms=args.latency_ms,
            fail_rate=args.fail_rate,
            truncate_rate=args.truncate_rate,
        )
    except ValueError as exc:
        print(f"nflscores upstream: {exc}", file=sys.stderr)
        return 2
    log.info(
        "replay upstream on http://%s:%d, live week %s at %gx",
        args.host,
        args.port,
        live or "off",
        config.speed,
    )
    try:
        web.run_app(create_replay_app(config), host=args.host, port=args.port, print=None)
    except OSError as exc:
        print(
            f"nflscores upstream: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    return 0
