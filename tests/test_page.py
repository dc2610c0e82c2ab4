"""The live page in a real headless Chromium: it renders the week and follows the upstream."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from nflscores.settings import Settings
from nflscores.web.app import create_app
from tests.browser import PHONE, browser
from tests.live_support import IN_PLAY_GAME, LiveFeedServer, live_xml
from tests.support import ARTIFACTS, MakeClient, MakeServer, free_port

__all__ = ["browser"]
pytestmark = pytest.mark.slow


async def embedded_settings(feed: LiveFeedServer, aiohttp_server: MakeServer) -> Settings:
    """Start the scripted feed and return settings that poll it quickly, without Redis."""
    upstream = await aiohttp_server(feed.app())
    return Settings(
        upstream_url=str(upstream.make_url("")).rstrip("/"),
        poll_live_interval_s=0.05,
        poll_idle_interval_s=0.05,
    )


async def test_page_shows_the_live_week_and_a_score_change(
    browser: Browser, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> None:
    """The page renders the week, marks the game in play, and updates in place on a change."""
    feed = LiveFeedServer()
    settings = await embedded_settings(feed, aiohttp_server)
    client = await aiohttp_client(create_app(settings))
    page = await browser.new_page(viewport=PHONE)
    await page.goto(str(client.make_url("/")))

    card = page.locator(f'[data-game="{IN_PLAY_GAME}"]')
    home_score = card.locator('.team[data-side="home"] .score')
    await expect(home_score).to_have_text("3")
    await expect(card).to_have_class(re.compile(r"\bin-play\b"))
    await expect(card.locator(".status")).to_have_text("2nd 01:03")
    await expect(card.locator('.team[data-side="home"]')).to_have_class(re.compile(r"has-ball"))
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    await expect(page.locator("#week-title")).to_have_text("2014 week 10")
    await expect(page.locator(".card")).to_have_count(13)
    await card.evaluate("element => { element.keptAcrossUpdates = true; }")

    feed.body = live_xml(cin=10, clock="00:31")
    await expect(home_score).to_have_text("10")
    await expect(card.locator(".status")).to_have_text("2nd 00:31")
    # Updated in place: the same element, not a re-rendered page.
    assert await card.evaluate("element => element.keptAcrossUpdates === true")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "live-page.png", full_page=True)


async def test_page_reconnects_by_itself_after_a_server_restart(
    browser: Browser, aiohttp_server: MakeServer
) -> None:
    """When the server restarts, the page reconnects on its own and shows what changed meanwhile."""
    feed = LiveFeedServer()
    settings = await embedded_settings(feed, aiohttp_server)
    port = free_port()
    first = TestServer(create_app(settings), port=port)
    await first.start_server()
    page = await browser.new_page(viewport=PHONE)
    try:
        await page.goto(str(first.make_url("/")))
        home_score = page.locator(f'[data-game="{IN_PLAY_GAME}"] .team[data-side="home"] .score')
        await expect(home_score).to_have_text("3")
    finally:
        await first.close()  # ends the page's stream with a reconnect hint
    feed.body = live_xml(cin=10)
    second = TestServer(create_app(settings), port=port)
    await second.start_server()
    try:
        await expect(home_score).to_have_text("10", timeout=15_000)
        await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    finally:
        await second.close()
