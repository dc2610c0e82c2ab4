"""The upstream HTTP client: one aiohttp session per process, bounded, retried, timed out.

It knows no format: it returns bodies. It is a polite client of a public API: it names the
service in its User-Agent, backs off on 429 and 5xx honouring `Retry-After` (and asks nothing
more until then), sends conditional requests when the upstream gave validators, and refuses
bodies over a cap. Every failure leaves as an UpstreamError subclass; no aiohttp exception
reaches a caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

import aiohttp

from nflscores import __version__, metrics
from nflscores.backoff import Backoff
from nflscores.domain.clock import SYSTEM_CLOCK, Clock
from nflscores.domain.errors import (
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from nflscores.settings import Settings

log = logging.getLogger(__name__)

USER_AGENT: Final = f"nflscores/{__version__} (+https://github.com/nflscores/nflscores)"
#: Waits between attempts of one fetch.
RETRY_BACKOFF: Final = Backoff(base_s=0.1, cap_s=2.0)
#: The longest `Retry-After` a request waits out; a longer one fails at once until it passes.
RETRY_AFTER_WAIT_MAX_S: Final = 2.0
#: The longest `Retry-After` believed: an upstream asking for more is asked again after this.
RETRY_AFTER_MAX_S: Final = 300.0
#: How many URLs' validators (and bodies, for a 304) are kept for conditional requests: the
#: live scoreboard matters most; 16 ESPN weeks are a few MB.
VALIDATED_URLS: Final = 16


class _Retryable(Exception):
    """One attempt failed in a way another attempt may fix."""

    def __init__(self, error: UpstreamError, *, retry_after_s: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class _Validated:
    """A body and the validators the upstream sent with it."""

    body: bytes
    etag: str | None
    last_modified: str | None


def retry_after_seconds(value: str | None, *, at: datetime | None = None) -> float | None:
    """Return how long a `Retry-After` header (seconds or an HTTP date) asks to wait."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text), RETRY_AFTER_MAX_S)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    wait = (when - (at or datetime.now(UTC))).total_seconds()
    return min(max(0.0, wait), RETRY_AFTER_MAX_S)


