"""In a real browser (Chromium, Playwright), English and Khmer: finishing an account, own API
tokens, an administrator adding a user by agency and province names.

One live server for the module. Screenshots are kept as test artefacts in the module's
temporary folder: ``<pytest basetemp>/account-screens0/*.png`` (pytest keeps the last three
runs under ``/tmp/pytest-of-<user>/``); the path is printed with ``-s``. Set
``TIPDATA_SCREENSHOTS=/some/folder`` to keep them elsewhere.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa

from tests.conftest import TEST_MASTER_KEY
from tests.web.browser_kit import (
    browser,
    new_page,
    no_horizontal_scroll,
    screenshot_folder,
)
from tests.web.conftest import FAST, PASSWORD, WebUser, make_users
from tests.web.live import live_server
from tests.web.test_browser import CHROMIUM, INSTALL
from tipdata.access import Passwords, add_user
from tipdata.settings import load_settings
from tipdata.store import Agency, Database
from tipdata.system import System
from tipdata.web import create_app

__all__ = ["browser"]  # the module's Chromium (tests/web/browser_kit.py), a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs /usr/bin/chromium: {INSTALL}"),
]

OWN = "kampot pepper harvest moon"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``TIPDATA_SCREENSHOTS`` if set, else the module's tmp dir."""
    return screenshot_folder(tmp_path_factory, "account")


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, WebUser]]]:
    """The app over a fresh SQLite database with the test users and a CLI-made newcomer."""
    home = tmp_path_factory.mktemp("account-home")
    shutil.copyfile(sqlite_template, home / "tipdata.db")
    db = Database(f"sqlite:///{home / 'tipdata.db'}", master_key=TEST_MASTER_KEY)
    system = System(load_settings(home=home, database_url=str(db.url)), _db=db)
    users = make_users(db, system, TEST_MASTER_KEY)
    with db.session() as session:
        agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == "NTF"))
        assert agency_id is not None
        for username in ("dara", "sophea"):
            add_user(
                session, None, username=username, display_name=username.title(),
                role="ntf_data_officer", agency_id=agency_id, province_code=None,
                password=PASSWORD, passwords=Passwords(FAST), password_must_change=True,
            )  # fmt: skip
    app = create_app(system, passwords=Passwords(FAST))
    with live_server(app, system) as base:
        yield base, users
    db.dispose()


def _sign_in(page: Any, base: str, username: str, password: str, code: str = "") -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    if code:
        page.fill("#code", code)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize(("language", "username"), [("en", "dara"), ("km", "sophea")])
def test_a_newcomer_enrols_the_second_factor_chooses_a_password_and_issues_a_token(
    browser: Any, world: tuple[str, dict[str, WebUser]], shots: Path, language: str, username: str
) -> None:
    base, _users = world
    page = new_page(browser, language)
    _sign_in(page, base, username, PASSWORD)
    heading = {"en": "Finish your account", "km": "បំពេញគណនីរបស់អ្នក"}[language]
    assert page.locator("h1").inner_text() == heading
    assert "/account" not in page.url and "tdp_" not in page.url  # the token is not in the URL
    assert page.locator("#totp-qr svg").count() == 1
    box = page.locator("#totp-qr svg").bounding_box()
    assert box is not None and box["width"] >= 150  # large enough to scan
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"finish-account-{language}.png"), full_page=True)

    secret = page.locator("#totp-key").inner_text().replace(" ", "")
    page.fill("#new_password", OWN)
    page.fill("#confirm_password", OWN)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#finish-account button[type=submit]")
    page.wait_for_url(f"{base}/account?done=finished")
    ready = {"en": "Your account is ready.", "km": "គណនីរបស់អ្នករួចរាល់ហើយ។"}[language]
    assert page.locator("#notice").inner_text() == ready
    enrolled = {"en": "enrolled", "km": "បានចុះឈ្មោះ"}[language]
    assert page.locator("#totp-state").inner_text() == enrolled

    page.fill("#token-name", "monthly export")
    page.fill("#token-days", "30")
    page.click("#issue-token button[type=submit]")
    page.wait_for_load_state()
    token = page.locator("#new-token code").inner_text()
    assert token.startswith("tdt_")
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"account-token-{language}.png"), full_page=True)
    me = page.request.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200 and me.json()["username"] == username

    page.click("#tokens button[type=submit]")
    page.wait_for_url(f"{base}/account?done=revoked")
    state = {"en": "revoked", "km": "បានដកហូត"}[language]
    assert page.locator("#tokens tbody tr td").nth(4).inner_text() == state
    again = page.request.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status == 401
    page.context.close()


