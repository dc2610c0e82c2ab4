"""The live page in real Chromium in ESPN mode: ESPN's week, its situation and line scores."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from nflscores.settings import Settings
from nflscores.web.app import create_app
from tests.browser import PHONE, browser
from tests.espn_support import scoreboard
from tests.espn_upstream import EspnUpstream
from tests.support import MakeClient, MakeServer

__all__ = ["browser"]
pytestmark = pytest.mark.slow


async def test_page_follows_espns_live_week(
    browser: Browser, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> None:
    """In ESPN mode the page shows the week, down and distance, line scores, and a score change."""
    espn = EspnUpstream(live_body=scoreboard())
    upstream = await aiohttp_server(espn.app())
    settings = Settings(
        source="espn",
        upstream_url=str(upstream.make_url("")).rstrip("/"),
        poll_live_interval_s=0.05,
        poll_idle_interval_s=0.05,
    )
    client = await aiohttp_client(create_app(settings))
    page = await browser.new_page(viewport=PHONE)
    await page.goto(str(client.make_url("/")))

    await expect(page.locator("#week-title")).to_have_text("2022 week 5")
    await expect(page.locator(".card")).to_have_count(13)
    red_zone = page.locator('[data-game="espn-401990005"]')
    await expect(red_zone).to_have_class(re.compile(r"\bred-zone\b"))
    await expect(red_zone.locator(".situation")).to_have_text("2nd & Goal at MIN 4")
    await expect(red_zone.locator('.team[data-side="away"]')).to_have_class(re.compile("has-ball"))
    await expect(red_zone.locator('.linescore tr[data-side="home"]')).to_have_text(
        re.compile(r"MIN\s*7\s*14\s*0")
    )

    atlanta = page.locator('[data-game="espn-401990003"] .team[data-side="home"] .score')
    await expect(atlanta).to_have_text("26")
    espn.live_body = scoreboard(atl=33)
    await expect(atlanta).to_have_text("33")
