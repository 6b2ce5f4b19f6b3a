"""Provincial report entry over HTTP, on SQLite and PostgreSQL: pages, API, scope, locking.

The concurrency tests run the app under a real uvicorn server on a free loopback port
and send two requests at the same moment from two threads, as two browsers would.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import WebUser, csrf_of, sign_in
from tests.web.test_browser import free_port
from tipdata.system import System

PERIOD = "2008BW03"
OWN = "12"  # the focal point's province (Phnom Penh)
OTHER = "01"
VALUES = {
    "victims_identified": 3,
    "victims_identified.female_child": 1,
    "victims_identified.female_adult": 2,
    "victims_identified.male_child": 0,
    "victims_identified.male_adult": 0,
    "cases_investigated": 1,
    "suspects_arrested": 2,
}
URL = f"/api/v1/provincial/submissions/{OWN}/{PERIOD}"


def bearer(user: WebUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api_token}"}


def form_of(html: str) -> dict[str, str]:
    """The report form's values as the page shows them."""
    fields = re.findall(r'<input id="f-([^"]+)" name="[^"]+"[^>]*value="([^"]*)"', html)
    return dict(fields)


# --- API ---------------------------------------------------------------------------------


def test_focal_point_saves_submits_and_ntf_accepts_over_the_api(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal, officer = pwg_users["focal"], pwg_users["officer"]
    assert pwg_client.get(URL, headers=bearer(focal)).status_code == 404

    saved = pwg_client.put(URL, json={"values": VALUES}, headers=bearer(focal))
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["status"], body["version"], body["province"], body["period"]) == (
        "draft",
        1,
        OWN,
        PERIOD,
    )  # fmt: skip  (a new report starts at version 1)
    assert body["values"] == VALUES
    assert body["results"] == []

    submitted = pwg_client.post(f"{URL}/submit", json={"version": 1}, headers=bearer(focal))
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["status"], submitted.json()["version"]) == ("submitted", 2)

    refused = pwg_client.post(f"{URL}/accept", json={"version": 2}, headers=bearer(focal))
    assert refused.status_code == 403
    accepted = pwg_client.post(f"{URL}/accept", json={"version": 2}, headers=bearer(officer))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"

    history = pwg_client.get(f"{URL}/history", headers=bearer(focal)).json()
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in history] == [
        (None, "draft", "focal"),
        ("draft", "submitted", "focal"),
        ("submitted", "accepted", "officer"),
    ]


