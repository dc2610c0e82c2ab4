"""Send N requests for one URL at the same moment and report each one's status and latency.

`python -m bench.loadgen.cold_client --url URL -n 200` prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from collections import Counter

import aiohttp
import orjson


async def one(session: aiohttp.ClientSession, url: str, start: asyncio.Event) -> tuple[str, float]:
    """Wait for the start signal, then time one request."""
    await start.wait()
    started = time.perf_counter()
    try:
        async with session.get(url) as response:
            await response.read()
            status = str(response.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        status = type(exc).__name__
    return status, time.perf_counter() - started


async def main(url: str, n: int, limit_s: float) -> None:
    """Open the connections, release every request at once, print the figures."""
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    client_timeout = aiohttp.ClientTimeout(total=limit_s)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        start = asyncio.Event()
        tasks = [asyncio.create_task(one(session, url, start)) for _ in range(n)]
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        start.set()
        done = await asyncio.gather(*tasks)
        wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        orjson.dumps(
            {
                "statuses": Counter(status for status, _ in done),
                "latencies": sorted(latency for _, latency in done),
                "wall_s": wall,
                "cpu_s": usage.ru_utime + usage.ru_stime,
            }
        ).decode()
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("-n", type=int, required=True)
    parser.add_argument("--limit", type=float, default=30.0, help="seconds per request")
    args = parser.parse_args()
    asyncio.run(main(args.url, args.n, args.limit))
