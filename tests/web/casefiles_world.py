"""A small synthetic world for the person, case, review and screening pages, on both engines.

Import the fixtures into a test module (``from tests.web.casefiles_world import *``-style,
by name): ``system`` is overridden there so the app of ``tests/web/conftest.py`` runs on
the ``db`` matrix (SQLite and PostgreSQL) with a master key, and ``world`` adds:

* agencies MOI (police), PPMC (court), AFESIP (NGO) from the code lists, and users
  ``police`` (police_analyst, MOI), ``clerk`` (court_clerk, PPMC), ``ngo``
  (ngo_case_worker, AFESIP) beside the users of :data:`tests.web.conftest.USERS`;
* person ``victim`` (a MOI record and an AFESIP record), ``suspect`` (a MOI record and a
  PPMC record), ``client`` (an AFESIP record only);
* case ``investigation`` (MOI) and case ``trial`` (PPMC, with a convicted charge under
  the anti-trafficking law, art. 15, and a legal finding);
* pathway events, a referral MOI → AFESIP, a screening by AFESIP, and one pending review
  pair. Names are stored encrypted, as ingestion stores them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests import factories
from tests.web.conftest import FAST, PASSWORD, WebUser, make_users
from tipdata.access import Passwords, add_user, enable_totp
from tipdata.access.keys import Keyring
from tipdata.access.protected import keyring_for
from tipdata.access.sessions import create_api_token
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.model import (
    CaseKind,
    ChargeOutcome,
    Determination,
    EventType,
    IndicatorAnswer,
    PersonRole,
    ReferralStatus,
    Sex,
)
from tipdata.settings import load_settings
from tipdata.store import (
    Agency,
    Case,
    CaseExploitation,
    CasePerson,
    Charge,
    CheckRun,
    Database,
    Event,
    Finding,
    Law,
    LawArticle,
    Person,
    Referral,
    ReviewPair,
    Screening,
    ScreeningAnswer,
)
from tipdata.store.linkage import PairOrigin, ReviewStatus
from tipdata.store.refdata import sync_reference_data
from tipdata.system import System

VICTIM_NAME = "Sok Dara"
VICTIM_NAME_KHMER = "សុខ ដារ៉ា"
SUSPECT_NAME = "Chan Vuthy"
CLIENT_NAME = "Keo Srey Mom"
EXTRA_USERS = {"police": ("police_analyst", "MOI"), "clerk": ("court_clerk", "PPMC"),
               "ngo": ("ngo_case_worker", "AFESIP"),
               "social": ("social_worker", "DOSAVY-12")}  # fmt: skip
"""Users of other agencies: username -> (role, agency code)."""

EVIDENCE = {
    "name": {
        "gamma": 2, "level": "Jaro-Winkler >= 0.92", "match_weight": 6.1,
        "name_clean": ["sok dara", "sok darra"], "name_sorted_key": ["dara sok", "darra sok"],
    },
    "birth_year": {
        "gamma": 0, "level": "All other comparisons", "match_weight": -3.2,
        "birth_year_low": [2006, 2003], "birth_year_high": [2006, 2004],
    },
    "sex": {"gamma": 1, "level": "Exact match", "match_weight": 1.4, "sex": ["female", "female"]},
    "nationality": {"gamma": -1, "level": "no value", "match_weight": None,
                    "nationality": [None, "KHM"]},
}  # fmt: skip
"""The evidence of the pending review pair, as the linkage service stores it."""


@dataclass
class World:
    """Ids of the rows the tests look at."""

    victim: str
    suspect: str
    client: str
    victim_moi_record: int
    victim_afesip_record: int
    investigation: int
    trial: int
    charge: int
    pair: int


@pytest.fixture
def system(db: Database, tmp_path: Path) -> Iterator[System]:
    """A system on the ``db`` matrix whose database has a master key (the key file)."""
    settings = load_settings(home=tmp_path, database_url=db.url.render_as_string(False))
    built = System(settings=settings)
    yield built
    if "db" in built.__dict__:
        built.db.engine.dispose()


@pytest.fixture
def world(system: System, users: dict[str, WebUser]) -> World:
    """The world of the module docstring (after the users of ``conftest``)."""
    sync_reference_data(system.db, load_codelists(), load_law_catalogue())
    keyring = keyring_for(system.db)
    with system.db.session() as session:
        agencies = {a.code: a.id for a in session.scalars(sa.select(Agency))}
        for username, (role, agency) in EXTRA_USERS.items():
            users[username] = _add_user(session, keyring, username, role, agencies[agency])
        return _add_world(session, keyring, agencies)


def _add_user(
    session: Session, keyring: Keyring, username: str, role: str, agency_id: int
) -> WebUser:
    user = add_user(
        session, None, username=username, display_name=username.title(), role=role,
        agency_id=agency_id, province_code="12", password=PASSWORD, passwords=Passwords(FAST),
    )  # fmt: skip
    secret = None
    if role in ("police_analyst", "ngo_case_worker", "social_worker"):
        secret = pyotp.parse_uri(enable_totp(session, None, username, keyring.cipher)).secret
    token = create_api_token(session, user.id, "tests", datetime.now(UTC))
    return WebUser(username, role, PASSWORD, secret, token)


def _source_record(session: Session, agency_id: int, code: str, key: str) -> int:
    digest = f"{key:0>64}"[-64:]
    return factories.source_record(
        session, agency_id, key, source_code=code, payload={"key": key}, row_number=2,
        file_sha256=digest, payload_sha256=digest,
    ).id  # fmt: skip


def _person_record(
    session: Session,
    keyring: Keyring,
    *,
    agency_id: int,
    source_record_id: int,
    person_id: int,
    role: PersonRole,
    sex: Sex,
    name: str,
    khmer: str | None = None,
    birth: date | None = None,
) -> int:
    return factories.person_record(
        session, keyring,
        protected={"full_name": name, "full_name_khmer": khmer, "birth_date": birth},
        owner_agency_id=agency_id, source_record_id=source_record_id, person_id=person_id,
        role=role, sex=sex, province_code="12", birth_year=birth.year if birth else 1980,
    ).id  # fmt: skip


def _add_world(session: Session, keyring: Keyring, agencies: dict[str, int]) -> World:
    moi, court, ngo = agencies["MOI"], agencies["PPMC"], agencies["AFESIP"]
    persons = {}
    for key, public_id in [("victim", "PVICTIMAAAAAA"), ("suspect", "PSUSPECTAAAAA"),
                           ("client", "PCLIENTAAAAAA")]:  # fmt: skip
        person = Person(public_id=public_id, owner_agency_id=agencies["NTF"])
        session.add(person)
        session.flush()
        persons[key] = person.id
    moi_sr = _source_record(session, moi, "moi-cases", "MOI-1")
    ngo_sr = _source_record(session, ngo, "afesip-clients", "AF-7")
    court_sr = _source_record(session, court, "ppmc-judgments", "PPMC-3")
    client_sr = _source_record(session, ngo, "afesip-clients", "AF-9")
    victim_moi = _person_record(
        session, keyring, agency_id=moi, source_record_id=moi_sr, person_id=persons["victim"],
        role=PersonRole.VICTIM, sex=Sex.FEMALE, name=VICTIM_NAME, khmer=VICTIM_NAME_KHMER,
        birth=date(2006, 5, 1),
    )  # fmt: skip
    victim_ngo = _person_record(
        session, keyring, agency_id=ngo, source_record_id=ngo_sr, person_id=persons["victim"],
        role=PersonRole.VICTIM, sex=Sex.FEMALE, name="Sok Darra", birth=date(2006, 5, 1),
    )  # fmt: skip
    suspect_moi = _person_record(
        session, keyring, agency_id=moi, source_record_id=moi_sr, person_id=persons["suspect"],
        role=PersonRole.SUSPECT, sex=Sex.MALE, name=SUSPECT_NAME,
    )  # fmt: skip
    suspect_court = _person_record(
        session, keyring, agency_id=court, source_record_id=court_sr,
        person_id=persons["suspect"], role=PersonRole.SUSPECT, sex=Sex.MALE, name=SUSPECT_NAME,
    )  # fmt: skip
    _person_record(
        session, keyring, agency_id=ngo, source_record_id=client_sr, person_id=persons["client"],
        role=PersonRole.VICTIM, sex=Sex.FEMALE, name=CLIENT_NAME,
    )  # fmt: skip
    investigation = Case(
        owner_agency_id=moi, case_number="MOI-2024-001", kind=CaseKind.INVESTIGATION,
        province_code="12", destination_country="THA", opened_date=date(2024, 3, 1),
        source_record_id=moi_sr,
        exploitations=[CaseExploitation(exploitation_type="sexual_exploitation")],
        people=[CasePerson(person_record_id=victim_moi, role=PersonRole.VICTIM),
                CasePerson(person_record_id=suspect_moi, role=PersonRole.SUSPECT)],
    )  # fmt: skip
    trial = Case(
        owner_agency_id=court, case_number="PPMC-2024-017", kind=CaseKind.COURT,
        court="Phnom Penh Municipal Court", province_code="12", opened_date=date(2024, 6, 1),
        source_record_id=court_sr,
        people=[CasePerson(person_record_id=victim_moi, role=PersonRole.VICTIM),
                CasePerson(person_record_id=suspect_court, role=PersonRole.SUSPECT)],
    )  # fmt: skip
    session.add_all([investigation, trial])
    session.flush()
    article = session.scalar(
        sa.select(LawArticle.id)
        .join(Law, Law.id == LawArticle.law_id)
        .where(Law.code == "lshtse-2008", LawArticle.article == "15")
    )
    assert article is not None
    charge = Charge(
        owner_agency_id=court, case_id=trial.id, suspect_record_id=suspect_court,
        law_article_id=article, article_text="មាត្រា ១៥", outcome=ChargeOutcome.CONVICTED,
        verdict_date=date(2024, 11, 20), sentence_months=84, suspended_months=12,
        fine_riel=10_000_000, compensation_riel=2_000_000, compensation_paid=False,
        source_record_id=court_sr,
    )  # fmt: skip
    session.add(charge)
    session.flush()
    run = CheckRun(checks="legal", findings_count=1)
    session.add(run)
    session.flush()
    session.add(
        Finding(
            run_id=run.id, rule="suspended_trafficking_sentence", severity="warning",
            subject_type="charge", subject_id=charge.id, agency_id=court,
            article="lshtse-2008 art. 15",
            message="12 of 84 months suspended for a trafficking offence under lshtse-2008 art. 15",
        )
    )  # fmt: skip
    for record, stage, on, agency, case in [
        (victim_moi, EventType.RESCUED, date(2024, 3, 1), moi, investigation.id),
        (victim_moi, EventType.REFERRED, date(2024, 3, 2), moi, None),
        (victim_ngo, EventType.SHELTERED, date(2024, 3, 3), ngo, None),
        (victim_ngo, EventType.REINTEGRATED, None, ngo, None),
        (suspect_moi, EventType.ARRESTED, date(2024, 3, 1), moi, investigation.id),
    ]:
        session.add(
            Event(
                owner_agency_id=agency, person_record_id=record, case_id=case, event_type=stage,
                event_date=on, agency_id=agency, province_code="12", source_record_id=moi_sr,
            )
        )  # fmt: skip
    session.add(
        Referral(
            owner_agency_id=moi, person_record_id=victim_moi, from_agency_id=moi,
            to_agency_id=ngo, referral_date=date(2024, 3, 2), status=ReferralStatus.RECEIVED,
            consent_recorded=True, consent_date=date(2024, 3, 2),
        )
    )  # fmt: skip
    session.add(
        Screening(
            owner_agency_id=ngo, person_record_id=victim_ngo, screening_agency_id=ngo,
            screening_date=date(2024, 3, 4), suggested_determination=Determination.VICTIM,
            final_determination=Determination.VICTIM, determined_by="ngo",
            source_record_id=ngo_sr,
            answers=[ScreeningAnswer(indicator_code="minor_in_commercial_sex",
                                     answer=IndicatorAnswer.YES)],
        )
    )  # fmt: skip
    pair = ReviewPair(
        owner_agency_id=agencies["NTF"], origin=PairOrigin.MODEL,
        left_source_record_id=moi_sr, left_role="victim",
        right_source_record_id=client_sr, right_role="victim",
        match_weight=4.3, match_probability=0.61, evidence=EVIDENCE, status=ReviewStatus.PENDING,
    )  # fmt: skip
    session.add(pair)
    session.flush()
    return World(
        victim="PVICTIMAAAAAA", suspect="PSUSPECTAAAAA", client="PCLIENTAAAAAA",
        victim_moi_record=victim_moi, victim_afesip_record=victim_ngo,
        investigation=investigation.id, trial=trial.id, charge=charge.id, pair=pair.id,
    )  # fmt: skip


def bearer(user: WebUser) -> dict[str, str]:
    """The API's authorisation header for a user."""
    return {"Authorization": f"Bearer {user.api_token}"}


def audit_actions(system: System, object_type: str) -> list[tuple[str, str | None]]:
    """``(action, object ids)`` of the audit events about one kind of object, in order."""
    from tipdata.store import AuditEvent

    with system.db.session() as session:
        rows = session.execute(
            sa.select(AuditEvent.action, AuditEvent.object_ids)
            .where(AuditEvent.object_type == object_type)
            .order_by(AuditEvent.id)
        )
        return [(action, ids) for action, ids in rows]


def audit_details(system: System, object_type: str) -> list[tuple[str, str | None, str | None]]:
    """``(action, object ids, detail)`` of the audit events about one kind of object."""
    from tipdata.store import AuditEvent

    with system.db.session() as session:
        rows = session.execute(
            sa.select(AuditEvent.action, AuditEvent.object_ids, AuditEvent.detail)
            .where(AuditEvent.object_type == object_type)
            .order_by(AuditEvent.id)
        )
        return [(action, ids, detail) for action, ids, detail in rows]


__all__ = [
    "CLIENT_NAME",
    "SUSPECT_NAME",
    "VICTIM_NAME",
    "VICTIM_NAME_KHMER",
    "World",
    "audit_actions",
    "audit_details",
    "bearer",
    "make_users",
    "system",
    "world",
]
