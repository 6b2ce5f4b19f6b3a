"""Case work through the pages and the API, on SQLite and PostgreSQL (issue 18, item 3).

A social worker (DOSAVY Phnom Penh, province scope) and an NGO case worker (AFESIP, its
clients) open a case, assign it, add a follow-up and a note, refer with consent and
correct a record; a police analyst and a court clerk see only what their roles allow.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.access_world import actor_of
from tests.web.casefiles_world import CLIENT_NAME, World, bearer, system, world
from tests.web.conftest import WebUser, csrf_of, sign_in
from tests.web.test_words_not_codes import visible_text
from tipdata.casefiles import correctable_records
from tipdata.casefiles.finder import similarity
from tipdata.services import import_providers
from tipdata.store import CaseNote, PersonRecord, RecordCorrection, Referral
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below

NOTE = "Mother asks for a visit before the school term; client calm."


@pytest.fixture
def directory(system: System, world: World) -> None:
    with system.db.session() as session:
        import_providers(session)


def _post(client: TestClient, path: str, page: str, data: dict[str, str]) -> object:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data})


def test_social_worker_opens_assigns_follows_up_and_writes_an_encrypted_note(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    sign_in(client, users["social"])
    case_page = f"/persons/{world.victim}/case"
    assert client.get(case_page).status_code == 200
    answer = _post(client, case_page, case_page, {"status": "open", "assigned_to": "social"})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    overdue_on = (date.today() - timedelta(days=3)).isoformat()
    _post(client, f"/persons/{world.victim}/follow-ups", case_page,
          {"kind": "home_visit", "due_on": overdue_on})  # fmt: skip
    _post(client, f"/persons/{world.victim}/notes", case_page, {"body": NOTE})
    html = client.get(case_page).text
    page = visible_text(html)
    assert "Home visit" in page and "overdue" in page and "home_visit" not in page
    assert NOTE in html
    overdue = client.get("/casework/overdue")
    assert overdue.status_code == 200 and world.victim in overdue.text
    with system.db.session() as session:
        stored = session.scalars(sa.select(CaseNote.body)).all()
    assert len(stored) == 1 and NOTE not in stored[0]  # encrypted at rest
    body = client.get(f"/api/v1/persons/{world.victim}/case", headers=bearer(users["social"]))
    assert body.json()["notes"][0]["body"] == NOTE
    assert body.json()["cases"][0]["status"] == "open"


def test_roles_without_notes_see_no_note_and_cannot_write_one(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    note = client.post(
        f"/api/v1/persons/{world.victim}/notes", json={"body": NOTE}, headers=bearer(users["ngo"])
    )
    assert note.status_code == 201
    police = client.get(f"/api/v1/persons/{world.victim}/case", headers=bearer(users["police"]))
    assert police.status_code == 200 and police.json()["notes"] is None
    assert NOTE not in police.text
    refused = client.post(
        f"/api/v1/persons/{world.victim}/notes", json={"body": NOTE},
        headers=bearer(users["police"]),
    )  # fmt: skip
    assert refused.status_code == 403
    officer = client.get(f"/api/v1/persons/{world.victim}/case", headers=bearer(users["officer"]))
    assert officer.json()["notes"] is None  # the NTF reads statuses, never notes
    # Another agency's case worker: the social worker reads none of AFESIP's notes.
    social = client.get(f"/api/v1/persons/{world.victim}/case", headers=bearer(users["social"]))
    assert social.json()["notes"] == []
    # A person outside the scope: 404, as for a person that does not exist.
    clerk = client.get(f"/api/v1/persons/{world.client}/case", headers=bearer(users["clerk"]))
    assert clerk.status_code == 404


def test_similar_names_are_found_for_identity_roles_only(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    found = client.post(
        "/api/v1/persons/search-similar", json={"name": "Keo Sreymom"}, headers=bearer(users["ngo"])
    )
    assert found.status_code == 200
    assert [(m["public_id"], m["name"]) for m in found.json()["matches"]] == [
        (world.client, CLIENT_NAME)
    ]
    khmer = client.post(
        "/api/v1/persons/search-similar", json={"name": "Sok Dara"}, headers=bearer(users["ngo"])
    )
    assert [m["public_id"] for m in khmer.json()["matches"]] == [world.victim]
    # NGO scope: its clients only; the suspect's name finds nothing.
    suspect = client.post(
        "/api/v1/persons/search-similar", json={"name": "Chan Vuthy"}, headers=bearer(users["ngo"])
    )
    assert suspect.json()["matches"] == []
    clerk = client.post(
        "/api/v1/persons/search-similar", json={"name": "Sok Dara"}, headers=bearer(users["clerk"])
    )
    assert clerk.status_code == 403 and "Sok" not in clerk.text
    sign_in(client, users["clerk"])
    listed = client.get("/casework/persons?role=victim")
    assert listed.status_code == 200 and "Sok" not in listed.text
    assert 'id="similar-search"' not in listed.text


def test_similarity_matches_spelling_variants_and_tells_names_apart() -> None:
    assert similarity("Sreyneang Roos", "Srey Neang Roos") == 1.0
    assert similarity("Sok Darra", "Sok Dara") >= 0.8
    assert similarity("Sok Dara", "Chan Vuthy") < 0.5


def test_the_person_list_filters_sorts_and_names_no_one(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    sign_in(client, users["officer"])
    suspects = client.get("/casework/persons?role=suspect")
    assert world.suspect in suspects.text and world.victim not in suspects.text
    female = client.get("/casework/persons?sex=female&sort=public_id")
    assert female.text.index(world.client) < female.text.index(world.victim)
    children = client.get("/casework/persons?age_group=child")  # born 2006: adults now
    assert world.victim not in children.text
    dated = client.get("/casework/persons?event_from=2024-03-03&event_to=2024-03-03")
    assert world.victim in dated.text and world.suspect not in dated.text
    assert "Sok Dara" not in dated.text
    assert client.get("/casework/persons?sort=name").status_code == 422


def test_ngo_refers_with_consent_and_is_refused_without(
    client: TestClient, users: dict[str, WebUser], world: World, system: System, directory: None
) -> None:
    sign_in(client, users["ngo"])
    refer = f"/persons/{world.victim}/refer"
    form = client.get(refer + "?province=12&service=shelter")
    assert form.status_code == 200 and "AFESIP recovery centre Phnom Penh" in form.text
    refused = _post(client, refer, refer, {
        "record_id": str(world.victim_afesip_record), "provider": "AFESIP-PP", "consent_on": "",
    })  # fmt: skip
    assert refused.status_code == 422  # type: ignore[attr-defined]
    done = _post(client, refer, refer, {
        "record_id": str(world.victim_afesip_record), "provider": "AFESIP-PP",
        "consent_on": "2024-03-05",
    })  # fmt: skip
    assert done.status_code == 303  # type: ignore[attr-defined]
    with system.db.session() as session:
        consents = session.scalars(
            sa.select(Referral.consent_recorded).where(
                Referral.person_record_id == world.victim_afesip_record
            )
        ).all()
    assert consents == [True]
    client.cookies.clear()
    sign_in(client, users["clerk"])
    assert client.get(refer).status_code == 403


def test_ngo_corrects_its_own_record_with_a_reason_and_the_history_is_kept(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    sign_in(client, users["ngo"])
    case_page = f"/persons/{world.victim}/case"
    path = f"/persons/{world.victim}/corrections"
    other_agency = _post(client, path, case_page, {
        "record_id": str(world.victim_moi_record), "field": "full_name", "value": "Sok Dara",
        "reason": "spelling checked with the client",
    })  # fmt: skip
    assert other_agency.status_code == 422  # type: ignore[attr-defined]
    done = _post(client, path, case_page, {
        "record_id": str(world.victim_afesip_record), "field": "full_name", "value": "Sok Dara",
        "reason": "spelling checked with the client",
    })  # fmt: skip
    assert done.status_code == 303  # type: ignore[attr-defined]
    page = client.get(case_page).text
    assert "Sok Darra" in page and "spelling checked with the client" in page
    with system.db.session() as session:
        stored = session.scalars(sa.select(RecordCorrection.old_value)).one()
        bidx = session.scalar(
            sa.select(PersonRecord.full_name_bidx).where(
                PersonRecord.id == world.victim_afesip_record
            )
        )
    assert stored is not None and "Darra" not in stored
    exact = client.post(
        "/api/v1/persons/search", json={"name": "Sok Dara"}, headers=bearer(users["ngo"])
    )
    assert world.victim_afesip_record in [m["record_id"] for m in exact.json()]
    assert bidx is not None


def test_only_the_records_an_agency_owns_are_offered_for_correction(
    world: World, system: System
) -> None:
    """The case page's record list and its correction form were the route's rule."""
    offered = {
        username: correctable_records(system.db, world.victim, actor=actor_of(system.db, username))
        for username in ("ngo", "social", "police")
    }
    # the police analyst's agency owns a record of the victim, but may not correct records
    assert offered == {"ngo": [world.victim_afesip_record], "social": [], "police": []}


def test_the_timeline_is_in_date_order_across_records(
    client: TestClient, users: dict[str, WebUser], world: World
) -> None:
    body = client.get(f"/api/v1/persons/{world.victim}", headers=bearer(users["officer"])).json()
    dated = [step["on"] for step in body["timeline"] if step["on"]]
    assert dated == sorted(dated)


def test_notes_and_corrections_survive_a_data_key_rotation(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    """The new encrypted columns are in PROTECTED_COLUMNS: rotation re-encrypts them."""
    from tipdata.access.keys import rotate_data_key

    client.post(
        f"/api/v1/persons/{world.victim}/notes", json={"body": NOTE}, headers=bearer(users["ngo"])
    )
    sign_in(client, users["ngo"])
    case_page = f"/persons/{world.victim}/case"
    _post(client, f"/persons/{world.victim}/corrections", case_page, {
        "record_id": str(world.victim_afesip_record), "field": "full_name", "value": "Sok Dara",
        "reason": "spelling checked with the client",
    })  # fmt: skip
    with system.db.session() as session:
        before = session.scalars(sa.select(CaseNote.body)).one()
    rotation = rotate_data_key(system.db, system.db.master_key())
    assert rotation.values_reencrypted > 0
    with system.db.session() as session:
        assert session.scalars(sa.select(CaseNote.body)).one() != before
    body = client.get(f"/api/v1/persons/{world.victim}/case", headers=bearer(users["ngo"])).json()
    assert [note["body"] for note in body["notes"]] == [NOTE]
    assert "Sok Darra" in client.get(case_page).text  # the corrected value, still readable
