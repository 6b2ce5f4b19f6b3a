"""Identity documents from the outside: the person API and page, and the document search.

Roles that read identities (NTF officer, police analyst in their scope) see a person's
documents and can search by number; a court clerk sees neither the documents nor the
search, and the search refuses them. On SQLite and PostgreSQL (the ``db`` matrix).
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.casefiles_world import World, audit_details, bearer, system, world
from tests.web.conftest import WebUser, csrf_of, sign_in
from tipdata.access.documents import protect_document
from tipdata.access.protected import keyring_for
from tipdata.store import IdentityDocument, PersonRecord
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below

PASSPORT = "N0123456"
WORKER_ID = "LMIS2008000042"


@pytest.fixture
def documents(system: System, world: World) -> World:
    """A passport on the victim's MOI record, a worker id on their AFESIP record."""
    keyring = keyring_for(system.db)
    with system.db.session() as session:
        for record_id, kind, number, issued in [
            (world.victim_moi_record, "passport", PASSPORT, date(2005, 2, 3)),
            (world.victim_afesip_record, "worker_id", WORKER_ID, None),
        ]:
            owner = session.scalar(
                sa.select(PersonRecord.owner_agency_id).where(PersonRecord.id == record_id)
            )
            document = IdentityDocument(
                person_record_id=record_id, owner_agency_id=owner, kind=kind,
                number="", number_bidx="", issuing_country=None,
            )  # fmt: skip
            session.add(document)
            session.flush()
            values: dict[str, object] = {"number": number, "issue_date": issued}
            protect_document(keyring, document.id, values)
            for column, value in values.items():
                setattr(document, column, value)
    return world


def test_the_officer_sees_every_document_of_the_person(
    client: TestClient, users: dict[str, WebUser], documents: World
) -> None:
    body = client.get(
        f"/api/v1/persons/{documents.victim}", headers=bearer(users["officer"])
    ).json()
    assert [(d["person_record_id"], d["kind"], d["number"], d["issue_date"])
            for d in body["documents"]] == [
        (documents.victim_moi_record, "passport", PASSPORT, "2005-02-03"),
        (documents.victim_afesip_record, "worker_id", WORKER_ID, None),
    ]  # fmt: skip


def test_police_see_the_documents_of_their_records_only_and_the_clerk_none(
    client: TestClient, users: dict[str, WebUser], documents: World, system: System
) -> None:
    police = client.get(f"/api/v1/persons/{documents.victim}", headers=bearer(users["police"]))
    assert [d["number"] for d in police.json()["documents"]] == [PASSPORT]
    clerk = client.get(f"/api/v1/persons/{documents.victim}", headers=bearer(users["clerk"]))
    assert clerk.status_code == 200
    assert "documents" not in clerk.json()
    assert PASSPORT not in clerk.text and WORKER_ID not in clerk.text
    # the police read is audited with the record id, never the number
    action, ids, detail = audit_details(system, "person_record")[-1]
    assert (action, ids) == ("read_protected", str(documents.victim_moi_record))
    assert PASSPORT not in (detail or "")


def test_the_person_page_shows_documents_to_police_and_not_to_the_clerk(
    client: TestClient, users: dict[str, WebUser], documents: World
) -> None:
    sign_in(client, users["police"])
    page = client.get(f"/persons/{documents.victim}")
    assert "Identity documents" in page.text and PASSPORT in page.text
    assert WORKER_ID not in page.text  # the AFESIP record is outside the police scope
    client.cookies.clear()
    sign_in(client, users["clerk"])
    page = client.get(f"/persons/{documents.victim}")
    assert page.status_code == 200
    assert "Identity documents" not in page.text and PASSPORT not in page.text


def test_document_search_through_the_blind_index_for_roles_reading_identities(
    client: TestClient, users: dict[str, WebUser], documents: World, system: System
) -> None:
    found = client.post(
        "/api/v1/persons/search-by-document",
        json={"number": "n 0123-456"},
        headers=bearer(users["officer"]),
    )
    assert found.status_code == 200, found.text
    assert [(m["public_id"], m["record_id"], m["agency"]) for m in found.json()] == [
        (documents.victim, documents.victim_moi_record, "MOI")
    ]
    [(action, ids, detail)] = audit_details(system, "person_record")
    assert (action, ids) == ("read_protected", str(documents.victim_moi_record))
    assert "0123456" not in (detail or "")
    outside = client.post(
        "/api/v1/persons/search-by-document",
        json={"number": WORKER_ID},
        headers=bearer(users["police"]),
    )
    assert outside.json() == []  # the AFESIP record: outside the police scope
    clerk = client.post(
        "/api/v1/persons/search-by-document",
        json={"number": PASSPORT},
        headers=bearer(users["clerk"]),
    )
    assert clerk.status_code == 403


def test_document_search_page_keeps_the_number_out_of_the_address(
    client: TestClient, users: dict[str, WebUser], documents: World
) -> None:
    sign_in(client, users["police"])
    listing = client.get("/persons")
    assert 'action="/persons/search-by-document"' in listing.text
    response = client.post(
        "/persons/search-by-document",
        data={"csrf_token": csrf_of(listing.text), "number": PASSPORT.lower()},
    )
    assert response.status_code == 200
    assert str(response.url) == "http://127.0.0.1/persons/search-by-document"
    assert f'href="/persons/{documents.victim}"' in response.text
    client.cookies.clear()
    sign_in(client, users["clerk"])
    assert 'action="/persons/search-by-document"' not in client.get("/persons").text
