"""In a real browser: review a linkage pair, open a person's pathway, screen, in English and Khmer.

Same set-up as ``test_browser.py`` (the system Chromium, uvicorn in a thread, screenshots
in ``test-artifacts/web/``), on SQLite with the world of ``casefiles_world``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.casefiles_world import CLIENT_NAME, VICTIM_NAME_KHMER, World, world
from tests.web.conftest import WebUser
from tests.web.test_browser import browser, server_url, shoot, sign_in
from tipdata.settings import load_settings
from tipdata.store import Database
from tipdata.system import System

__all__ = ["browser", "server_url", "system", "world"]  # fixtures used by the tests below

pytestmark = [pytest.mark.browser]


@pytest.fixture
def system(sqlite_db: Database, tmp_path: Path) -> Iterator[System]:
    """A system on SQLite whose database has a master key (the key file)."""
    settings = load_settings(home=tmp_path, database_url=sqlite_db.url.render_as_string(False))
    built = System(settings=settings)
    yield built
    if "db" in built.__dict__:
        built.db.engine.dispose()


def new_page(browser: Any, errors: list[str]) -> Any:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page


def to_khmer(page: Any) -> None:
    page.click("button[name=language][value=km]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "km"


def test_officer_reviews_a_linkage_pair(
    browser: Any, server_url: str, users: dict[str, WebUser], world: World
) -> None:
    errors: list[str] = []
    page = new_page(browser, errors)
    sign_in(page, server_url, users["officer"])
    errors.clear()  # only this module's pages are checked here, not the dashboard
    page.click("nav a[href='/review']")
    page.wait_for_url(f"{server_url}/review")
    recorded = page.locator("table.recorded tbody tr")
    assert recorded.nth(0).locator("td").nth(1).inner_text() == CLIENT_NAME
    assert recorded.nth(0).get_attribute("class") == "disagree"  # the names differ
    rows = page.locator("table.evidence tbody tr")
    assert rows.count() == 4
    assert rows.nth(0).locator("td").nth(0).inner_text() == "sok dara"
    assert rows.nth(1).get_attribute("class") == "disagree"
    shoot(page, "review-en")
    to_khmer(page)
    assert page.locator("h1").inner_text() == "ពិនិត្យការភ្ជាប់កំណត់ត្រា"
    shoot(page, "review-km")
    page.click("button[name=decision][value=same]")
    page.wait_for_url(f"{server_url}/review?position=0")
    assert page.locator("p.empty").inner_text() == "មិនមានគូត្រូវពិនិត្យនៅទីនេះទេ។"
    assert errors == []
    page.context.close()


def test_police_open_a_person_and_see_the_pathway_in_english_and_khmer(
    browser: Any, server_url: str, users: dict[str, WebUser], world: World
) -> None:
    errors: list[str] = []
    page = new_page(browser, errors)
    sign_in(page, server_url, users["police"])
    errors.clear()  # only this module's pages are checked here, not the dashboard
    page.click("nav a[href='/persons']")
    page.wait_for_url(f"{server_url}/persons")
    page.click(f"a[href='/persons/{world.victim}']")
    page.wait_for_url(f"{server_url}/persons/{world.victim}")
    stages = page.locator("ol.timeline .stage")
    assert stages.all_inner_texts() == ["Rescued", "Referred"]
    assert page.locator("ol.timeline .when").all_inner_texts() == ["2024-03-01", "2024-03-02"]
    assert page.locator("td", has_text=VICTIM_NAME_KHMER).count() == 1
    shoot(page, "person-en")
    to_khmer(page)
    assert page.locator("#pathway-heading").inner_text() == "ផ្លូវដំណើរ"
    assert stages.all_inner_texts() == ["បានជួយសង្គ្រោះ", "បានបញ្ជូន"]
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.startswith('"Khmer OS System"')
    shoot(page, "person-km")
    assert errors == []
    page.context.close()


def test_ngo_screens_a_victim_and_sees_the_suggestion(
    browser: Any, server_url: str, users: dict[str, WebUser], world: World
) -> None:
    errors: list[str] = []
    page = new_page(browser, errors)
    sign_in(page, server_url, users["ngo"])
    errors.clear()  # only this module's pages are checked here, not the dashboard
    page.goto(f"{server_url}/persons/{world.victim}")
    page.click("text=Record a screening")
    page.wait_for_url(f"{server_url}/persons/{world.victim}/screenings/new")
    page.fill("#screening_date", "2024-03-12")
    page.check("input[name='answer:debt_bondage'][value=yes]")
    page.check("input[name='answer:documents_confiscated'][value=yes]")
    page.click("button[name=action][value=preview]")
    page.wait_for_load_state()
    assert "score 4 >= 4" in page.locator("p.suggestion").inner_text()
    shoot(page, "screening-en")
    page.select_option("#final_determination", "victim")
    page.click("button[name=action][value=save]")
    page.wait_for_url(f"{server_url}/persons/{world.victim}#screenings")
    assert page.locator("#screenings tbody tr").count() == 2
    assert errors == []
    page.context.close()
