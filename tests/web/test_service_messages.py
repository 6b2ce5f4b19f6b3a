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


# --- provincial validation: every kind of result, and the report page of a Khmer reader ---

RESULTS_OF_EVERY_KIND = (
    ("non_negative", "Counts are not negative", "victims_identified", "female",
     "victims_identified (female) is -1; counts cannot be negative", {"value": -1}),
    ("breakdowns_sum_to_totals", "Breakdowns add up to their totals", "victims_identified",
     "total", "victims_identified: female + male = 3, but total is 5",
     {"female": 2, "male": 1, "total": 5}),
    ("breakdowns_sum_to_totals", "Breakdowns add up to their totals", "victims_identified",
     "female", "victims_identified: the parts entered (female_child = 4) exceed female (2)",
     {"female_child": 4, "female_adult": None, "female": 2}),
    ("referred_le_identified", "Victims referred do not exceed victims identified",
     "victims_referred", "total", "victims_referred (4) should be <= victims_identified (3)",
     {"victims_referred": 4, "victims_identified": 3}),
    ("outlier_in_province_history",
     "Value far outside the province's usual figure for this time of year",
     "victims_identified", "male_child",
     "victims_identified (male_child) is 40, far above the province's usual 2 (limit 7 from "
     "9 reports of the same season in the 3 years before)",
     {"value": 40, "median": 2, "mad": 1, "limit": 7, "history_length": 9}),
    ("outlier_in_province_history",
     "Value far outside the province's usual figure for this time of year",
     "victims_identified", "total",
     "victims_identified is 0, far below the province's usual 12 (limit 2 from its last 8 "
     "reports)",
     {"value": 0, "median": 12, "mad": 2, "limit": 2, "history_length": 8}),
)  # fmt: skip


def test_every_kind_of_provincial_validation_result_is_worded_in_khmer() -> None:
    from tipdata.provincial import ValidationResult, default_workflow
    from tipdata.web.validation_words import worded_result

    khmer = compile_catalogue(catalogue_path("km")).gettext
    data_set = default_workflow().data_set
    english: dict[str, list[str]] = {}
    for rule, name, element, disaggregation, message, values in RESULTS_OF_EVERY_KIND:
        result = ValidationResult(rule, name, "error", element, disaggregation, message, values)
        worded = worded_result(result, data_set, khmer)
        text = f"{worded.rule_name}: {worded.message}"
        english[message] = sorted(set(ENGLISH_WORD.findall(text)))
        assert worded.message != message
    assert {message: words for message, words in english.items() if words} == {}
    # in English, words for codes: the element's label and its breakdown
    _rule, _name, element, disaggregation, message, values = RESULTS_OF_EVERY_KIND[3]
    first = ValidationResult(
        "referred_le_identified", "n", "warning", element, disaggregation, message, values
    )
    assert worded_result(first, data_set, lambda text: text).message == (
        "Victims referred (4) should be at most Victims identified (3)."
    )


def test_the_report_page_shows_its_validation_in_khmer(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    province, period = "12", "2008BW03"
    _khmer(pwg_client, pwg_users["focal"])
    page = pwg_client.get(f"/provincial/{province}/{period}")
    typed = {
        "victims_identified": "5",  # its breakdown adds up to 3: an error
        "victims_identified.female_child": "1",
        "victims_identified.female_adult": "2",
        "victims_identified.male_child": "0",
        "victims_identified.male_adult": "0",
        "victims_referred": "6",  # more than identified: a warning
        "cases_investigated": "3",
        "suspects_arrested": "1",  # fewer suspects than cases: a warning
    }
    refused = pwg_client.post(
        f"/provincial/{province}/{period}",
        data={"csrf_token": csrf_of(page.text), "version": "", "action": "submit", **typed},
    )
    assert refused.status_code == 422
    listed = re.search(r'<ul class="results" id="results">(.*?)</ul>', refused.text, re.DOTALL)
    assert listed
    items = [
        visible_text(item)
        for item in re.findall(r"<li[^>]*>(.*?)</li>", listed.group(1), re.DOTALL)
    ]
    spans = r'<span class="(?:error|warning)" id="e-[^"]+">(.*?)</span>'
    inline = [visible_text(span) for span in re.findall(spans, refused.text, re.DOTALL)]
    assert len(items) == 3 and len(inline) == 3
    assert any("ជនរងគ្រោះដែលត្រូវបានកំណត់អត្តសញ្ញាណ" in item for item in items)
    left = {text: sorted(set(ENGLISH_WORD.findall(text))) for text in items + inline}
    assert {text: words for text, words in left.items() if words} == {}
    # a count that is not one: the value by its label, the refusal in Khmer
    typed["victims_identified.female_adult"] = "two"
    refused = pwg_client.post(
        f"/provincial/{province}/{period}",
        data={"csrf_token": csrf_of(page.text), "version": "1", "action": "save", **typed},
    )
    assert refused.status_code == 422
    alert = _alert(refused.text)
    assert alert.startswith("ជនរងគ្រោះដែលត្រូវបានកំណត់អត្តសញ្ញាណ (ស្រី, មនុស្សពេញវ័យ)")
    assert "ចំនួនត្រូវតែជាចំនួនគត់" in alert and ENGLISH_WORD.findall(alert) == []
