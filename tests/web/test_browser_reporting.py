"""In a real browser (Chromium, Playwright): provincial report entry, an import, the TIP tables.

English and Khmer. The app runs under uvicorn on a free loopback port over a SQLite
database with the code lists loaded; screenshots go to ``test-artifacts/web/``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from tests.web.conftest import WebUser
from tests.web.test_browser import CHROMIUM, INSTALL, browser, free_port, shoot, sign_in
from tests.web.test_imports_web import GOOD
from tipdata.settings import load_settings
from tipdata.store import Database
from tipdata.system import System

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs /usr/bin/chromium: {INSTALL}"),
]
__all__ = ["browser"]  # the fixture, used by the tests below

PERIOD = "2008BW03"


@pytest.fixture
def pwg_system(sqlite_db: Database, tmp_path: Path) -> System:
    """SQLite only: the browser tests check the pages, the engines are covered elsewhere."""
    return System(load_settings(home=tmp_path, database_url=str(sqlite_db.url)), _db=sqlite_db)


@pytest.fixture
def live(pwg_app: FastAPI) -> Iterator[str]:
    """The app under uvicorn in a thread."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(pwg_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _khmer(page: Any) -> None:
    page.click("button[name=language][value=km]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "km"


def _submit_with_an_error_then_correct_it(page: Any, base: str, suffix: str) -> dict[str, str]:
    """Fill the form with parts that do not add up, submit, read the messages, correct, submit."""
    page.goto(f"{base}/provincial?year=2008")
    page.select_option("#period", PERIOD)
    page.click("form.filters button.primary")
    page.wait_for_url(f"{base}/provincial/12/{PERIOD}")
    page.fill("[id='f-victims_identified']", "5")
    page.fill("[id='f-victims_identified.female_child']", "1")
    page.fill("[id='f-victims_identified.female_adult']", "2")
    page.fill("[id='f-victims_identified.male_child']", "0")
    page.fill("[id='f-victims_identified.male_adult']", "0")
    page.fill("[id='f-cases_investigated']", "1")
    page.fill("[id='f-suspects_arrested']", "1")
    page.click("button[name=action][value=submit]")
    page.wait_for_load_state()
    seen = {
        "message": page.locator("#message").inner_text(),
        "inline": page.locator("[id='e-victims_identified']").inner_text(),
        "kept": page.locator("[id='f-victims_identified']").input_value(),
    }
    shoot(page, f"provincial-error-{suffix}")
    page.fill("[id='f-victims_identified']", "3")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(f"{base}/provincial/12/{PERIOD}?done=submitted")
    seen["status"] = page.locator("#status").inner_text()
    seen["done"] = page.locator("#message").inner_text()
    shoot(page, f"provincial-submitted-{suffix}")
    return seen


def test_focal_point_submits_a_report_after_correcting_an_error(
    browser: Any, live: str, pwg_users: dict[str, WebUser]
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live, pwg_users["focal"])
    seen = _submit_with_an_error_then_correct_it(page, live, "en")
    assert seen["message"] == "The report was not submitted: correct the errors marked below."
    assert "Victims identified" in seen["inline"]  # the element's label, not its code
    assert seen["kept"] == "5"
    assert (seen["status"], seen["done"]) == ("submitted", "Submitted to the NTF.")
    assert [e for e in errors if "status of 422" not in e] == []  # the refused form is a 422
    context.close()


def test_the_same_in_khmer(browser: Any, live: str, pwg_users: dict[str, WebUser]) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    sign_in(page, live, pwg_users["focal"])
    _khmer(page)
    seen = _submit_with_an_error_then_correct_it(page, live, "km")
    assert seen["message"] == "របាយការណ៍មិនត្រូវបានដាក់ជូនទេ៖ សូមកែកំហុសដែលបានសម្គាល់ខាងក្រោម។"
    assert seen["inline"].startswith("កំហុស")  # the rule's message in Khmer, no code
    assert "ជនរងគ្រោះដែលត្រូវបានកំណត់អត្តសញ្ញាណ" in seen["inline"]
    assert "victims_identified" not in seen["inline"]
    assert seen["status"] == "បានដាក់ជូន"
    assert seen["done"] == "បានដាក់ជូនក្រុមការងារជាតិ (NTF)។"
    context.close()


def _import_and_download(page: Any, base: str, tmp_path: Path, suffix: str) -> dict[str, str]:
    upload = tmp_path / "moi_police_register_2008.csv"
    upload.write_text(GOOD, encoding="utf-8")
    page.goto(f"{base}/imports/new")
    page.set_input_files("#file", str(upload))
    page.select_option("#source", "moi_police_register")
    page.click("form[action='/imports/new'] button[type=submit]")
    page.wait_for_load_state()
    seen = {"read": page.locator("#rows-read").inner_text()}
    shoot(page, f"import-check-{suffix}")
    page.click("form[action='/imports/confirm'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/imports/\d+\?done=committed$"))  # the import's details
    seen["done"] = page.locator("#message").inner_text()
    page.goto(f"{base}/imports")
    seen["file"] = page.locator("td", has_text="moi_police_register_2008.csv").first.inner_text()
    shoot(page, f"imports-{suffix}")
    page.goto(f"{base}/reports?year=2008")
    shoot(page, f"reports-{suffix}")
    with page.expect_download() as download_info:
        page.click("a[href^='/reports/tip.csv']")
    download = download_info.value
    seen["download"] = download.suggested_filename
    seen["csv_head"] = Path(download.path()).read_text(encoding="utf-8").splitlines()[0]
    return seen


def test_officer_imports_a_file_and_downloads_the_tip_tables(
    browser: Any, live: str, pwg_users: dict[str, WebUser], tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live, pwg_users["officer"])
    seen = _import_and_download(page, live, tmp_path, "en")
    assert seen["read"] == "2"
    assert seen["done"] == "Imported."
    assert seen["file"] == "moi_police_register_2008.csv"
    assert seen["download"] == "tip-2008-01-01-2008-12-31-internal.csv"
    assert seen["csv_head"].startswith("table,row,")
    context.close()


def test_officer_imports_and_downloads_in_khmer(
    browser: Any, live: str, pwg_users: dict[str, WebUser], tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live, pwg_users["officer"])
    _khmer(page)
    seen = _import_and_download(page, live, tmp_path, "km")
    assert seen["done"] == "បាននាំចូល។"
    assert seen["download"] == "tip-2008-01-01-2008-12-31-internal.csv"
    context.close()