def test_stale_version_is_409_problem_and_changes_nothing(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal = pwg_users["focal"]
    pwg_client.put(URL, json={"values": VALUES}, headers=bearer(focal))
    pwg_client.put(
        URL,
        json={"version": 1, "values": VALUES | {"cases_investigated": 2}},
        headers=bearer(focal),
    )
    stale = pwg_client.put(
        URL,
        json={"version": 1, "values": VALUES | {"cases_investigated": 9}},
        headers=bearer(focal),
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["detail"] == (
        f"the report of province {OWN} for {PERIOD} was changed by someone else since you "
        "read version 1 (now version 2); reload it and try again"
    )
    current = pwg_client.get(URL, headers=bearer(focal)).json()
    assert (current["version"], current["values"]["cases_investigated"]) == (2, 2)


def test_rule_error_refuses_submission_with_the_field_and_keeps_the_draft(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal = pwg_users["focal"]
    wrong = VALUES | {"victims_identified": 5}  # parts add up to 3
    refused = pwg_client.post(f"{URL}/submit", json={"values": wrong}, headers=bearer(focal))
    assert refused.status_code == 422
    problem = refused.json()
    assert [e["location"] for e in problem["errors"]] == ["body.values.victims_identified"]
    assert problem["errors"][0]["message"].startswith("breakdowns_sum_to_totals: ")
    draft = pwg_client.get(URL, headers=bearer(focal)).json()
    assert (draft["status"], draft["values"]["victims_identified"]) == ("draft", 5)


def test_focal_point_may_not_touch_another_province(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal = pwg_users["focal"]
    other = f"/api/v1/provincial/submissions/{OTHER}/{PERIOD}"
    response = pwg_client.put(other, json={"values": VALUES}, headers=bearer(focal))
    assert response.status_code == 403
    assert pwg_client.get(other, headers=bearer(focal)).status_code == 403
    officer = pwg_client.put(other, json={"values": VALUES}, headers=bearer(pwg_users["officer"]))
    assert officer.status_code == 200
    assert pwg_client.get(other, headers=bearer(focal)).status_code == 403


def test_roles_without_reports_permissions_are_refused(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    reader = pwg_users["reader"]  # statistics reader: published figures only
    assert pwg_client.get(URL, headers=bearer(reader)).status_code == 403
    assert pwg_client.put(URL, json={"values": VALUES}, headers=bearer(reader)).status_code == 403


def test_unknown_value_key_is_422_naming_it(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    response = pwg_client.put(
        URL, json={"values": {"victims_found": 1}}, headers=bearer(pwg_users["focal"])
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": "body.values.victims_found", "message": "not a value of data set PWG_BIWEEKLY"}
    ]


def test_reopen_needs_a_reason_and_allows_correction(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal, officer = pwg_users["focal"], pwg_users["officer"]
    pwg_client.post(f"{URL}/submit", json={"values": VALUES}, headers=bearer(focal))
    blank = pwg_client.post(f"{URL}/reopen", json={"version": 2}, headers=bearer(officer))
    assert blank.status_code == 400
    assert blank.json()["detail"] == "a reason is required to reopen a report"
    reopened = pwg_client.post(
        f"{URL}/reopen", json={"version": 2, "reason": "arrests double counted"},
        headers=bearer(officer),
    )  # fmt: skip
    assert reopened.json()["status"] == "reopened"
    corrected = pwg_client.put(
        URL, json={"version": 3, "values": VALUES | {"suspects_arrested": 1}}, headers=bearer(focal)
    )
    assert (corrected.json()["status"], corrected.json()["version"]) == ("reopened", 4)


def test_bulk_import_of_json_is_all_or_nothing_with_rows(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    officer = pwg_users["officer"]
    document = {
        "data_set": "PWG_BIWEEKLY",
        "reports": [
            {"province": "12", "period": PERIOD, "submitted_at": "2008-02-12T09:00:00+07:00",
             "values": {"cases_investigated": 1, "suspects_arrested": 1}},
            {"province": "01", "period": PERIOD, "values": {"cases_investigated": -1}},
        ],
    }  # fmt: skip
    refused = pwg_client.post("/api/v1/provincial/imports", json=document, headers=bearer(officer))
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "location": "row 2.reports[1].values.cases_investigated",
            "message": "cases_investigated is -1; counts cannot be negative",
        }
    ]
    assert pwg_client.get(URL, headers=bearer(officer)).status_code == 404  # nothing imported

    document["reports"] = document["reports"][:1]  # type: ignore[index]
    done = pwg_client.post("/api/v1/provincial/imports", json=document, headers=bearer(officer))
    assert done.status_code == 200, done.text
    assert done.json() == {
        "format": "json", "reports": 1, "submitted": 1, "drafts": 0, "unchanged": 0,
        "warnings": {},
    }  # fmt: skip
    assert pwg_client.get(URL, headers=bearer(officer)).json()["status"] == "submitted"


def test_bulk_import_by_a_focal_point_of_another_province_names_the_row(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    body = (
        "province,period,data_element,disaggregation,value,submitted_at\n"
        "01,2008BW03,cases_investigated,,1,\n"
    )
    response = pwg_client.post(
        "/api/v1/provincial/imports",
        content=body.encode(),
        headers=bearer(pwg_users["focal"]) | {"content-type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": "row 2", "message": "access denied: needs reports:submit (for province 01)"}
    ]


def test_bulk_import_refuses_other_media_types(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    response = pwg_client.post(
        "/api/v1/provincial/imports",
        content=b"x",
        headers=bearer(pwg_users["officer"]) | {"content-type": "application/pdf"},
    )
    assert response.status_code == 415


# --- pages -------------------------------------------------------------------------------


def test_form_shows_an_error_inline_keeps_the_entries_then_submits_once_corrected(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    sign_in(pwg_client, pwg_users["focal"])
    page = pwg_client.get(f"/provincial/{OWN}/{PERIOD}")
    assert page.status_code == 200
    assert "not started" in page.text
    typed = {k: str(v) for k, v in VALUES.items()} | {"victims_identified": "5"}
    response = pwg_client.post(
        f"/provincial/{OWN}/{PERIOD}",
        data={"csrf_token": csrf_of(page.text), "version": "", "action": "submit", **typed},
    )
    assert response.status_code == 422
    assert "The report was not submitted: correct the errors marked below." in response.text
    assert 'id="f-victims_identified" name="victims_identified"' in response.text
    assert 'aria-invalid="true" aria-describedby="e-victims_identified"' in response.text
    assert form_of(response.text)["victims_identified"] == "5"

    assert 'name="version" value="1"' in response.text  # the refused submission kept a draft

    typed["victims_identified"] = "3"
    fixed = pwg_client.post(
        f"/provincial/{OWN}/{PERIOD}",
        data={"csrf_token": csrf_of(response.text), "version": "1", "action": "submit", **typed},
    )
    assert fixed.status_code == 303
    assert fixed.headers["location"] == f"/provincial/{OWN}/{PERIOD}?done=submitted"
    shown = pwg_client.get(fixed.headers["location"])
    assert "Submitted to the NTF." in shown.text
    assert '<strong id="status">submitted</strong>' in shown.text
    assert form_of(shown.text)["victims_identified"] == "3"


def test_form_with_a_stale_version_shows_the_conflict_and_keeps_the_entries(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal = pwg_users["focal"]
    pwg_client.put(URL, json={"values": VALUES}, headers=bearer(focal))
    sign_in(pwg_client, focal)
    page = pwg_client.get(f"/provincial/{OWN}/{PERIOD}")
    pwg_client.put(URL, json={"version": 1, "values": VALUES}, headers=bearer(focal))  # someone
    typed = {k: str(v) for k, v in VALUES.items()} | {"suspects_arrested": "7"}
    response = pwg_client.post(
        f"/provincial/{OWN}/{PERIOD}",
        data={"csrf_token": csrf_of(page.text), "version": "1", "action": "save", **typed},
    )
    assert response.status_code == 409
    assert "Someone else changed this report since you opened it." in response.text
    assert form_of(response.text)["suspects_arrested"] == "7"
    assert 'name="version" value="2"' in response.text  # saving again now applies on top
    current = pwg_client.get(URL, headers=bearer(focal)).json()
    assert (current["version"], current["values"]["suspects_arrested"]) == (2, 2)


def test_ntf_officer_accepts_and_reopens_from_the_page(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    pwg_client.post(f"{URL}/submit", json={"values": VALUES}, headers=bearer(pwg_users["focal"]))
    sign_in(pwg_client, pwg_users["officer"])
    page = pwg_client.get(f"/provincial/{OWN}/{PERIOD}")
    assert f'action="/provincial/{OWN}/{PERIOD}/accept"' in page.text
    accepted = pwg_client.post(
        f"/provincial/{OWN}/{PERIOD}/accept",
        data={"csrf_token": csrf_of(page.text), "version": "2"},
    )
    assert accepted.headers["location"] == f"/provincial/{OWN}/{PERIOD}?done=accepted"
    page = pwg_client.get(accepted.headers["location"])
    reopened = pwg_client.post(
        f"/provincial/{OWN}/{PERIOD}/reopen",
        data={"csrf_token": csrf_of(page.text), "version": "3", "reason": "typo in arrests"},
    )
    assert reopened.status_code == 303
    history = pwg_client.get(f"{URL}/history", headers=bearer(pwg_users["officer"])).json()
    assert history[-1]["reason"] == "typo in arrests"


def _buttons(html: str) -> set[str]:
    """The workflow buttons a report page offers."""
    found = set(re.findall(r'name="action" value="(save|submit)"', html))
    found |= set(re.findall(r'action="/provincial/[^"]+/(accept|reopen)"', html))
    return found


def test_the_page_offers_exactly_the_transitions_the_workflow_allows_the_user(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal, officer = pwg_users["focal"], pwg_users["officer"]
    page = f"/provincial/{OWN}/{PERIOD}"
    sign_in(pwg_client, focal)
    assert _buttons(pwg_client.get(page).text) == {"save", "submit"}  # no report yet
    pwg_client.post(f"{URL}/submit", json={"values": VALUES}, headers=bearer(focal))
    assert _buttons(pwg_client.get(page).text) == set()  # submitted: the focal point waits
    pwg_client.cookies.clear()
    sign_in(pwg_client, officer)
    assert _buttons(pwg_client.get(page).text) == {"accept", "reopen"}
    pwg_client.post(f"{URL}/accept", json={"version": 2}, headers=bearer(officer))
    assert _buttons(pwg_client.get(page).text) == {"reopen"}
    pwg_client.post(
        f"{URL}/reopen", json={"version": 3, "reason": "recount"}, headers=bearer(officer)
    )
    assert _buttons(pwg_client.get(page).text) == {"save", "submit"}  # the NTF may correct


def test_form_counts_are_read_by_the_one_count_parser(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    sign_in(pwg_client, pwg_users["focal"])
    page = pwg_client.get(f"/provincial/{OWN}/{PERIOD}")
    typed = {k: str(v) for k, v in VALUES.items()}
    refused = pwg_client.post(
        f"/provincial/{OWN}/{PERIOD}",
        data={"csrf_token": csrf_of(page.text), "version": "", "action": "save", **typed}
        | {"suspects_arrested": "1.5"},
    )
    assert refused.status_code == 422
    assert "Suspects arrested: A count must be a whole number, or left blank." in refused.text
    saved = pwg_client.post(
        f"/provincial/{OWN}/{PERIOD}",
        data={"csrf_token": csrf_of(refused.text), "version": "", "action": "save", **typed}
        | {"suspects_arrested": " ២ "},  # Khmer digits, spaces around
    )
    assert saved.status_code == 303, saved.text
    current = pwg_client.get(URL, headers=bearer(pwg_users["focal"])).json()
    assert current["values"]["suspects_arrested"] == 2


def test_focal_point_page_of_another_province_is_403_and_chooser_offers_only_own(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    sign_in(pwg_client, pwg_users["focal"])
    assert pwg_client.get(f"/provincial/{OTHER}/{PERIOD}").status_code == 403
    chooser = pwg_client.get("/provincial?year=2008&province=01")  # the province is fixed
    assert 'id="province"' not in chooser.text  # no choice of province to offer
    assert set(re.findall(r'href="/provincial/(\d\d)/', chooser.text)) == {OWN}
    assert pwg_client.get(f"/provincial?period={PERIOD}").headers["location"] == (
        f"/provincial/{OWN}/{PERIOD}"
    )


def test_form_without_csrf_token_is_refused(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    sign_in(pwg_client, pwg_users["focal"])
    response = pwg_client.post(f"/provincial/{OWN}/{PERIOD}", data={"action": "save"})
    assert response.status_code == 403


# --- real concurrent requests --------------------------------------------------------------


@pytest.fixture
def live_url(pwg_app: FastAPI) -> Iterator[str]:
    """The app under uvicorn in a thread on a free loopback port."""
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


def _race(url: str, token: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send the PUTs from one thread each, released at the same moment."""
    barrier = threading.Barrier(len(bodies))
    responses: list[httpx.Response | None] = [None] * len(bodies)

    def send(index: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            barrier.wait()
            responses[index] = http.put(
                URL, json=bodies[index], headers={"Authorization": f"Bearer {token}"}
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


@pytest.mark.parametrize("rounds", [5])
def test_concurrent_saves_with_the_same_version_one_wins_none_is_lost(
    live_url: str, pwg_users: dict[str, WebUser], pwg_system: System, rounds: int
) -> None:
    token = pwg_users["focal"].api_token
    with httpx.Client(base_url=live_url, timeout=30) as http:
        created = http.put(
            URL, json={"values": VALUES}, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 200, created.text
    version = created.json()["version"]
    for round_number in range(rounds):
        alice = {"version": version, "values": VALUES | {"cases_investigated": 10 + round_number}}
        bob = {"version": version, "values": VALUES | {"suspects_arrested": 20 + round_number}}
        first, second = _race(live_url, token, [alice, bob])
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409], (first.text, second.text)
        winner, loser = (first, second) if first.status_code == 200 else (second, first)
        assert loser.headers["content-type"] == "application/problem+json"
        assert winner.json()["version"] == version + 1
        # the loser reloads and applies their change on top: nothing is lost
        loser_body = alice if loser is first else bob
        with httpx.Client(base_url=live_url, timeout=30) as http:
            auth = {"Authorization": f"Bearer {token}"}
            current = http.get(URL, headers=auth).json()
            merged = current["values"] | {
                k: v for k, v in loser_body["values"].items() if v != VALUES.get(k)
            }
            retry = http.put(
                URL, json={"version": current["version"], "values": merged}, headers=auth
            )
            assert retry.status_code == 200, retry.text
            final = retry.json()
        assert final["version"] == version + 2
        assert final["values"]["cases_investigated"] == 10 + round_number
        assert final["values"]["suspects_arrested"] == 20 + round_number
        version = final["version"]
