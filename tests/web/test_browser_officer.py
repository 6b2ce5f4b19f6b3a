"""In a real browser (Chromium, Playwright), English and Khmer: the data officer imports an
agency file whose layout the header tells, reads the import's details, then runs linkage
in the background, follows its page and reads its result and calibration (issue 18, item 5).

One live server for the module, on a fresh SQLite database with the code lists loaded.
Screenshots are kept as test artefacts in the module's temporary folder
(``<pytest basetemp>/officer-screens0/*.png``; the path is printed with ``-s``); set
``TIPDATA_SCREENSHOTS=/some/folder`` to keep them elsewhere.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_MASTER_KEY
from tests.web.browser_kit import (
    browser,
    new_page,
    no_horizontal_scroll,
    screenshot_folder,
)
from tests.web.conftest import FAST, WebUser, make_users
from tests.web.live import live_server
from tests.web.test_browser import CHROMIUM, INSTALL
from tests.web.test_linkage_jobs import HeldRunner
from tipdata.access import Passwords
from tipdata.linkage.service import LinkageJobs
from tipdata.settings import load_settings
from tipdata.store import Database
from tipdata.system import System
from tipdata.web import create_app

__all__ = ["browser"]  # the module's Chromium (tests/web/browser_kit.py), a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs /usr/bin/chromium: {INSTALL}"),
]

HEADER = (
    "Person Ref,Case No,Role,Name,Sex,Age,Event Date,Destination,Case Status,Exploitation,"
    "Nationality,Home Province\n"
)
ROWS = (
    "{p}-1,{p}K-1,victim,Sok Dara,F,16,03-04-2008,Thailand,open,labour,Khmer,Phnom Penh\n"
    "{p}-2,{p}K-1,suspect,Chan Vuthy,M,41,04-04-2008,Thailand,open,labour,Khmer,Kandal\n"
    "{p}-3,{p}K-2,victim,Sok Dara,F,16,05-05-2008,Thailand,open,labour,Khmer,Phnom Penh\n"
    "{p}-4,{p}K-2,victim,Keo Srey,F,19,05-05-2008,Malaysia,open,sex,Khmer,Kampot\n"
    "{p}-5,{p}K-3,victim,Meas Sophea,F,22,06-06-2008,Malaysia,open,labour,Khmer,Takeo\n"
    "{p}-6,{p}K-3,suspect,Chan Vuthy,M,41,06-06-2008,Malaysia,open,labour,Khmer,Kandal\n"
    "{p}-7,{p}K-4,victim,Keo Srei,F,19,07-07-2008,Malaysia,open,sex,Khmer,Kampot\n"
    "{p}-8,{p}K-4,victim,Pich Nary,F,25,08-07-2008,Thailand,open,labour,Khmer,Siem Reap\n"
)
WORDS = {
    "en": {
        "recognised": "recognised from the file's header",
        "imported": "Imported.",
        "new": "New record",
        "no layout": "no layout recognises this file's header",
        "runs": "Linkage runs",
        "calibration": "Calibration",
        "under way": "Linkage run under way",
    },
    "km": {
        "recognised": "ស្គាល់ពីជួរក្បាលរបស់ឯកសារ",
        "imported": "បាននាំចូល។",
        "new": "កំណត់ត្រាថ្មី",
        "no layout": "no layout recognises this file's header",  # the service's own words
        "runs": "ការដំណើរការភ្ជាប់កំណត់ត្រា",
        "calibration": "ការក្រិតតាមខ្នាត",
        "under way": "ការភ្ជាប់កំណត់ត្រាកំពុងដំណើរការ",
    },
}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``TIPDATA_SCREENSHOTS`` if set, else the module's tmp dir."""
    return screenshot_folder(tmp_path_factory, "officer")


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, WebUser], Path, tuple[Any, System]]]:
    """The app over a fresh SQLite database: the test users and the code lists."""
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.store.refdata import sync_reference_data

    home = tmp_path_factory.mktemp("officer-home")
    shutil.copyfile(sqlite_template, home / "tipdata.db")
    db = Database(f"sqlite:///{home / 'tipdata.db'}", master_key=TEST_MASTER_KEY)
    system = System(load_settings(home=home, database_url=str(db.url)), _db=db)
    users = make_users(db, system, TEST_MASTER_KEY)
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    app = create_app(system, passwords=Passwords(FAST))
    with live_server(app, system) as base:
        yield base, users, home, (app, system)
    db.dispose()


def _upload(page: Any, base: str, name: str, content: str) -> None:
    page.goto(f"{base}/imports/new")
    page.set_input_files(
        "#file", files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.click("form[action='/imports/new'] button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize(("language", "prefix"), [("en", "E"), ("km", "K")])
def test_the_data_officer_imports_a_file_and_runs_linkage(
    browser: Any,
    world: tuple[str, dict[str, WebUser], Path, tuple[Any, System]],
    shots: Path,
    language: str,
    prefix: str,
) -> None:
    base, users, home, apps = world
    words = WORDS[language]
    officer = users["officer"]
    page = new_page(browser, language)
    page.goto(f"{base}/login")
    page.fill("#username", officer.username)
    page.fill("#password", officer.password)
    page.fill("#code", officer.fresh_code())
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()

    # a file no layout fits: said on the same page, the form kept, no server path
    _upload(page, base, "notes.csv", "a,b\n1,2\n")
    assert words["no layout"] in page.locator("#import-error").inner_text()
    assert str(home) not in page.content()
    assert page.locator("#file").count() == 1 and page.locator("#source").count() == 1
    page.screenshot(path=str(shots / f"import-refused-{language}.png"), full_page=True)

    # the agency's export under a name no pattern knows: the header tells its layout
    _upload(page, base, f"export-{language}.csv", HEADER + ROWS.format(p=prefix))
    layout = page.locator("#layout").inner_text()
    assert "moi_police_register" in layout and words["recognised"] in layout
    assert page.locator("#rows-new").inner_text() == "8"
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"import-checked-{language}.png"), full_page=True)

    page.click("form[action='/imports/confirm'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/imports/\d+\?done=committed$"))
    assert page.locator("#message").inner_text() == words["imported"]
    assert page.locator("#rows-new").inner_text() == "8"
    assert page.locator("#rows-rejected").inner_text() == "0"
    assert page.locator("#import-rows tbody tr").count() == 8
    assert page.locator("#import-rows tbody tr td").nth(2).inner_text() == words["new"]
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"import-details-{language}.png"), full_page=True)

    # the run goes on in the background: its page reloads itself until the run has
    # finished (held here until the page is seen), then shows the run
    app, system = apps
    runner = HeldRunner()
    app.state.linkage_jobs = LinkageJobs(system.db, runner=runner)
    page.goto(f"{base}/linkage")
    assert page.locator("h1").inner_text() == words["runs"]
    page.click("#run-linkage button[type=submit]")
    page.wait_for_url(re.compile(r".*/linkage/jobs/\d+$"))
    assert page.locator("h1").inner_text() == words["under way"]
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"linkage-under-way-{language}.png"), full_page=True)
    runner.go.set()
    page.wait_for_url(re.compile(r".*/linkage\?done=\d+$"), timeout=300_000)
    records = int(page.locator("#run-records").inner_text().replace(",", ""))
    assert records >= 8  # every record of this file (and the English run's) is linked
    assert int(page.locator("#run-persons").inner_text().replace(",", "")) <= records
    assert words["calibration"] in page.locator("#run-result").inner_text()
    precision = float(page.locator("#expected-precision").inner_text())
    assert 0.0 <= precision <= 1.0
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"linkage-run-{language}.png"), full_page=True)
    page.context.close()
