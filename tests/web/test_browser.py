"""In a real browser: the system Chromium driven by Playwright, English and Khmer.

The app runs with uvicorn in a thread on a free loopback port. Screenshots of
the main pages go to ``test-artifacts/web/`` (git-ignored). The tests skip only
when ``/usr/bin/chromium`` is missing; install it with
``apt-get update && apt-get install -y chromium fonts-khmeros``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from tests.web.conftest import WebUser

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get update && apt-get install -y chromium fonts-khmeros"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"needs /usr/bin/chromium: {INSTALL}",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_url(app: FastAPI, users: dict[str, WebUser]) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, user: WebUser) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    if user.totp_secret:
        page.fill("#code", user.code())
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")


def test_officer_signs_in_with_totp_and_sees_the_dashboard_in_english_and_khmer(
    browser: Any, server_url: str, users: dict[str, WebUser]
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-GB")
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{server_url}/login")
    assert page.locator("h1").inner_text() == "Sign in"
    shoot(page, "login-en")
    sign_in(page, server_url, users["officer"])
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("nav a", has_text="Imports").count() == 1
    assert page.locator("nav a", has_text="Audit log").count() == 0
    shoot(page, "dashboard-en")
    page.click("button[name=language][value=km]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.locator("h1").inner_text() == "ផ្ទាំងគ្រប់គ្រង"
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.startswith('"Khmer OS System"')
    shoot(page, "dashboard-km")
    page.goto(f"{server_url}/imports")
    shoot(page, "imports-km")
    page.click("header form button[type=submit]:not([name])")  # sign out
    page.wait_for_url(f"{server_url}/login")
    assert page.locator("h1").inner_text() == "ចូលប្រើ"
    shoot(page, "login-km")
    assert console_errors == []  # no CSP violation, no missing asset
    context.close()


def test_auditor_reads_the_audit_log(
    browser: Any, server_url: str, users: dict[str, WebUser]
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    sign_in(page, server_url, users["auditor"])
    page.click("nav a[href='/admin/audit']")
    page.wait_for_url(f"{server_url}/admin/audit")
    assert page.locator("td", has_text="signed in").count() >= 1  # a label, not login_success
    assert page.locator("td", has_text="login_success").count() == 0
    shoot(page, "audit-en")
    page.click("button[name=language][value=km]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "កំណត់ហេតុសវនកម្ម"
    assert page.locator("td", has_text="បានចូលប្រើ").count() >= 1
    shoot(page, "audit-km")
    page.goto(f"{server_url}/docs/api")
    shoot(page, "api-docs-km")
    context.close()


def test_wrong_password_shows_one_message_without_javascript(
    browser: Any, server_url: str, users: dict[str, WebUser]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server_url}/login")
    page.fill("#username", "auditor")
    page.fill("#password", "not the right password")
    page.click("form.stacked button[type=submit]")
    assert page.locator(".error").inner_text() == "Wrong username, password or code."
    shoot(page, "login-error-en")
    context.close()
