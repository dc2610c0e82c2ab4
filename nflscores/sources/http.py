"""The scorestrip client: one aiohttp session per process, bounded, retried, timed out.

Every failure leaves as an UpstreamError subclass; no aiohttp exception reaches a caller.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Final

import aiohttp

from nflscores import __version__, metrics
from nflscores.domain.errors import (
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef
from nflscores.settings import Settings
from nflscores.sources.scorestrip import parse_scorestrip

log = logging.getLogger(__name__)

USER_AGENT: Final = f"nflscores/{__version__} (+https://github.com/nflscores/nflscores)"
WEEK_PATH: Final = "/ajax/scorestrip"
LIVE_PATH: Final = "/liveupdate/scorestrip/ss.xml"
_BACKOFF_BASE_S: Final = 0.1
_BACKOFF_CAP_S: Final = 2.0


class _Retryable(Exception):
    """One attempt failed in a way another attempt may fix."""

    def __init__(self, error: UpstreamError) -> None:
        super().__init__(str(error))
        self.error = error


class UpstreamClient:
    """Fetch and parse scorestrip documents from one configured base URL."""

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self._session = session
        self._base_url = settings.upstream_url.rstrip("/")
        self._retries = settings.upstream_retries
        self._max_bytes = settings.upstream_max_bytes
        self._limit = asyncio.Semaphore(settings.upstream_concurrency)

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings) -> AsyncIterator[UpstreamClient]:
        """Yield a client on a session of its own, closed on exit."""
        timeout = aiohttp.ClientTimeout(
            total=settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s
        )
        connector = aiohttp.TCPConnector(limit=settings.upstream_concurrency)
        async with aiohttp.ClientSession(
            timeout=timeout,
            connector=connector,
            headers={"User-Agent": USER_AGENT, "Accept": "application/xml, text/xml"},
            raise_for_status=False,
        ) as session:
            yield cls(session, settings)

    async def fetch_week(self, ref: WeekRef) -> Week:
        """Return one week from the week feed."""
        params = {"season": str(ref.season), "seasonType": ref.season_type, "week": str(ref.week)}
        body = await self.fetch(WEEK_PATH, params)
        return parse_scorestrip(body, fetched_at=_now(), ref=ref, max_bytes=self._max_bytes)

    async def fetch_live(self) -> Week:
        """Return the current week from the live feed."""
        body = await self.fetch(LIVE_PATH)
        return parse_scorestrip(body, fetched_at=_now(), max_bytes=self._max_bytes)

    async def fetch(self, path: str, params: Mapping[str, str] | None = None) -> bytes:
        """Return the body at path, retrying connection errors and 5xx with jittered backoff."""
        attempt = 0
        while True:
            try:
                async with self._limit:
                    return await self._attempt(path, params)
            except _Retryable as failure:
                if attempt >= self._retries:
                    raise failure.error from None
                delay = random.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt))
                log.warning("upstream %s failed (%s); retry in %.2fs", path, failure, delay)
                attempt += 1
                await asyncio.sleep(delay)

    async def _attempt(self, path: str, params: Mapping[str, str] | None) -> bytes:
        started = time.perf_counter()
        outcome = "ok"
        try:
            async with self._session.get(self._base_url + path, params=params) as response:
                if response.status >= 500:
                    outcome = "http_5xx"
                    raise _Retryable(
                        UpstreamUnavailable(f"the upstream answered {response.status}")
                    )
                if response.status != 200:
                    outcome = "http_4xx"
                    raise UpstreamBadResponse(f"the upstream answered {response.status}")
                return await self._read(response)
        except TimeoutError:
            outcome = "timeout"
            raise UpstreamTimeout("the upstream did not answer in time") from None
        except aiohttp.ClientPayloadError as exc:
            outcome = "bad_body"
            raise UpstreamBadResponse(f"the upstream sent a broken body: {exc}") from None
        except (aiohttp.ClientError, OSError) as exc:
            outcome = "unreachable"
            raise _Retryable(UpstreamUnavailable(f"the upstream is unreachable: {exc}")) from None
        except UpstreamBadResponse:
            outcome = "bad_body" if outcome == "ok" else outcome
            raise
        finally:
            metrics.UPSTREAM_REQUESTS.labels(outcome=outcome).inc()
            metrics.UPSTREAM_SECONDS.observe(time.perf_counter() - started)

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        if response.content_length is not None and response.content_length > self._max_bytes:
            raise UpstreamBadResponse(
                f"the upstream body is {response.content_length} bytes, over {self._max_bytes}"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self._max_bytes:
                raise UpstreamBadResponse(f"the upstream body is over {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
