"""Persons: the person page and API as several roles see them, scope, audit, no-store."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.casefiles_world import (
    VICTIM_NAME,
    VICTIM_NAME_KHMER,
    World,
    audit_actions,
    audit_details,
    bearer,
    system,
    world,
)
from tests.web.conftest import WebUser, csrf_of, sign_in
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below

VICTIM_PATHWAY = [
    ("victim", "rescued", "2024-03-01", "MOI", "event"),
    ("victim", "referred", "2024-03-02", "MOI", "event"),
    ("victim", "sheltered", "2024-03-03", "AFESIP", "event"),
    ("victim", "determined_victim", "2024-03-04", "AFESIP", "screening"),
    ("victim", "reintegrated", None, "AFESIP", "event"),
]


def steps(body: dict[str, object]) -> list[tuple[object, ...]]:
    timeline = body["timeline"]
    assert isinstance(timeline, list)
    return [(s["pathway"], s["stage"], s.get("on"), s["agency"], s["origin"]) for s in timeline]


def test_officer_sees_every_record_with_names_the_whole_pathway_referrals_and_screenings(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    response = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["officer"]))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert [(r["agency"], r["source_key"], r["name"], r["birth"]) for r in body["records"]] == [
        ("AFESIP", "AF-7", "Sok Darra", "2006-05-01"),
        ("MOI", "MOI-1", f"{VICTIM_NAME} {VICTIM_NAME_KHMER}", "2006-05-01"),
    ]
    assert steps(body) == VICTIM_PATHWAY
    assert [(r["from_agency"], r["to"], r["status"]) for r in body["referrals"]] == [
        ("MOI", "AFESIP", "received")
    ]
    assert [(s["agency"], s["final_determination"]) for s in body["screenings"]] == [
        ("AFESIP", "victim")
    ]
    assert body["charges"] == []
    assert audit_actions(system, "person")[-1][0] == "read_protected"


def test_police_see_their_agency_records_with_names_but_no_referrals_or_screenings(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    body = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["police"])).json()
    assert [(r["agency"], r["name"]) for r in body["records"]] == [
        ("MOI", f"{VICTIM_NAME} {VICTIM_NAME_KHMER}")
    ]
    assert steps(body) == VICTIM_PATHWAY[:2]
    assert "referrals" not in body and "screenings" not in body
    assert body["charges"] == []


def test_court_clerk_sees_the_victim_of_a_court_case_without_identity(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    response = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["clerk"]))
    assert response.status_code == 200
    body = response.json()
    assert body["records"] == [
        {
            "record_id": world.victim_moi_record, "agency": "MOI", "source": "moi-cases",
            "source_key": "MOI-1", "role": "victim", "sex": "female", "birth": "2006",
            "province_code": "12",
        }
    ]  # fmt: skip
    assert VICTIM_NAME not in response.text and "2006-05-01" not in response.text
    assert "referrals" not in body and "screenings" not in body
    assert audit_actions(system, "person")[-1][0] == "read"


def test_suspect_charges_are_shown_to_the_court_with_the_resolved_article(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    body = client.get(f"/api/v1/persons/{world.suspect}", headers=bearer(users["clerk"])).json()
    assert [
        (c["case_number"], c["article"], c["outcome"], c["sentence_months"])
        for c in body["charges"]
    ] == [("PPMC-2024-017", "lshtse-2008 art. 15", "convicted", 84)]
    police = client.get(f"/api/v1/persons/{world.suspect}", headers=bearer(users["police"]))
    assert police.json()["charges"] == []  # the charge is in the court's case, not MOI's


def test_other_agency_person_and_unknown_person_are_the_same_404(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    hidden = client.get(f"/api/v1/persons/{world.client}", headers=bearer(users["police"]))
    missing = client.get("/api/v1/persons/PZZZZZZZZZZZZ", headers=bearer(users["police"]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert hidden.json()["detail"] == f"There is no person {world.client} that you may see."
    assert missing.json()["detail"] == "There is no person PZZZZZZZZZZZZ that you may see."
    assert client.get(
        f"/api/v1/persons/{world.client}", headers=bearer(users["ngo"])
    ).status_code == 200  # fmt: skip


def test_roles_without_persons_read_get_403_and_bad_ids_422(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    denied = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["reader"]))
    assert denied.status_code == 403
    assert denied.json()["detail"] == "Your role does not have the permission 'persons:read'."
    bad = client.get("/api/v1/persons/sok-dara", headers=bearer(users["officer"]))
    assert bad.status_code == 422
    assert [e["location"] for e in bad.json()["errors"]] == ["path.public_id"]


def test_person_list_is_scoped_paginated_and_has_no_names(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    police = client.get("/api/v1/persons", headers=bearer(users["police"])).json()
    assert [p["public_id"] for p in police["items"]] == [world.suspect, world.victim]
    first = client.get("/api/v1/persons?limit=2", headers=bearer(users["officer"])).json()
    assert [p["public_id"] for p in first["items"]] == [world.client, world.suspect]
    assert first["items"][1] == {
        "public_id": world.suspect, "records": 2, "roles": ["suspect"],
        "agencies": ["MOI", "PPMC"],
    }  # fmt: skip
    cursor = first["next_cursor"]
    rest = client.get(f"/api/v1/persons?limit=2&cursor={cursor}", headers=bearer(users["officer"]))
    assert [p["public_id"] for p in rest.json()["items"]] == [world.victim]
    assert rest.json()["next_cursor"] is None


def test_person_page_for_police_shows_names_and_pathway_and_for_clerk_withholds_them(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    sign_in(client, users["police"])
    page = client.get(f"/persons/{world.victim}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert VICTIM_NAME_KHMER in page.text
    assert page.text.index("Rescued") < page.text.index("Referred")
    assert "Record a screening" not in page.text
    assert client.get(f"/persons/{world.client}").status_code == 404
    client.cookies.clear()
    sign_in(client, users["clerk"])
    page = client.get(f"/persons/{world.victim}")
    assert page.status_code == 200
    assert VICTIM_NAME not in page.text and VICTIM_NAME_KHMER not in page.text
    assert "withheld" in page.text


def test_person_page_in_khmer(client: TestClient, users: dict[str, WebUser], world: World) -> None:
    sign_in(client, users["officer"])
    client.cookies.set("tipdata_lang", "km")
    page = client.get(f"/persons/{world.victim}")
    assert page.status_code == 200
    assert '<html lang="km">' in page.text
    assert "ផ្លូវដំណើរ" in page.text  # "Pathway"
    listing = client.get("/persons")
    assert world.victim in listing.text and VICTIM_NAME not in listing.text


def test_name_search_is_exact_scoped_audited_without_the_name_and_posted(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    found = client.post(
        "/api/v1/persons/search", json={"name": "  SOK   dara "}, headers=bearer(users["officer"])
    )
    assert found.status_code == 200, found.text
    assert found.json() == [
        {
            "public_id": world.victim, "record_id": world.victim_moi_record, "agency": "MOI",
            "role": "victim", "name": f"{VICTIM_NAME} {VICTIM_NAME_KHMER}",
            "birth": "2006-05-01", "province_code": "12",
        }
    ]  # fmt: skip
    [(action, ids, detail)] = audit_details(system, "person_record")
    assert (action, ids) == ("read_protected", str(world.victim_moi_record))
    assert "sok" not in (detail or "").lower()
    outside = client.post(
        "/api/v1/persons/search", json={"name": "Keo Srey Mom"}, headers=bearer(users["police"])
    )
    assert outside.json() == []  # an AFESIP client: outside the police scope
    clerk = client.post(
        "/api/v1/persons/search", json={"name": VICTIM_NAME}, headers=bearer(users["clerk"])
    )
    assert clerk.status_code == 403
    empty = client.post(
        "/api/v1/persons/search", json={"name": ""}, headers=bearer(users["police"])
    )
    assert empty.status_code == 422


def test_name_search_page_keeps_the_name_out_of_the_address(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    sign_in(client, users["police"])
    listing = client.get("/persons")
    assert 'action="/persons/search"' in listing.text
    response = client.post(
        "/persons/search", data={"csrf_token": csrf_of(listing.text), "name": "chan vuthy"}
    )
    assert response.status_code == 200
    assert str(response.url) == "http://127.0.0.1/persons/search"
    assert f'href="/persons/{world.suspect}"' in response.text
    assert client.post("/persons/search", data={"name": "chan vuthy"}).status_code == 403
    client.cookies.clear()
    sign_in(client, users["clerk"])
    assert 'action="/persons/search"' not in client.get("/persons").text


def test_an_owning_agency_sees_who_accessed_the_person_and_others_do_not(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    officer = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["officer"]))
    assert "accesses" not in officer.json()  # the NTF owns none of the victim's records

    police = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["police"]))
    assert police.status_code == 200
    accesses = [(a["username"], a["action"]) for a in police.json()["accesses"]]
    assert accesses[:2] == [("police", "read_protected"), ("officer", "read_protected")]
    assert all(set(a) == {"occurred_at", "username", "action"} for a in police.json()["accesses"])

    sign_in(client, users["police"])
    page = client.get(f"/persons/{world.victim}")
    assert page.status_code == 200
    assert "Who accessed this person" in page.text and "officer" in page.text


def test_police_do_not_see_that_the_shelter_ngo_opened_the_person(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    """Review finding 12: the NGO's reads would reveal the shelter; only own agency and NTF."""
    assert client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["ngo"])).is_success
    assert client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["clerk"])).is_success
    client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["officer"]))

    police = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["police"]))
    names = {a["username"] for a in police.json()["accesses"]}
    assert names == {"police", "officer"}  # the court clerk and the NGO worker are left out

    sign_in(client, users["police"])
    page = client.get(f"/persons/{world.victim}")
    accesses = page.text.split('id="accesses-heading"', 1)[1]
    assert "officer" in accesses and ">ngo<" not in accesses and ">clerk<" not in accesses

    ngo = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["ngo"])).json()
    assert {a["username"] for a in ngo["accesses"]} == {"ngo", "officer"}  # AFESIP owns one too
