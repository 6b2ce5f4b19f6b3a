"""A service's refusal on a Khmer page is in Khmer (issue 18, item 2).

The case-file services refuse in English (``note: write the note``, ``There is no person
... that you may see.``); the pages pass every such message through the catalogue
(:func:`tipdata.web.messages.service_message`, applied by ``render``). Each refusal below
is driven through the pages of a Khmer reader, and its alert must hold the Khmer message
and no English word.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.casefiles_world import World, system, world
from tests.web.conftest import WebUser, csrf_of, sign_in
from tests.web.test_words_not_codes import visible_text
from tipdata.web.i18n import catalogue_path, compile_catalogue
from tipdata.web.messages import SERVICE_MESSAGES, service_message

__all__ = ["system", "world"]  # fixtures used by the tests below

ALERT = re.compile(r'<p[^>]*role="alert"[^>]*>(.*?)</p>', re.DOTALL)
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
KEPT = {"YYYY", "NUL"}
"""Latin words a Khmer message keeps on purpose (a date format, a character's name)."""


def _alert(html: str) -> str:
    found = ALERT.search(html)
    assert found, "no alert on the page"
    return visible_text(found.group(1))


def _khmer(client: TestClient, user: WebUser) -> None:
    client.cookies.clear()
    sign_in(client, user)
    client.cookies.set("tipdata_lang", "km")


def test_refusals_of_the_case_file_services_are_in_khmer(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    km = compile_catalogue(catalogue_path("km")).gettext
    case_page = f"/persons/{world.victim}/case"
    shown: dict[str, str] = {}

    _khmer(client, users["social"])
    token = csrf_of(client.get(case_page).text)
    note = client.post(f"/persons/{world.victim}/notes", data={"csrf_token": token, "body": " "})
    assert note.status_code == 422
    shown["note: write the note"] = _alert(note.text)
    follow_up = client.post(
        f"/persons/{world.victim}/follow-ups",
        data={"csrf_token": token, "kind": "séance", "due_on": "2008-01-01"},
    )
    assert follow_up.status_code == 422
    shown["kind: choose one of ..."] = _alert(follow_up.text)
    missing = client.get("/persons/PAAAAAAAAAAAA")
    assert missing.status_code == 404
    shown["There is no person PAAAAAAAAAAAA that you may see."] = _alert(missing.text)
    malformed = client.get("/persons/not-an-id")
    assert malformed.status_code == 422
    shown["path.public_id: String should match pattern"] = _alert(malformed.text)

    _khmer(client, users["ngo"])
    token = csrf_of(client.get(case_page).text)
    correction = client.post(
        f"/persons/{world.victim}/corrections",
        data={"csrf_token": token, "record_id": str(world.victim_afesip_record),
              "field": "full_name", "value": "Sok Dara", "reason": "typo"},
    )  # fmt: skip
    assert correction.status_code == 422
    shown["reason: say why, in at least ... characters"] = _alert(correction.text)

    assert km("Write the note.") in shown["note: write the note"]
    assert (
        km("There is no such person that you may see.")
        in shown["There is no person PAAAAAAAAAAAA that you may see."]
    )
    english = {
        refusal: sorted(set(ENGLISH_WORD.findall(text)) - KEPT - {"public_id"})
        for refusal, text in shown.items()
    }
    assert {refusal: words for refusal, words in english.items() if words} == {}


@pytest.mark.parametrize("known", SERVICE_MESSAGES, ids=lambda known: known.message[:40])
def test_every_listed_service_message_has_a_khmer_translation(known: object) -> None:
    km = compile_catalogue(catalogue_path("km")).gettext
    message = known.message  # type: ignore[attr-defined]
    assert km(message) != message


def test_an_unlisted_message_is_shown_as_it_is() -> None:
    assert service_message("a message no page knows", str) == "a message no page knows"
    assert service_message("note: write the note", str.upper) == "WRITE THE NOTE."
