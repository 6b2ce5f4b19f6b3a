"""Tiny inline rows touching every kind of column: text, Khmer, dates, times, JSON, booleans."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from tests import factories
from tipdata.model import (
    AgencyKind,
    CaseKind,
    ChargeOutcome,
    EventType,
    LawArticleKind,
    PersonRole,
    Sex,
)
from tipdata.store import (
    Agency,
    Case,
    CaseExploitation,
    CasePerson,
    Charge,
    Country,
    Event,
    ExploitationType,
    Law,
    LawArticle,
    PenaltyRange,
    Person,
    PersonRecord,
    Province,
    SourceRecord,
)

IMPORTED_AT = datetime(2008, 3, 14, 9, 30, 15, tzinfo=UTC)


def add_reference_rows(session: Session) -> Agency:
    """A province, a country and the agency MOI; returns the agency."""
    session.add_all(
        [
            Province(code="12", name_en="Phnom Penh", name_km="ភ្នំពេញ", kind="capital"),
            Province(code="02", name_en="Battambang", name_km="បាត់ដំបង"),
            Country(iso3="THA", name="Thailand"),
        ]
    )
    moi = Agency(code="MOI", name="Ministry of Interior", kind=AgencyKind.GOVERNMENT)
    session.add(moi)
    session.flush()
    return moi


def add_source_record(session: Session, agency: Agency, source_key: str = "V-001") -> SourceRecord:
    """A source, an import run and one source record of it."""
    return factories.source_record(
        session,
        agency.id,
        source_key,
        source_code="moi-ad",
        source_name="MOI AHTJP database",
        payload={"name": "Sok Dara", "ឈ្មោះ": "សុខ ដារ៉ា", "age": "17"},
        row_number=2,
        file_name="moi_2008.csv",
        file_sha256="a" * 64,
        payload_sha256="b" * 64,
        imported_at=IMPORTED_AT,
    )


def seed(session: Session) -> None:
    """A small, complete story: a victim and a convicted suspect in one court case."""
    moi = add_reference_rows(session)
    record = add_source_record(session, moi)
    law = Law(code="LSHTSE-2008", title="Law on Suppression of Human Trafficking")
    session.add(law)
    session.flush()
    article = LawArticle(
        law_id=law.id,
        article="15",
        kind=LawArticleKind.PENAL,
        is_trafficking_offence=True,
        verified=True,
        penalty_ranges=[PenaltyRange(condition="", min_months=84, max_months=180, min_fine=None)],
    )
    session.add(article)
    session.add(ExploitationType(code="sexual", name="Sexual exploitation"))
    person = Person(public_id="PAAAAAAAAAAAA", owner_agency_id=moi.id, created_at=IMPORTED_AT)
    session.add(person)
    session.flush()
    victim = PersonRecord(
        source_record_id=record.id,
        person_id=person.id,
        role=PersonRole.VICTIM,
        full_name="Sok Dara",
        full_name_khmer="សុខ ដារ៉ា",
        sex=Sex.FEMALE,
        age_years=17,
        age_reference_date=date(2008, 3, 1),
        nationality="THA",
        province_code="02",
        owner_agency_id=moi.id,
    )
    suspect = PersonRecord(
        source_record_id=record.id,
        role=PersonRole.SUSPECT,
        full_name="Chan Vuthy",
        sex=Sex.MALE,
        birth_year=1970,
        owner_agency_id=moi.id,
    )
    session.add_all([victim, suspect])
    session.flush()
    case = Case(
        owner_agency_id=moi.id,
        case_number="PP-2008-001",
        kind=CaseKind.COURT,
        province_code="12",
        destination_country="THA",
        opened_date=date(2008, 3, 1),
        exploitations=[CaseExploitation(exploitation_type="sexual")],
        people=[
            CasePerson(person_record_id=victim.id, role=PersonRole.VICTIM),
            CasePerson(person_record_id=suspect.id, role=PersonRole.SUSPECT),
        ],
    )
    session.add(case)
    session.flush()
    session.add_all(
        [
            Charge(
                case_id=case.id,
                suspect_record_id=suspect.id,
                law_article_id=article.id,
                article_text="Art. 15 LSHTSE",
                outcome=ChargeOutcome.CONVICTED,
                verdict_date=date(2008, 9, 30),
                sentence_months=120,
                suspended_months=0,
                fine_riel=20_000_000,
                compensation_riel=4_000_000,
                compensation_paid=False,
                source_record_id=record.id,
                owner_agency_id=moi.id,
            ),
            Event(
                person_record_id=victim.id,
                case_id=case.id,
                event_type=EventType.RESCUED,
                event_date=date(2008, 3, 1),
                agency_id=moi.id,
                province_code="12",
                source_record_id=record.id,
                owner_agency_id=moi.id,
            ),
        ]
    )
