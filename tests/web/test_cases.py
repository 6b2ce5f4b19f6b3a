"""Cases: list and case file per role, scope in SQL (404 outside it), articles, findings."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.casefiles_world import (
    SUSPECT_NAME,
    VICTIM_NAME,
    VICTIM_NAME_KHMER,
    World,
    audit_actions,
    bearer,
    system,
    world,
)
from tests.web.conftest import WebUser, sign_in
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below


def numbers(body: dict[str, object]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return [item["case_number"] for item in items]


def test_each_role_lists_only_the_cases_of_its_scope(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    def listed(user: str) -> list[str]:
        response = client.get("/api/v1/cases", headers=bearer(users[user]))
        assert response.status_code == 200, response.text
        return numbers(response.json())

    assert listed("officer") == ["PPMC-2024-017", "MOI-2024-001"]
    assert listed("police") == ["MOI-2024-001"]
    assert listed("clerk") == ["PPMC-2024-017"]
    assert audit_actions(system, "case")[-1] == ("read", str(world.trial))
    assert client.get("/api/v1/cases", headers=bearer(users["ngo"])).status_code == 403


def test_case_list_paginates(client: TestClient, users: dict[str, WebUser], world: World) -> None:
    first = client.get("/api/v1/cases?limit=1", headers=bearer(users["officer"])).json()
    assert numbers(first) == ["PPMC-2024-017"]
    assert first["items"][0] == {
        "id": world.trial, "case_number": "PPMC-2024-017", "kind": "court", "agency": "PPMC",
        "court": "Phnom Penh Municipal Court", "province_code": "12",
        "opened_date": "2024-06-01", "closed_date": None, "exploitation_types": [],
        "victims": 1, "suspects": 1,
    }  # fmt: skip
    rest = client.get(
        f"/api/v1/cases?limit=1&cursor={first['next_cursor']}", headers=bearer(users["officer"])
    ).json()
    assert numbers(rest) == ["MOI-2024-001"]
    assert rest["next_cursor"] is None


def test_clerk_reads_the_court_case_charges_verdict_sentence_and_findings_without_names(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    response = client.get(f"/api/v1/cases/{world.trial}", headers=bearer(users["clerk"]))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert [(p["role"], p.get("name"), p["birth"]) for p in body["people"]] == [
        ("victim", None, "2006"),
        ("suspect", None, "1980"),
    ]
    assert all("name" not in person for person in body["people"])
    assert SUSPECT_NAME not in response.text and VICTIM_NAME not in response.text
    assert body["charges"] == [
        {
            "charge_id": world.charge, "case_id": world.trial, "case_number": "PPMC-2024-017",
            "suspect_record_id": body["people"][1]["person_record_id"],
            "article": "lshtse-2008 art. 15", "article_title": None,  # required: null, not absent
            "trafficking_offence": True, "article_as_written": "មាត្រា ១៥", "outcome": "convicted",
            "verdict_date": "2024-11-20", "sentence_months": 84, "suspended_months": 12,
            "fine_riel": 10_000_000, "compensation_riel": 2_000_000, "compensation_paid": False,
        }
    ]  # fmt: skip
    assert body["findings"] == [
        {
            "rule": "suspended_trafficking_sentence", "severity": "warning",
            "charge_id": world.charge, "article": "lshtse-2008 art. 15",
            "message": "12 of 84 months suspended for a trafficking offence under "
            "lshtse-2008 art. 15",
        }
    ]  # fmt: skip
    assert audit_actions(system, "case")[-1] == ("read", str(world.trial))


def test_officer_reads_names_in_the_case_and_the_view_is_audited_as_protected(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    body = client.get(
        f"/api/v1/cases/{world.investigation}", headers=bearer(users["officer"])
    ).json()
    assert [(p["role"], p["name"], p["person_public_id"]) for p in body["people"]] == [
        ("victim", f"{VICTIM_NAME} {VICTIM_NAME_KHMER}", world.victim),
        ("suspect", SUSPECT_NAME, world.suspect),
    ]
    assert body["case"]["exploitation_types"] == ["sexual_exploitation"]
    assert body["charges"] == [] and body["findings"] == []
    assert audit_actions(system, "case")[-1] == ("read_protected", str(world.investigation))


def test_other_agency_case_and_unknown_case_are_the_same_404(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    hidden = client.get(f"/api/v1/cases/{world.trial}", headers=bearer(users["police"]))
    missing = client.get("/api/v1/cases/999999", headers=bearer(users["police"]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert hidden.json() == {
        "type": "about:blank", "title": "Not Found", "status": 404,
        "detail": f"There is no case {world.trial} that you may see.",
        "instance": f"/api/v1/cases/{world.trial}",
    }  # fmt: skip
    assert missing.json()["detail"] == "There is no case 999999 that you may see."
    assert client.get("/api/v1/cases/0", headers=bearer(users["police"])).status_code == 422


def test_case_pages_render_for_the_clerk(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    sign_in(client, users["clerk"])
    listing = client.get("/cases")
    assert listing.status_code == 200
    assert "PPMC-2024-017" in listing.text and "MOI-2024-001" not in listing.text
    page = client.get(f"/cases/{world.trial}")
    assert page.status_code == 200
    # words, not codes: the article by its law's name, the finding by its rule's title
    assert "Anti-trafficking law 2008, art. 15" in page.text
    assert "Suspended sentence for a trafficking offence" in page.text
    assert "suspended_trafficking_sentence" not in page.text
    assert SUSPECT_NAME not in page.text
    assert client.get(f"/cases/{world.investigation}").status_code == 404
    client.cookies.set("tipdata_lang", "km")
    assert "សំណុំរឿង" in client.get(f"/cases/{world.trial}").text  # "Case"


def test_openapi_documents_every_case_file_endpoint_with_its_problems(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    document = client.get("/api/v1/openapi.json", headers=bearer(users["reader"])).json()
    documented = {
        (method.upper(), path): sorted(operation["responses"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if path.startswith(("/api/v1/persons", "/api/v1/cases", "/api/v1/review"))
    }
    assert documented == {
        ("GET", "/api/v1/persons"): ["200", "400", "401", "403", "422", "503"],
        ("GET", "/api/v1/persons/{public_id}"): ["200", "400", "401", "403", "404", "422", "503"],
        ("POST", "/api/v1/persons/search"): ["200", "400", "401", "403", "422", "503"],
        ("POST", "/api/v1/persons/search-by-document"): [
            "200", "400", "401", "403", "422", "503"
        ],
        ("POST", "/api/v1/persons/{public_id}/screenings"): [
            "201", "400", "401", "403", "404", "409", "422", "503"
        ],
        ("GET", "/api/v1/cases"): ["200", "400", "401", "403", "422", "503"],
        ("GET", "/api/v1/cases/{case_id}"): ["200", "400", "401", "403", "404", "422", "503"],
        ("GET", "/api/v1/review"): ["200", "400", "401", "403", "422", "503"],
        ("POST", "/api/v1/review/{pair_id}"): [
            "200", "400", "401", "403", "404", "409", "422", "503"
        ],
        ("GET", "/api/v1/persons/{public_id}/case"): [
            "200", "400", "401", "403", "404", "422", "503"
        ],
        ("POST", "/api/v1/persons/search-similar"): ["200", "400", "401", "403", "422", "503"],
        ("POST", "/api/v1/persons/{public_id}/notes"): [
            "201", "400", "401", "403", "404", "422", "503"
        ],
    }  # fmt: skip
