"""`nflscores poll`: run the poller until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import uvloop

from nflscores.cache.entries import WeekCache
from nflscores.cli.signals import stop_event
from nflscores.live import tasks
from nflscores.live.poller import Poller
from nflscores.settings import Settings
from nflscores.sources.base import open_source
from nflscores.store import keys, open_backend

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare --lease-ttl."""
    parser.add_argument(
        "--lease-ttl",
        type=float,
        default=float(keys.POLLER_LEASE_TTL_S),
        metavar="SECONDS",
        help="how long the lease outlives a poller that died (default %(default)s)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Poll until SIGTERM or SIGINT; needs Redis (without it, `serve` polls in-process)."""
    if settings.redis_url is None:
        print(
            "nflscores poll: NFLSCORES_REDIS_URL is not set. Without Redis, `nflscores serve`"
            " polls in its own process; a separate poller needs Redis to publish to.",
            file=sys.stderr,
        )
        return 2
    if args.lease_ttl <= 0:
        print("nflscores poll: --lease-ttl must be above zero", file=sys.stderr)
        return 2
    return uvloop.run(_poll_until_stopped(settings, lease_ttl_s=args.lease_ttl))


async def _poll_until_stopped(settings: Settings, *, lease_ttl_s: float) -> int:
    stop = stop_event()
    backend = open_backend(settings)
    try:
        async with open_source(settings) as upstream:
            poller = Poller(
                backend=backend,
                feed=upstream,
                cache=WeekCache(backend, settings),
                settings=settings,
                lease_ttl_s=lease_ttl_s,
            )
            log.info("polling %s (%s) as %s", settings.upstream_url, settings.source, poller.token)
            polling = tasks.start(poller.run(), "poller")
            stopping = asyncio.create_task(stop.wait(), name="poller-stop")
            await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
            crashed = polling.done()  # run() only ever ends by failing
            await tasks.cancel_and_wait(stopping)
            await tasks.cancel_and_wait(polling)
    finally:
        await backend.aclose()
    return 1 if crashed else 0
