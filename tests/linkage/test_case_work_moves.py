"""Case work follows the person it is about through merges and splits (issue 18, item 3).

An agency's case (status, assigned worker), its follow-ups and notes name a person by id;
a manual merge moves them to the person kept (combining two cases of one agency), a
manual split moves an agency's case work with that agency's records, and the next full
run keeps them where they are. Both engines (``linked_people`` is parametrised).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tests.linkage.conftest import LinkedPeople
from tipdata.access import Passwords
from tipdata.access.users import add_user
from tipdata.linkage.service import link, merge_persons, split_person
from tipdata.model.enums import CaseWorkStatus
from tipdata.store import Person, PersonRecord, SourceRecord
from tipdata.store.casework import CaseNote, CaseWork, FollowUp
from tipdata.store.database import Database
from tipdata.store.reference import Agency


def _ids(db: Database) -> tuple[dict[str, str], dict[str, int], dict[str, int]]:
    """Public id and person id by source key, and agency ids by code."""
    with db.session() as session:
        rows = session.execute(
            sa.select(SourceRecord.source_key, Person.public_id, Person.id)
            .join(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
            .join(Person, Person.id == PersonRecord.person_id)
        ).all()
        agencies = dict(session.execute(sa.select(Agency.code, Agency.id)).all())
    return {k: p for k, p, _ in rows}, {k: i for k, _, i in rows}, agencies


def _case_work(db: Database) -> dict[str, set[tuple[str, int]]]:
    """Every case-work row as (kind, person id), with the cases' status and worker."""
    with db.session() as session:
        return {
            "cases": set(
                session.execute(
                    sa.select(
                        CaseWork.owner_agency_id,
                        CaseWork.person_id,
                        CaseWork.status,
                        CaseWork.assigned_user_id,
                        CaseWork.opened_on,
                    )
                ).all()
            ),
            "follow_ups": set(session.execute(sa.select(FollowUp.kind, FollowUp.person_id)).all()),
            "notes": set(session.execute(sa.select(CaseNote.body, CaseNote.person_id)).all()),
        }


def test_case_work_follows_merges_and_splits(linked_people: LinkedPeople) -> None:
    db = linked_people.db
    public, person, agency = _ids(db)
    moi, mosavy = agency["MOI"], agency["MOSAVY"]
    kept, merged, split_from = person["P-5"], person["M-6"], person["P-1"]
    with db.session() as session:
        worker = add_user(
            session, None, username="worker", display_name="A worker", role="social_worker",
            agency_id=moi, province_code="12", password=None, passwords=Passwords(),
        ).id  # fmt: skip
        # the shelter's record of P-1 is MoSAVY's, the rest MOI's
        session.execute(
            sa.update(PersonRecord)
            .where(PersonRecord.source_record_id.in_(
                sa.select(SourceRecord.id).where(SourceRecord.source_key == "S-1")))
            .values(owner_agency_id=mosavy)
        )  # fmt: skip
        session.add_all([
            # MOI has a closed case with P-5 and an open one with M-6: one person, one case
            CaseWork(owner_agency_id=moi, person_id=kept, status=CaseWorkStatus.CLOSED,
                     opened_on=date(2008, 5, 1), closed_on=date(2008, 6, 1)),
            CaseWork(owner_agency_id=moi, person_id=merged, status=CaseWorkStatus.OPEN,
                     opened_on=date(2008, 4, 1), assigned_user_id=worker),
            FollowUp(owner_agency_id=moi, person_id=merged, kind="home_visit",
                     due_on=date(2008, 7, 1)),
            CaseNote(owner_agency_id=moi, person_id=merged, body="note-of-m6"),
            # P-1: MOI's case and MoSAVY's (the shelter's), each with a note
            CaseWork(owner_agency_id=moi, person_id=split_from, opened_on=date(2008, 3, 1)),
            CaseWork(owner_agency_id=mosavy, person_id=split_from, opened_on=date(2008, 3, 2)),
            CaseNote(owner_agency_id=moi, person_id=split_from, body="note-of-moi"),
            CaseNote(owner_agency_id=mosavy, person_id=split_from, body="note-of-shelter"),
        ])  # fmt: skip
        shelter_record = session.scalar(
            sa.select(PersonRecord.id)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .where(SourceRecord.source_key == "S-1")
        )
    assert shelter_record is not None

    merge_persons(db, public["P-5"], public["M-6"], actor=None, reason="same ID card")
    new_public = split_person(db, public["P-1"], [shelter_record], actor=None, reason="twin sister")
    with db.session() as session:
        new = session.scalar(sa.select(Person.id).where(Person.public_id == new_public))
    expected = {
        "cases": {
            # one MOI case with P-5: open (a merge never closes one), the earlier opening,
            # the worker of M-6's case
            (moi, kept, CaseWorkStatus.OPEN, worker, date(2008, 4, 1)),
            (moi, split_from, CaseWorkStatus.OPEN, None, date(2008, 3, 1)),
            (mosavy, new, CaseWorkStatus.OPEN, None, date(2008, 3, 2)),  # with its record
        },
        "follow_ups": {("home_visit", kept)},
        "notes": {("note-of-m6", kept), ("note-of-moi", split_from), ("note-of-shelter", new)},
    }
    assert _case_work(db) == expected
    link(db, mode="full", actor=None)  # the next run keeps the persons, so the case work
    assert _case_work(db) == expected
