"""`nflscores demo`: the whole service in ONE process, on the embedded store.

The replay upstream replays a real week as if live, on a loopback port of its own; the API,
the live stream, the page and the poller run beside it on the in-process store, with the
poller's intervals short enough for scores to move within a minute.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
import sys
from typing import Final

import uvloop
from aiohttp import web

from nflscores.cli.signals import stop_event
from nflscores.cli.upstream import DEFAULT_LIVE, parse_live
from nflscores.domain.weeks import WeekRef
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.settings import SOURCES, Settings
from nflscores.web.app import create_app

#: The poller keeps up with the replay's default pace (60 virtual minutes a minute).
DEMO_POLL_LIVE_S: Final = 1.0
DEMO_POLL_IDLE_S: Final = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare where to listen and which week to replay."""
    parser.add_argument("--host", help="address to listen on (default NFLSCORES_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default NFLSCORES_PORT)")
    parser.add_argument(
        "--live",
        type=parse_live,
        default=DEFAULT_LIVE,
        metavar="WEEK",
        help=f"week to replay as live (default {DEFAULT_LIVE})",
    )
    parser.add_argument(
        "--source",
        choices=tuple(SOURCES),
        help="the format the service reads from the replay (default NFLSCORES_SOURCE)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=ReplayConfig().speed,
        help="virtual minutes per real minute (default %(default)s)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the demo until interrupted."""
    live: WeekRef | None = args.live
    if live is None:
        print("nflscores demo: --live must name a week to replay", file=sys.stderr)
        return 2
    try:
        replay = ReplayConfig(live=live, speed=args.speed)
    except ValueError as exc:
        print(f"nflscores demo: {exc}", file=sys.stderr)
        return 2
    if args.source:
        settings = dataclasses.replace(settings, source=args.source)
    host = args.host or settings.host
    port = args.port or settings.port
    try:
        uvloop.run(_demo(settings, replay, host=host, port=port))
    except OSError as exc:
        print(f"nflscores demo: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _demo(settings: Settings, replay: ReplayConfig, *, host: str, port: int) -> None:
    stop = stop_event()
    upstream_sock = socket.socket()
    upstream_sock.bind(("127.0.0.1", 0))
    upstream_port = upstream_sock.getsockname()[1]
    upstream = web.AppRunner(create_replay_app(replay), access_log=None)
    await upstream.setup()
    api: web.AppRunner | None = None
    try:
        await web.SockSite(upstream, upstream_sock).start()
        demo_settings = dataclasses.replace(
            settings,
            upstream_url=f"http://127.0.0.1:{upstream_port}",
            redis_url=None,
            poll_live_interval_s=DEMO_POLL_LIVE_S,
            poll_idle_interval_s=DEMO_POLL_IDLE_S,
        )
        api = web.AppRunner(create_app(demo_settings), access_log=None, shutdown_timeout=5)
        await api.setup()
        await web.TCPSite(api, host, port).start()
        print(
            f"nflscores demo: open http://{host}:{port}/ to watch {replay.live} replayed live "
            f"at {replay.speed:g}x, read as {settings.source} (the API is at "
            f"http://{host}:{port}/api/). Ctrl-C stops.",
            flush=True,
        )
        await stop.wait()
    finally:
        if api is not None:
            await api.cleanup()
        await upstream.cleanup()
