"""What the module-scoped browser flows share: one Chromium per module, the screenshot
folder, the 1,366 px viewport and its no-horizontal-scroll check.

Flows that sign in per test use ``tests/web/test_browser.py``'s function-scoped server
(``server_url``) with this module's browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get update && apt-get install -y chromium fonts-khmeros"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 900}


def screenshot_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """Where a module's screenshots go: ``TIPDATA_SCREENSHOTS`` if set, else a tmp dir
    named after the module (printed with ``-s``)."""
    chosen = os.environ.get("TIPDATA_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp(f"{name}-screens")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless system Chromium for the module's flows."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def new_page(browser: Any, language: str, **options: Any) -> Any:
    """A page in a fresh context at the flows' viewport, in English or Khmer."""
    context = browser.new_context(
        viewport=VIEWPORT, locale="km-KH" if language == "km" else "en", **options
    )
    return context.new_page()


def no_horizontal_scroll(page: Any) -> None:
    """The page fits the 1,366 px screen the ministries' laptops have."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{page.url} is {width} px wide"
