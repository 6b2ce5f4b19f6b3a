"""In a real browser (Chromium), English and Khmer: the social worker's and the NGO case
worker's daily case work (issue 18, item 3).

Each finds a person by a variant spelling of the name, opens the case, sets a follow-up
and writes a note, refers the person with consent from the service directory, and reads
the pathway timeline. Same set-up as ``test_browser_casefiles.py`` (the system Chromium,
uvicorn in a thread), on SQLite with the world of ``casefiles_world``. Screenshots go to
``TIPDATA_SCREENSHOTS`` when set, else to ``test-artifacts/web/``.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.casefiles_world import World, world
from tests.web.conftest import WebUser
from tests.web.test_browser import ARTIFACTS, browser, server_url, sign_in
from tests.web.test_browser_casefiles import new_page, system, to_khmer
from tipdata.services import import_providers

__all__ = ["browser", "server_url", "system", "world"]  # fixtures used by the tests below

pytestmark = [pytest.mark.browser]

FLOWS = {
    # user, the name typed (a variant spelling), the person it finds, the provider
    "social": ("Sok Darra", "victim", "AFESIP-PP"),
    "ngo": ("Keo Sreymom", "client", "AFESIP-PP"),
}


def shoot(page: Any, name: str) -> None:
    folder = Path(os.environ.get("TIPDATA_SCREENSHOTS") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"casework-{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize("username", ["social", "ngo"])
def test_case_worker_finds_a_person_follows_up_notes_refers_and_reads_the_timeline(
    browser: Any,
    server_url: str,
    users: dict[str, WebUser],
    world: World,
    system: Any,
    username: str,
    language: str,
) -> None:
    with system.db.session() as session:
        import_providers(session)
    typed, key, provider = FLOWS[username]
    public_id = getattr(world, key)
    errors: list[str] = []
    page = new_page(browser, errors)
    sign_in(page, server_url, users[username])
    errors.clear()  # only the case-work pages are checked here
    if language == "km":
        to_khmer(page)
    tag = f"{username}-{language}"

    # find the person by a variant spelling; the name never appears in the address
    page.goto(f"{server_url}/casework/persons")
    page.fill("#similar-name", typed)
    page.click("#similar-search button[type=submit]")
    page.wait_for_url(f"{server_url}/casework/persons/search")
    assert typed not in page.url
    page.locator("#similar-list a").first.click()
    page.wait_for_url(f"{server_url}/persons/{public_id}")
    shoot(page, f"{tag}-person")

    # the timeline is in date order
    dates = [d for d in page.locator("ol.timeline .when").all_inner_texts() if d[:2] == "20"]
    assert dates == sorted(dates)

    # open the case, assign it, add a follow-up (already late) and a note
    page.click("#case-link")
    page.wait_for_url(f"{server_url}/persons/{public_id}/case")
    page.select_option("#status", "open")
    page.select_option("#assigned_to", username)
    page.click("#status-form button[type=submit]")
    page.wait_for_url(f"{server_url}/persons/{public_id}/case")
    page.select_option("#kind", "home_visit")
    page.fill("#due_on", (date.today() - timedelta(days=2)).isoformat())
    page.click("#follow-up-form button[type=submit]")
    page.wait_for_url(f"{server_url}/persons/{public_id}/case")
    note = f"Visit planned with the family ({username}, {language})."
    page.fill("#body", note)
    page.click("#note-form button[type=submit]")
    page.wait_for_url(f"{server_url}/persons/{public_id}/case")
    assert page.locator("article.note").first.inner_text().endswith(note)
    overdue = "ហួសកំណត់" if language == "km" else "overdue"
    assert overdue in page.locator("#follow-ups").inner_text()
    shoot(page, f"{tag}-case")

    # the overdue list names the person
    page.goto(f"{server_url}/casework/overdue")
    assert public_id in page.locator("#overdue-list").inner_text()

    # refer with consent from the directory
    page.goto(f"{server_url}/persons/{public_id}/case")
    page.click("#refer-link")
    page.wait_for_url(f"{server_url}/persons/{public_id}/refer")
    page.select_option("#d-province", "12")
    page.select_option("#d-service", "shelter")
    page.click("#directory-filter button[type=submit]")
    page.wait_for_load_state()
    shelter = "ជម្រក" if language == "km" else "Shelter"
    assert shelter in page.locator("#directory").inner_text()
    page.check(f"#p-{provider}")
    shoot(page, f"{tag}-refer")
    page.click("#referral-form button[type=submit]")
    page.wait_for_url(f"{server_url}/persons/{public_id}")
    assert page.locator("section[aria-labelledby=referrals-heading] tbody tr").count() >= 1
    shoot(page, f"{tag}-referred")
    assert errors == []
    page.context.close()
