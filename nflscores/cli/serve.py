"""`nflscores serve`: the API in one process, on uvloop."""

from __future__ import annotations

import argparse

import uvloop
from aiohttp import web

from nflscores.settings import Settings
from nflscores.web.app import create_app


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare --host and --port (default: NFLSCORES_HOST, NFLSCORES_PORT)."""
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until interrupted."""
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"nflscores API on http://{host}:{port}/api/ (upstream {settings.upstream_url})")
    web.run_app(
        create_app(settings),
        host=host,
        port=port,
        loop=uvloop.new_event_loop(),
        print=None,
        access_log=None,
    )
    return 0
