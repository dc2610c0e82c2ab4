"""The page as a browser: past weeks at their own address, my team, standings and clubs."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from nflscores.domain.weeks import WeekRef
from nflscores.replay.app import ReplayConfig, create_replay_app
from nflscores.settings import Settings
from nflscores.web.app import create_app
from tests.browser import PHONE, browser, collect_errors
from tests.support import ARTIFACTS, Client, MakeClient, MakeServer

__all__ = ["browser"]


pytestmark = pytest.mark.slow

#: The replay plays this week live; every other week is served as it ended.
LIVE = WeekRef(2015, "REG", 12, "12")


async def page_client(aiohttp_server: MakeServer, aiohttp_client: MakeClient) -> Client:
    """Start the replay upstream and the app on the in-process store in front of it."""
    upstream = await aiohttp_server(create_replay_app(ReplayConfig(live=LIVE)))
    settings = Settings(
        upstream_url=str(upstream.make_url("")).rstrip("/"),
        poll_live_interval_s=0.2,
        poll_idle_interval_s=0.2,
    )
    return await aiohttp_client(create_app(settings))


async def games_in(client: Client, season: int, slug: str) -> int:
    """Return how many games the API lists for a week."""
    response = await client.get(f"/api/{season}/{slug}")
    assert response.status == 200
    return len((await response.json())["games"])


async def test_a_past_week_has_an_address_and_history_works(
    browser: Browser, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> None:
    """`/?season=2015&week=11` shows that week's finals; the picker and back/forward move around."""
    client = await page_client(aiohttp_server, aiohttp_client)
    week_11, week_10 = await games_in(client, 2015, "11"), await games_in(client, 2015, "10")
    page = await browser.new_page(viewport=PHONE)
    errors = collect_errors(page)
    await page.goto(str(client.make_url("/?season=2015&week=11")))
    await expect(page.locator("#week-title")).to_have_text("2015 week 11")
    await expect(page.locator(".card.final")).to_have_count(week_11)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "paused")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "page-past-week.png", full_page=True)

    await expect(page.locator("#pick-week option")).not_to_have_count(0)
    await page.select_option("#pick-week", "10")
    await page.click("#picker button")
    await expect(page).to_have_url(re.compile(r"season=2015&week=10$"))
    await expect(page.locator("#week-title")).to_have_text("2015 week 10")
    await expect(page.locator(".card.final")).to_have_count(week_10)

    await page.go_back()
    await expect(page.locator("#week-title")).to_have_text("2015 week 11")
    await page.go_forward()
    await expect(page.locator("#week-title")).to_have_text("2015 week 10")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    assert errors == []


async def test_my_team_is_remembered_and_filters_the_live_stream(
    browser: Browser, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> None:
    """Choosing a team highlights its game; "only my team" narrows the live stream to it."""
    client = await page_client(aiohttp_server, aiohttp_client)
    everyone = await games_in(client, 2015, "12")
    page = await browser.new_page(viewport=PHONE)
    errors = collect_errors(page)
    await page.goto(str(client.make_url("/")))
    await expect(page.locator("#week-title")).to_have_text("2015 week 12")
    await expect(page.locator(".card")).to_have_count(everyone)

    await page.select_option("#pick-team", "NE")
    await expect(page.locator(".card.mine")).to_have_count(1)
    await page.check("#only-mine")
    await expect(page.locator(".card")).to_have_count(1)
    await expect(page.locator(".card .code", has_text="NE")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "page-my-team.png", full_page=True)

    await page.reload()
    await expect(page.locator("#pick-team")).to_have_value("NE")
    await expect(page.locator("#only-mine")).to_be_checked()
    await expect(page.locator(".card")).to_have_count(1)
    assert errors == []


async def test_standings_and_a_club_view(
    browser: Browser, aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> None:
    """The standings view shows division tables with seeds; a club opens its season and calendar."""
    client = await page_client(aiohttp_server, aiohttp_client)
    page = await browser.new_page(viewport=PHONE)
    errors = collect_errors(page)
    await page.goto(str(client.make_url("/?season=2014&view=standings")))
    await expect(page.locator("table.standings")).to_have_count(8, timeout=30_000)
    afc_east = page.locator("table.standings", has_text="AFC East")
    # 2014: New England won the AFC East and was the AFC's first seed.
    first = afc_east.locator("tbody tr").first
    await expect(first).to_have_attribute("data-team", "NE")
    await expect(first.locator("th")).to_have_text("NE z")
    await expect(page.locator("#nav-standings")).to_have_attribute("aria-current", "")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "page-standings.png", full_page=True)

    await first.locator("a").click()
    await expect(page).to_have_url(re.compile(r"season=2014&club=NE$"))
    await expect(page.locator("#club-title")).to_have_text("NE in 2014")
    await expect(page.locator("#club-calendar")).to_have_attribute("href", "/api/2014/teams/NE.ics")
    await expect(page.locator("#club-summary")).to_contain_text("Record 12-4")
    await expect(page.locator("#club-games tr")).not_to_have_count(0)
    await page.screenshot(path=ARTIFACTS / "page-club.png", full_page=True)
    await page.go_back()
    await expect(page.locator("table.standings")).to_have_count(8)
    assert errors == []