class UpstreamClient:
    """Fetch bodies from one configured base URL."""

    def __init__(
        self, session: aiohttp.ClientSession, settings: Settings, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._session = session
        self._clock = clock
        self._base_url = settings.upstream_url.rstrip("/")
        self._retries = settings.upstream_retries
        self._max_bytes = settings.upstream_max_bytes
        self._limit = asyncio.Semaphore(settings.upstream_concurrency)
        self._validated: OrderedDict[str, _Validated] = OrderedDict()
        #: time.monotonic() before which the upstream asked (Retry-After) not to be asked.
        self._quiet_until = 0.0
        self._queue_timeout_s = settings.upstream_queue_timeout_s

    @property
    def max_bytes(self) -> int:
        """Return the largest body this client accepts."""
        return self._max_bytes

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        accept: str = "application/xml, text/xml",
        clock: Clock = SYSTEM_CLOCK,
    ) -> AsyncIterator[UpstreamClient]:
        """Yield a client on a session of its own, closed on exit."""
        timeout = aiohttp.ClientTimeout(
            total=settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s
        )
        connector = aiohttp.TCPConnector(limit=settings.upstream_concurrency)
        async with aiohttp.ClientSession(
            timeout=timeout,
            connector=connector,
            headers={"User-Agent": USER_AGENT, "Accept": accept},
            raise_for_status=False,
        ) as session:
            yield cls(session, settings, clock=clock)

    def now(self) -> datetime:
        """Return the time a copy fetched now is stamped with: UTC, whole seconds."""
        return self._clock.now().replace(microsecond=0)

    async def fetch(self, path: str, params: Mapping[str, str] | None = None) -> bytes:
        """Return the body at path, retrying resets, cut bodies and 5xx with jittered backoff.

        Each attempt first waits for one of the concurrent request slots, for at most
        `upstream_queue_timeout_s`, then has `upstream_timeout_s` to complete.
        """
        attempt = 0
        while True:
            await self._wait_out_retry_after(path)
            try:
                async with self._slot():
                    return await self._attempt(path, params)
            except _Retryable as failure:
                if failure.retry_after_s is not None:
                    self._quiet_until = time.monotonic() + failure.retry_after_s
                if attempt >= self._retries:
                    raise failure.error from None
                attempt += 1
                delay = RETRY_BACKOFF.delay(attempt)
                if failure.retry_after_s is None:
                    log.warning("upstream %s failed (%s); retry in %.2fs", path, failure, delay)
                else:
                    log.warning("upstream %s failed (%s); asked to wait", path, failure)
                await asyncio.sleep(delay)

    async def _wait_out_retry_after(self, path: str) -> None:
        wait = self._quiet_until - time.monotonic()
        if wait <= 0:
            return
        if wait > RETRY_AFTER_WAIT_MAX_S:
            metrics.UPSTREAM_REQUESTS.labels(outcome="held_back").inc()
            raise UpstreamUnavailable(
                f"the upstream asked not to be asked again for {wait:.0f}s (Retry-After)"
            )
        log.info("waiting %.1fs before asking for %s, as the upstream asked", wait, path)
        await asyncio.sleep(wait)

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Hold one of the concurrent upstream requests; raise UpstreamTimeout if none frees."""
        try:
            async with asyncio.timeout(self._queue_timeout_s):
                await self._limit.acquire()
        except TimeoutError:
            metrics.UPSTREAM_REQUESTS.labels(outcome="queue_timeout").inc()
            raise UpstreamTimeout(
                f"no upstream request slot freed within {self._queue_timeout_s:g}s"
            ) from None
        try:
            yield
        finally:
            self._limit.release()

    async def _attempt(self, path: str, params: Mapping[str, str] | None) -> bytes:
        started = time.perf_counter()
        outcome = "ok"
        url = self._base_url + path
        key = url + "?" + "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
        known = self._validated.get(key)
        try:
            async with self._session.get(
                url, params=params, headers=_conditional_headers(known)
            ) as response:
                if response.status == 304 and known is not None:
                    outcome = "not_modified"
                    self._validated.move_to_end(key)
                    return known.body
                if response.status == 429 or response.status >= 500:
                    outcome = "http_429" if response.status == 429 else "http_5xx"
                    raise _Retryable(
                        UpstreamUnavailable(f"the upstream answered {response.status}"),
                        retry_after_s=retry_after_seconds(
                            response.headers.get("Retry-After"), at=self._clock.now()
                        ),
                    )
                if response.status != 200:
                    outcome = "http_4xx"
                    raise UpstreamBadResponse(f"the upstream answered {response.status}")
                body = await self._read(response)
                self._remember(key, body, response.headers)
                return body
        except TimeoutError:
            outcome = "timeout"
            raise UpstreamTimeout("the upstream did not answer in time") from None
        except aiohttp.ClientPayloadError as exc:
            # A body cut short (a reset mid-way) is a failed attempt of an idempotent GET,
            # like a refused connection: worth another try.
            outcome = "bad_body"
            raise _Retryable(
                UpstreamBadResponse(f"the upstream sent a broken body: {exc}")
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            outcome = "unreachable"
            raise _Retryable(UpstreamUnavailable(f"the upstream is unreachable: {exc}")) from None
        except UpstreamBadResponse:
            outcome = "bad_body" if outcome == "ok" else outcome
            raise
        finally:
            metrics.UPSTREAM_REQUESTS.labels(outcome=outcome).inc()
            metrics.UPSTREAM_SECONDS.observe(time.perf_counter() - started)

    def _remember(self, key: str, body: bytes, headers: Mapping[str, str]) -> None:
        etag, last_modified = headers.get("ETag"), headers.get("Last-Modified")
        if etag is None and last_modified is None:
            self._validated.pop(key, None)
            return
        self._validated[key] = _Validated(body, etag, last_modified)
        self._validated.move_to_end(key)
        while len(self._validated) > VALIDATED_URLS:
            self._validated.popitem(last=False)

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


def _conditional_headers(known: _Validated | None) -> dict[str, str]:
    if known is None:
        return {}
    headers = {}
    if known.etag is not None:
        headers["If-None-Match"] = known.etag
    if known.last_modified is not None:
        headers["If-Modified-Since"] = known.last_modified
    return headers
