"""Fixtures for legal, pathway, screening and service tests: a database with reference data
and a small builder of inline rows (source records, person records, cases, charges, events)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests import factories
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.model.enums import CaseKind, ChargeOutcome, EventType, PersonRole
from tipdata.store import (
    Agency,
    Case,
    CasePerson,
    Charge,
    Database,
    Event,
    Person,
    PersonRecord,
)
from tipdata.store.refdata import sync_reference_data


@pytest.fixture
def ref_db(db: Database) -> Database:
    """The test database with code lists and the law catalogue loaded."""
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


@dataclass
class Rows:
    """Builds inline rows in one session; every fact gets a source record."""

    session: Session
    _keys = itertools.count(1)

    def agency(self, code: str) -> int:
        return int(
            self.session.execute(sa.select(Agency.id).where(Agency.code == code)).scalar_one()
        )

    def source_record(self, agency: str, payload: dict[str, Any] | None = None) -> int:
        return factories.source_record(
            self.session,
            self.agency(agency),
            f"K{next(self._keys)}",
            source_code=f"test:{agency}",
            source_name=agency,
            payload=payload,
            file_name="t.csv",
        ).id

    def person(self, agency: str = "MOI") -> int:
        person = Person(owner_agency_id=self.agency(agency))
        self.session.add(person)
        self.session.flush()
        return person.id

    def record(
        self,
        agency: str,
        role: PersonRole = PersonRole.VICTIM,
        *,
        person_id: int | None = None,
        age: int | None = None,
        at: date | None = None,
    ) -> int:
        record = PersonRecord(
            owner_agency_id=self.agency(agency),
            source_record_id=self.source_record(agency),
            role=role,
            person_id=person_id,
            age_years=age,
            age_reference_date=at,
            full_name="Test Person",
        )
        self.session.add(record)
        self.session.flush()
        return record.id

    def event(
        self,
        record_id: int,
        stage: EventType,
        on: date | None,
        agency: str,
        case_id: int | None = None,
    ) -> int:
        event = Event(
            owner_agency_id=self.agency(agency),
            person_record_id=record_id,
            case_id=case_id,
            event_type=stage,
            event_date=on,
            agency_id=self.agency(agency),
            source_record_id=self.source_record(agency),
        )
        self.session.add(event)
        self.session.flush()
        return event.id

    def case(
        self,
        number: str,
        court: str = "Phnom Penh Municipal Court",
        agency: str = "PPMC",
        description: str | None = None,
        victims: tuple[int, ...] = (),
    ) -> int:
        case = Case(
            owner_agency_id=self.agency(agency),
            case_number=number,
            kind=CaseKind.COURT,
            court=court,
            description=description,
        )
        self.session.add(case)
        self.session.flush()
        for age in victims:
            record = self.record(agency, PersonRole.VICTIM, age=age, at=date(2008, 9, 1))
            self.session.add(
                CasePerson(case_id=case.id, person_record_id=record, role=PersonRole.VICTIM)
            )
        self.session.flush()
        return case.id

    def charge(
        self,
        case_id: int,
        article: str,
        *,
        outcome: ChargeOutcome = ChargeOutcome.CONVICTED,
        sentence: int | None = None,
        suspended: int | None = None,
        compensation: int | None = None,
        paid: bool | None = None,
        charged: str | None = None,
        agency: str = "PPMC",
        on: date = date(2008, 9, 1),
    ) -> int:
        suspect = self.record(agency, PersonRole.SUSPECT)
        payload = {"Article Charged": charged or article}
        charge = Charge(
            owner_agency_id=self.agency(agency),
            case_id=case_id,
            suspect_record_id=suspect,
            article_text=article,
            outcome=outcome,
            verdict_date=on,
            sentence_months=sentence,
            suspended_months=suspended,
            compensation_riel=compensation,
            compensation_paid=paid,
            source_record_id=self.source_record(agency, payload),
        )
        self.session.add(charge)
        self.session.flush()
        return charge.id


@pytest.fixture
def rows(ref_db: Database) -> Any:
    """A row builder on an open session of the reference database (committed at the end)."""
    with ref_db.session() as session:
        yield Rows(session)
        session.commit()