@pytest.mark.parametrize("language", ["en", "km"])
def test_an_administrator_adds_a_user_by_names_and_a_refusal_keeps_the_form(
    browser: Any, world: tuple[str, dict[str, WebUser]], shots: Path, language: str
) -> None:
    base, users = world
    page = new_page(browser, language)
    _sign_in(page, base, "admin", users["admin"].password)
    page.goto(f"{base}/admin/users")
    no_horizontal_scroll(page)
    username = f"kanha-{language}"
    page.fill("#username", username)
    page.fill("#display_name", "Kanha Meas")
    page.select_option("#role", "provincial_focal_point")
    page.select_option("#agency", "NTF")
    page.click("section[aria-labelledby=add-heading] button[type=submit]")
    page.wait_for_load_state()
    needs = {"en": "This role needs a province.", "km": "តួនាទីនេះត្រូវការខេត្ត។"}[language]
    assert page.locator("#message").inner_text() == needs
    assert page.locator("#username").input_value() == username  # the form is kept
    assert page.locator("#display_name").input_value() == "Kanha Meas"
    assert page.locator("#role").input_value() == "provincial_focal_point"
    assert page.locator("#agency").input_value() == "NTF"
    page.screenshot(path=str(shots / f"add-user-refused-{language}.png"), full_page=True)

    province = {"en": "Phnom Penh", "km": "Phnom Penh"}[language]  # no Khmer name in this world
    page.select_option("#province_code", label=province)
    page.select_option("#role", "statistics_reader")
    page.click("section[aria-labelledby=add-heading] button[type=submit]")
    page.wait_for_load_state()
    link = page.locator("#setup-link code").inner_text()
    assert link.startswith("/account/setup/tdp_")
    row = page.locator(f"#user-{username}")
    reader = {"en": "Statistics reader", "km": "អ្នកអានស្ថិតិ"}[language]
    assert row.locator("td").nth(2).inner_text() == reader
    assert row.locator("td").nth(3).inner_text() == "NTF secretariat"
    page.screenshot(path=str(shots / f"add-user-done-{language}.png"), full_page=True)
    page.context.close()

    newcomer = new_page(browser, language)
    newcomer.goto(f"{base}{link}")
    newcomer.fill("#new_password", OWN)
    newcomer.fill("#confirm_password", OWN)
    assert newcomer.locator("#code").count() == 0  # a reader needs no second factor
    newcomer.click("#finish-account button[type=submit]")
    newcomer.wait_for_url(f"{base}/account?done=finished")
    assert newcomer.locator("#account-facts dd").nth(2).inner_text() == reader
    newcomer.context.close()


@pytest.mark.parametrize("language", ["en", "km"])
def test_the_auditor_filters_the_log_and_verifies_the_chain_at_1366_px(
    browser: Any, world: tuple[str, dict[str, WebUser]], shots: Path, language: str
) -> None:
    base, users = world
    page = new_page(browser, language)
    _sign_in(page, base, "auditor", users["auditor"].password)
    page.goto(f"{base}/admin/audit")
    no_horizontal_scroll(page)
    page.fill("#user", "auditor")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_load_state()
    assert "user=auditor" in page.url
    users_shown = page.locator("table.audit tbody tr td:nth-child(2)").all_inner_texts()
    assert users_shown and set(users_shown) == {"auditor"}
    no_horizontal_scroll(page)
    page.click("#verify-chain button[type=submit]")
    page.wait_for_url("**/admin/audit/verify*")
    intact = {"en": "The chain is intact", "km": "ខ្សែសង្វាក់នៅដដែល"}[language]
    assert page.locator("#chain").inner_text().startswith(intact)
    no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"audit-verified-{language}.png"), full_page=True)
    page.context.close()
