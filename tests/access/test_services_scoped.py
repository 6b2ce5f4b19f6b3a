"""Person-returning services filter by scope, present by role and audit every read.

One person, three records from three agencies (ordered by agency code):

* DOSAVY-BB: suspect, Battambang (02)
* MOI: victim, Battambang (02), with a birth date
* PPCOURT: victim, Phnom Penh (12)
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.access.conftest import World
from tests.protected import protect_new_person_records
from tests.store.rows import add_source_record
from tipdata.access import AccessDenied, Actor, require_national, sync_roles, verify
from tipdata.linkage.service import (
    LinkageError,
    decide_pair,
    link,
    merge_persons,
    person_details,
    review_queue,
    split_person,
)
from tipdata.model import PersonRole
from tipdata.store import (
    Agency,
    AppUser,
    AuditEvent,
    Database,
    Person,
    PersonRecord,
    Role,
    SourceRecord,
)

NAME = "Sok Dara"


def _person(db: Database, world: World) -> tuple[str, int]:
    """The person of the module docstring; returns its public id and row id."""
    with db.session() as session:
        first = add_source_record(session, session.get_one(Agency, world.police), "V-1")
        person = Person(owner_agency_id=world.police)
        session.add(person)
        session.flush()
        rows = [
            (world.police, PersonRole.VICTIM, "02", date(1999, 3, 4)),
            (world.court, PersonRole.VICTIM, "12", None),
            (world.dosavy, PersonRole.SUSPECT, "02", None),
        ]
        for number, (agency, role, province, birth_date) in enumerate(rows, start=1):
            source_record = first
            if number > 1:
                source_record = SourceRecord(
                    source_id=first.source_id, source_key=f"V-{number}",
                    import_run_id=first.import_run_id, first_import_run_id=first.import_run_id,
                    row_number=number + 1, payload={}, payload_sha256=str(number) * 64,
                )  # fmt: skip
                session.add(source_record)
                session.flush()
            session.add(
                PersonRecord(
                    source_record_id=source_record.id,
                    person_id=person.id,
                    role=role,
                    full_name=NAME,
                    birth_date=birth_date,
                    birth_year=1999,
                    owner_agency_id=agency,
                    province_code=province,
                )
            )
            protect_new_person_records(session, db.master_key())
        return person.public_id, person.id


def _actor(db: Database, username: str, role: str, agency: int, province: str | None) -> Actor:
    """A real user (audit events refer to it) and its actor."""
    with db.session() as session:
        sync_roles(session)
        role_id = session.scalar(sa.select(Role.id).where(Role.code == role))
        assert role_id is not None
        user = AppUser(
            username=username, display_name=username, role_id=role_id, agency_id=agency,
            province_code=province,
        )  # fmt: skip
        session.add(user)
        session.flush()
        session.refresh(user)
        return Actor.of(user)


def _events(db: Database) -> list[tuple[int | None, str, str | None, str | None, str | None]]:
    with db.session() as session:
        return [
            (e.user_id, e.action, e.object_type, e.object_ids, e.detail)
            for e in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
        ]


def _other_police_agency(db: Database) -> int:
    with db.session() as session:
        agency = Agency(code="PP-POLICE", name="Phnom Penh police", kind="government")
        session.add(agency)
        session.flush()
        return agency.id


def test_ntf_data_officer_sees_every_record_with_names(db: Database, world: World) -> None:
    public_id, person_id = _person(db, world)
    officer = _actor(db, "ntf", "ntf_data_officer", world.police, None)

    view = person_details(db, public_id, actor=officer)

    assert [(r.agency, r.role, r.name, r.birth) for r in view.records] == [
        ("DOSAVY-BB", "suspect", NAME, "1999"),
        ("MOI", "victim", NAME, "1999-03-04"),
        ("PPCOURT", "victim", NAME, "1999"),
    ]
    assert _events(db) == [
        (officer.user_id, "read_protected", "person", str(person_id), '{"records": 3}')
    ]


def test_police_analyst_sees_own_agency_records_only(db: Database, world: World) -> None:
    public_id, person_id = _person(db, world)
    analyst = _actor(db, "moi", "police_analyst", world.police, None)

    view = person_details(db, public_id, actor=analyst)

    assert [(r.agency, r.name, r.birth) for r in view.records] == [("MOI", NAME, "1999-03-04")]
    assert _events(db) == [
        (analyst.user_id, "read_protected", "person", str(person_id), '{"records": 1}')
    ]


def test_police_analyst_of_another_agency_gets_nothing(db: Database, world: World) -> None:
    public_id, _person_id = _person(db, world)
    analyst = _actor(db, "pp", "police_analyst", _other_police_agency(db), None)

    with pytest.raises(LinkageError, match="no person"):
        person_details(db, public_id, actor=analyst)
    # the refusal is audited (who, what, which person), though the reader is told nothing
    assert _events(db) == [
        (
            analyst.user_id,
            "access.denied",
            "person",
            public_id,
            '{"permission": "persons:read", "reason": "scope"}',
        )
    ]


def test_statistics_reader_is_denied(db: Database, world: World) -> None:
    public_id, _person_id = _person(db, world)
    reader = _actor(db, "stats", "statistics_reader", world.police, None)

    with pytest.raises(AccessDenied, match="persons:read"):
        person_details(db, public_id, actor=reader)
    assert _events(db) == [
        (
            reader.user_id,
            "access.denied",
            "person",
            public_id,
            '{"permission": "persons:read", "reason": "permission"}',
        )
    ]
    assert verify(db).ok


def test_linkage_needs_linkage_run_and_the_refusal_is_audited(db: Database, world: World) -> None:
    analyst = _actor(db, "moi", "police_analyst", world.police, None)

    with pytest.raises(AccessDenied, match="linkage:run"):
        link(db, mode="full", actor=analyst)
    assert _events(db) == [
        (
            analyst.user_id,
            "access.denied",
            "linkage_run",
            None,
            '{"permission": "linkage:run", "reason": "permission"}',
        )
    ]


def test_court_clerk_without_identity_sees_no_names(db: Database, world: World) -> None:
    public_id, person_id = _person(db, world)
    clerk = _actor(db, "clerk", "court_clerk", world.court, None)

    view = person_details(db, public_id, actor=clerk)

    assert [(r.agency, r.name, r.birth) for r in view.records] == [("PPCOURT", "", "1999")]
    assert _events(db) == [(clerk.user_id, "read", "person", str(person_id), '{"records": 1}')]


def test_social_worker_sees_victims_of_the_province(db: Database, world: World) -> None:
    # roles.yaml grants social workers persons:read_identity: names show, suspects do not.
    public_id, person_id = _person(db, world)
    worker = _actor(db, "sw", "social_worker", world.dosavy, "02")

    view = person_details(db, public_id, actor=worker)

    assert [(r.agency, r.role, r.name) for r in view.records] == [("MOI", "victim", NAME)]
    assert _events(db) == [
        (worker.user_id, "read_protected", "person", str(person_id), '{"records": 1}')
    ]


def test_local_operator_sees_everything_and_is_audited(db: Database, world: World) -> None:
    public_id, person_id = _person(db, world)

    view = person_details(db, public_id, actor=None)

    assert len(view.records) == 3
    assert _events(db) == [(None, "read_protected", "person", str(person_id), '{"records": 3}')]
    assert all(NAME not in (event[4] or "") for event in _events(db))


def test_review_queue_needs_linkage_review(db: Database, world: World) -> None:
    analyst = _actor(db, "moi", "police_analyst", world.police, None)
    officer = _actor(db, "ntf", "ntf_data_officer", world.police, None)

    with pytest.raises(AccessDenied, match="linkage:review"):
        review_queue(db, actor=analyst)
    assert review_queue(db, actor=officer) == []
    assert [(user, action, kind) for user, action, kind, _ids, _detail in _events(db)] == [
        (analyst.user_id, "access.denied", "review_pair"),
        (officer.user_id, "read_protected", "review_pair"),
    ]


def test_decisions_merges_and_splits_need_linkage_review(db: Database, world: World) -> None:
    public_id, _person_id = _person(db, world)
    worker = _actor(db, "sw", "social_worker", world.dosavy, "02")

    with pytest.raises(AccessDenied, match="linkage:review"):
        decide_pair(db, 1, "same", actor=worker)
    with pytest.raises(AccessDenied, match="linkage:review"):
        merge_persons(db, public_id, public_id, actor=worker, reason="same ID card")
    with pytest.raises(AccessDenied, match="linkage:review"):
        split_person(db, public_id, [1], actor=worker, reason="twin sister")
    # every refusal is audited once, with the permission and the object, never the reason
    assert [(user, action, kind, ids) for user, action, kind, ids, _detail in _events(db)] == [
        (worker.user_id, "access.denied", "review_pair", "1"),
        (worker.user_id, "access.denied", "person", None),
        (worker.user_id, "access.denied", "person", None),
    ]
    assert all("twin" not in (detail or "") for *_rest, detail in _events(db))


def test_audit_detail_never_names_the_person(db: Database, world: World) -> None:
    public_id, _person_id = _person(db, world)
    officer = _actor(db, "ntf", "ntf_data_officer", world.police, None)

    person_details(db, public_id, actor=officer)

    details = [json.loads(detail or "{}") for *_rest, detail in _events(db)]
    assert details == [{"records": 3}]


def test_the_cli_acts_as_the_audited_local_operator(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tipdata.cli import app
    from tipdata.cli._common import system_for

    runner = CliRunner()
    home = ["--home", str(tmp_path)]
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0

    listed = runner.invoke(app, ["link", "review", *home])
    unknown = runner.invoke(app, ["persons", "show", "PNOSUCHPERSON", *home])

    assert listed.exit_code == 0
    assert unknown.exit_code == 2 and "no person PNOSUCHPERSON" in unknown.stderr
    assert [event[:3] for event in _events(system_for(tmp_path).db)] == [
        (None, "read_protected", "review_pair")
    ]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("ntf_data_officer", True),
        ("police_analyst", False),
        ("social_worker", False),
        ("ngo_case_worker", False),
        ("court_clerk", False),
        ("statistics_reader", False),
        ("auditor", False),
        ("administrator", False),
        ("provincial_focal_point", False),
    ],
)
def test_national_person_readers(role: str, allowed: bool) -> None:
    actor = Actor(user_id=1, username="someone", role=role, agency_id=1, province_code="02")
    try:
        require_national(actor, "persons:read")
    except AccessDenied:
        assert not allowed
    else:
        assert allowed
