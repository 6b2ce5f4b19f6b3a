"""In a real browser (Chromium, Playwright), English and Khmer, aggregate reporting at DHIS2's
level: a focal point fills the sex × age grid and submits a bi-weekly report; the NTF
reopens it from the acceptance queue, the focal point sees the notice, corrects and submits
again, the NTF accepts; a data officer previews a release's withheld cells and publishes.

One live server for the module, over the linked 2008 demo (SQLite) with the code lists.
Screenshots: ``TIPDATA_SCREENSHOTS`` if set, else the module's temporary folder
(``<pytest basetemp>/aggregate-screens0/*.png``; the path is printed with ``-s``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_MASTER_KEY
from tests.web import demo_web as shared
from tests.web.browser_kit import (
    browser,
    new_page,
    no_horizontal_scroll,
    screenshot_folder,
)
from tests.web.conftest import FAST, WebUser, make_users
from tests.web.live import live_server
from tests.web.test_browser import CHROMIUM, INSTALL
from tipdata.access import Passwords
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.settings import load_settings
from tipdata.store.refdata import sync_reference_data
from tipdata.system import System
from tipdata.web import create_app

__all__ = ["browser"]  # the module's Chromium (tests/web/browser_kit.py), a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs /usr/bin/chromium: {INSTALL}"),
]
demo_delivery, demo_db = shared.demo_delivery, shared.sqlite_demo_db  # fixtures used here

PERIODS = {"en": "2008BW03", "km": "2008BW05"}
QUARTERS = {"en": ("2008-01-01", "2008-03-31"), "km": ("2008-04-01", "2008-06-30")}
LEAVES = {"female_child": "1", "female_adult": "2", "male_child": "0", "male_adult": "4"}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``TIPDATA_SCREENSHOTS`` if set, else the module's tmp dir."""
    return screenshot_folder(tmp_path_factory, "aggregate")


@pytest.fixture(scope="module")
def world(
    demo_db: shared.DemoDb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, WebUser]]]:
    """The app over the linked demo with the code lists and one user per role."""
    database = demo_db[0]
    home = tmp_path_factory.mktemp("aggregate-home")
    system = System(load_settings(home=home, database_url=str(database.url)), _db=database)
    users = make_users(database, system, TEST_MASTER_KEY)
    sync_reference_data(database, load_codelists(), load_law_catalogue())
    app = create_app(system, passwords=Passwords(FAST))
    with live_server(app, system) as base:
        yield base, users


def _page(browser: Any, base: str, user: WebUser, language: str) -> Any:
    page = new_page(browser, language, accept_downloads=True)
    page.goto(f"{base}/login")
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    if user.totp_secret:
        page.fill("#code", user.fresh_code())
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")
    return page


WORDS = {
    "en": {
        "submitted": "submitted",
        "accepted": "accepted",
        "reopened": "reopened",
        "done": "Submitted to the NTF.",
        "notice": "Reopened by the NTF: please correct and submit again",
        "totals": "The parts add up to 7.",
    },
    "km": {
        "submitted": "បានដាក់ជូន",
        "accepted": "បានទទួលយក",
        "reopened": "បានបើកឡើងវិញ",
        "done": "បានដាក់ជូនក្រុមការងារជាតិ (NTF)។",
        "notice": "បានបើកឡើងវិញដោយ NTF៖ សូមកែតម្រូវ ហើយដាក់ជូនម្តងទៀត",
        "totals": "ផ្នែកទាំងអស់បូកបាន 7។",
    },
}


