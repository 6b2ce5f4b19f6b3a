"""Every refused request is audited once, over the pages and the API (review finding 8).

The review found that an out-of-scope case, another province's report and a screening of
a person outside the scope left no ``access.denied`` event, while a person refusal did.
The web app now audits each refusal in one place (:func:`tipdata.web.problems.audit_refusal`).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.casefiles_world import World, bearer, system, world
from tests.web.conftest import WebUser, sign_in
from tests.web.test_provincial_web import OTHER, PERIOD, VALUES
from tipdata.store import AppUser, AuditEvent
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below


def denials(system: System) -> list[tuple[str | None, str | None, str | None, str, str]]:
    """``(username, object type, object ids, permission, reason)`` of every refusal, in order."""
    with system.db.session() as session:
        rows = session.execute(
            sa.select(AppUser.username, AuditEvent.object_type, AuditEvent.object_ids,
                      AuditEvent.detail)
            .outerjoin(AppUser, AppUser.id == AuditEvent.user_id)
            .where(AuditEvent.action == "access.denied")
            .order_by(AuditEvent.id)
        ).all()  # fmt: skip
    found = []
    for username, object_type, ids, detail in rows:
        parsed = json.loads(detail)
        found.append((username, object_type, ids, parsed["permission"], parsed["reason"]))
    return found


def test_a_case_outside_the_scope_is_audited_over_the_api_and_the_page(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    hidden = client.get(f"/api/v1/cases/{world.trial}", headers=bearer(users["police"]))
    assert hidden.status_code == 404
    assert denials(system) == [("police", "case", str(world.trial), "cases:read", "not_found")]

    sign_in(client, users["police"])
    assert client.get(f"/cases/{world.trial}").status_code == 404
    assert client.get("/cases/999999").status_code == 404  # a probe for an absent case too
    assert denials(system)[1:] == [
        ("police", "case", str(world.trial), "cases:read", "not_found"),
        ("police", "case", "999999", "cases:read", "not_found"),
    ]


def test_a_screening_of_a_person_outside_the_scope_is_audited(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    body = {"screening_date": "2024-03-10"}
    outside = client.post(
        f"/api/v1/persons/{world.suspect}/screenings", json=body, headers=bearer(users["ngo"])
    )
    assert outside.status_code == 404
    sign_in(client, users["ngo"])
    assert client.get(f"/persons/{world.suspect}/screenings/new").status_code == 404
    # absent and outside the scope are not told apart, in the answer nor in the log
    assert denials(system) == [
        ("ngo", "person", world.suspect, "screenings:create", "not_found"),
        ("ngo", "person", world.suspect, "screenings:create", "not_found"),
    ]


def test_a_missing_permission_is_audited_once(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    body = {"screening_date": "2024-03-10"}
    refused = client.post(
        f"/api/v1/persons/{world.victim}/screenings", json=body, headers=bearer(users["police"])
    )
    assert refused.status_code == 403
    path = f"/api/v1/persons/{world.victim}/screenings"
    assert denials(system) == [("police", "route", path, "screenings:create", "permission")]


def test_a_person_outside_the_scope_is_audited_once(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    assert (
        client.get(f"/api/v1/persons/{world.client}", headers=bearer(users["police"])).status_code
        == 404
    )
    assert denials(system) == [("police", "person", world.client, "persons:read", "scope")]


def test_another_provinces_report_is_audited_over_the_api_and_the_page(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    focal = pwg_users["focal"]
    other = f"/api/v1/provincial/submissions/{OTHER}/{PERIOD}"
    assert pwg_client.put(other, json={"values": VALUES}, headers=bearer(focal)).status_code == 403
    assert pwg_client.get(other, headers=bearer(focal)).status_code == 403
    sign_in(pwg_client, focal)
    assert pwg_client.get(f"/provincial/{OTHER}/{PERIOD}").status_code == 403
    assert denials(pwg_system) == [
        ("focal", "route", other, "reports:submit", "scope"),
        ("focal", "route", other, "reports:read_province", "scope"),
        ("focal", "route", f"/provincial/{OTHER}/{PERIOD}", "reports:read_province", "scope"),
    ]