def _fill_and_submit(page: Any, base: str, period: str, language: str, shots: Path) -> None:
    """The focal point opens the period from the chooser, fills the grid, works out the
    totals without saving, then submits."""
    page.goto(f"{base}/provincial?year=2008")
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"chooser-{language}.png"), full_page=True)
    page.click(f"#p-{period} a")
    page.wait_for_url(f"{base}/provincial/12/{period}")
    for leaf, count in LEAVES.items():
        page.fill(f"[id='f-victims_identified.{leaf}']", count)
    page.fill("[id='f-victims_referred']", "9")  # more referred than identified: a warning
    page.fill("[id='f-cases_investigated']", "1")
    page.fill("[id='f-suspects_arrested']", "2")
    page.click("button[name=action][value=totals]")
    page.wait_for_load_state()
    assert page.locator("#sum-victims_identified-female").inner_text() == "3"
    assert page.locator("#sum-victims_identified-adult").inner_text() == "6"
    assert (
        page.locator("#total-victims_identified").inner_text().startswith(WORDS[language]["totals"])
    )
    assert page.locator("[id='f-victims_identified.male_adult']").input_value() == "4"
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"grid-totals-{language}.png"), full_page=True)
    page.click("button[name=action][value=submit]")
    page.wait_for_url(f"{base}/provincial/12/{period}?done=submitted")
    assert page.locator("#status").inner_text() == WORDS[language]["submitted"]
    assert page.locator("#message").inner_text() == WORDS[language]["done"]
    assert page.locator("#results li.warning").count() == 1  # a warning, not an error
    assert page.locator("#results li.error").count() == 0
    page.screenshot(path=str(shots / f"submitted-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "km"])
def test_focal_point_fills_the_grid_ntf_reopens_and_accepts(
    browser: Any, world: tuple[str, dict[str, WebUser]], shots: Path, language: str
) -> None:
    base, users = world
    period = PERIODS[language]
    focal = _page(browser, base, users["focal"], language)
    _fill_and_submit(focal, base, period, language, shots)

    ntf = _page(browser, base, users["officer"], language)
    ntf.goto(f"{base}/provincial/queue")
    row = ntf.locator(f"#q-12-{period}")
    assert row.count() == 1
    no_horizontal_scroll(ntf)
    ntf.screenshot(path=str(shots / f"queue-{language}.png"), full_page=True)
    row.locator("a").click()
    ntf.wait_for_url(f"{base}/provincial/12/{period}")
    ntf.fill("#reason", "victims referred exceed victims identified: check")
    ntf.click(f"form[action='/provincial/12/{period}/reopen'] button[type=submit]")
    ntf.wait_for_url(f"{base}/provincial/12/{period}?done=reopened")
    assert ntf.locator("#status").inner_text() == WORDS[language]["reopened"]

    focal.goto(f"{base}/provincial?year=2008")
    notice = focal.locator("#notices")
    assert notice.locator("h2").inner_text() == WORDS[language]["notice"]
    assert "victims referred exceed" in notice.inner_text()
    focal.screenshot(path=str(shots / f"reopen-notice-{language}.png"), full_page=True)
    notice.locator("a").first.click()
    focal.wait_for_url(f"{base}/provincial/12/{period}")
    focal.fill("[id='f-victims_referred']", "7")
    focal.click("button[name=action][value=submit]")
    focal.wait_for_url(f"{base}/provincial/12/{period}?done=submitted")
    assert focal.locator("#results li").count() == 0

    ntf.goto(f"{base}/provincial/queue")
    ntf.locator(f"#q-12-{period} a").click()
    ntf.click(f"form[action='/provincial/12/{period}/accept'] button[type=submit]")
    ntf.wait_for_url(f"{base}/provincial/12/{period}?done=accepted")
    assert ntf.locator("#status").inner_text() == WORDS[language]["accepted"]
    ntf.goto(f"{base}/provincial/pivot?rows=sex&columns=age&data_element=victims_identified")
    assert ntf.locator("#pivot tfoot td").last.inner_text() != "—"
    no_horizontal_scroll(ntf)
    ntf.screenshot(path=str(shots / f"pivot-{language}.png"), full_page=True)
    ntf.goto(f"{base}/provincial/map?data_element=victims_identified&year=2008")
    assert ntf.locator("#map path").count() == 25
    ntf.screenshot(path=str(shots / f"map-{language}.png"), full_page=True)
    focal.context.close()
    ntf.context.close()


@pytest.mark.parametrize("language", ["en", "km"])
def test_data_officer_previews_the_release_and_publishes(
    browser: Any, world: tuple[str, dict[str, WebUser]], shots: Path, language: str
) -> None:
    base, users = world
    start, end = QUARTERS[language]
    page = _page(browser, base, users["officer"], language)
    page.set_default_timeout(180_000)  # a release computes and audits the figures: slow here
    page.goto(f"{base}/reports?start={start}&end={end}")
    page.click("#publish button[type=submit]")
    page.wait_for_url(f"{base}/reports/publish/preview?start={start}&end={end}")
    assert page.locator("#withheld tbody tr").count() > 0
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"publish-preview-{language}.png"), full_page=True)
    page.check("#confirm-publish input[name=confirm]")
    page.click("#confirm-publish button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#released code").inner_text()  # the release digest
    page.screenshot(path=str(shots / f"published-{language}.png"), full_page=True)
    page.goto(f"{base}/reports/releases")
    code = "2008Q1" if language == "en" else "2008Q2"
    assert page.locator(f"#r-{code}").count() == 1
    with page.expect_download() as download:
        page.click(f"#r-{code} a[href$='.csv']")
    assert download.value.suggested_filename.endswith(".csv")
    page.screenshot(path=str(shots / f"releases-{language}.png"), full_page=True)
    page.context.close()
