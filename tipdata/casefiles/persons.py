"""The person list and the person profile: records, pathway, referrals, screenings, charges.

:func:`person_profile` builds on :func:`tipdata.linkage.service.person_details` (which
loads the person's records inside the actor's scope, applies the role's output schema and
writes the audit event) and adds what happened to the person, read only through those
in-scope records:

* the pathway timeline — events of every source and screening determinations, ordered as
  :func:`tipdata.pathways.group_steps` orders them (date, then stage order);
* referrals, for roles with ``referrals:read`` (scope filter on ``Referral`` in the SQL);
* screenings, for roles with ``screenings:read`` (:data:`SCREENING_READ_PERMISSION`);
* charges where the person is the suspect, for roles with ``charges:read``, in cases
  inside the actor's case scope.

Examples:
    >>> profile = person_profile(db, "PK3X7Q2MZB4WA", actor=analyst)  # doctest: +SKIP
    >>> [step.stage for step in profile.timeline]  # doctest: +SKIP
    ['rescued', 'determined_victim', 'referred', 'sheltered']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from tipdata.access import audit
from tipdata.access.documents import (
    DocumentView,
    find_person_records_by_document,
    may_read_documents,
    read_documents,
)
from tipdata.access.errors import AccessDenied
from tipdata.access.permissions import Permission
from tipdata.access.policy import (
    Acting,
    Actor,
    Policy,
    authorize,
    can,
    default_policy,
    scope_filter,
)
from tipdata.access.schemas import PersonRecordForStatistics
from tipdata.access.search import find_person_records_by_name
from tipdata.casefiles.cases import (
    ChargeView,
    birth_text,
    charge_views,
    charges_query,
    display_name,
)
from tipdata.casefiles.errors import CaseFileError, NotFoundError
from tipdata.linkage.service import LinkageError, PersonRecordView, person_details
from tipdata.model.enums import (
    PROSECUTION_PATHWAY_EVENTS,
    VICTIM_PATHWAY_EVENTS,
    EventType,
    PersonStatus,
)
from tipdata.pathways import Step, group_steps
from tipdata.pathways.assemble import DETERMINATION_STAGES
from tipdata.pathways.model import PathwayKind
from tipdata.store import (
    Agency,
    AppUser,
    Charge,
    Event,
    Person,
    PersonRecord,
    Referral,
    Role,
    Screening,
    ServiceProvider,
)
from tipdata.store.database import Database

SCREENING_READ_PERMISSION = "screenings:read"
"""Screenings (indicator answers and determinations) are victim-services data: the roles
that read referrals read them. roles.yaml has no screening permission of its own yet."""


PERSON_READ_PERMISSION: Permission = "persons:read"
"""Reading a person's pages (the profile, the list of persons)."""


@dataclass(frozen=True)
class PersonSummary:
    """A person in the list: no name, only what the actor's scope shows of them.

    Attributes:
        id: the person row id (the pagination key; not shown to users).
        public_id: the opaque public id.
        records: how many of the person's records are in the actor's scope.
        roles: the person roles of those records, sorted.
        agencies: the agencies owning those records, sorted by code.
    """

    id: int
    public_id: str
    records: int
    roles: list[str]
    agencies: list[str]


@dataclass(frozen=True)
class TimelineStep:
    """One dated (or undated) step of the person's pathway.

    Attributes:
        pathway: ``victim`` or ``prosecution``.
        stage: the stage, e.g. ``rescued``.
        on: the date, or None when the source gave none.
        agency: code of the agency that recorded it.
        origin: ``event`` or ``screening``.
        person_record_id: the record the step is about.
        case_id: the case, when the source names one.
    """

    pathway: str
    stage: str
    on: date | None
    agency: str
    origin: str
    person_record_id: int
    case_id: int | None


@dataclass(frozen=True)
class ReferralView:
    """A referral of one of the person's records to a service provider or an agency."""

    referral_id: int
    person_record_id: int
    referral_date: date | None
    from_agency: str
    to: str
    status: str
    consent_recorded: bool


@dataclass(frozen=True)
class ScreeningView:
    """A screening of one of the person's records: answers, suggestion and final decision."""

    screening_id: int
    person_record_id: int
    screening_date: date | None
    agency: str
    answers: dict[str, str]
    suggested_determination: str | None
    final_determination: str | None
    determined_by: str | None


@dataclass(frozen=True)
class AccessView:
    """One access to a person's records, as their owner sees it in the audit log.

    Attributes:
        occurred_at: when (UTC).
        username: who (None for the local operator of the command line).
        action: what: ``read``, ``read_protected`` (names shown), ``link_decision``...
    """

    occurred_at: datetime
    username: str | None
    action: str


@dataclass(frozen=True)
class PersonProfile:
    """Everything the actor may see of one person.

    Attributes:
        public_id: the opaque public id.
        status: ``active`` or ``merged``.
        merged_into: the public id of the person it was merged into, if merged.
        records: the records from each agency (names only where the role may read them).
        timeline: the pathway steps, dated ones in time order, then undated ones.
        referrals: referrals (empty for roles without ``referrals:read``).
        screenings: screenings (empty for roles without :data:`SCREENING_READ_PERMISSION`).
        charges: charges against the person as suspect (empty without ``charges:read``).
        may_see_referrals: whether the role may read referrals.
        may_see_screenings: whether the role may read screenings.
        may_see_charges: whether the role may read charges.
        accesses: who accessed the person, from the audit log; only for a reader whose
            agency owns one of the person's records (None otherwise).
    """

    public_id: str
    status: str
    merged_into: str | None
    records: list[PersonRecordView]
    timeline: list[TimelineStep]
    referrals: list[ReferralView]
    screenings: list[ScreeningView]
    charges: list[ChargeView]
    may_see_referrals: bool
    may_see_screenings: bool
    may_see_charges: bool
    accesses: list[AccessView] | None = None
    documents: list[DocumentView] = field(default_factory=list)
    """Identity documents of the records (only for readers with ``persons:read_identity``)."""
    may_see_documents: bool = False


@audit.audits_denials("person")
def list_persons(
    db: Database, *, actor: Actor, limit: int, before_id: int | None = None
) -> list[PersonSummary]:
    """Active persons with at least one record in the actor's scope, newest first.

    No name is listed (an exact-name search needs the blind index; none is offered here).
    Audited as ``read`` of the persons listed.

    Args:
        db: the database.
        actor: the reader; needs ``persons:read``.
        limit: at most this many persons (pass page size + 1 to learn whether more follow).
        before_id: only persons with a smaller row id (the pagination cursor).

    Returns:
        The persons, by descending row id.

    Raises:
        AccessDenied: the actor lacks ``persons:read``.
    """
    authorize(actor, PERSON_READ_PERMISSION)
    query = (
        sa.select(Person.id, Person.public_id)
        .where(Person.status == PersonStatus.ACTIVE, _in_scope(actor))
        .order_by(Person.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Person.id < before_id)
    with db.session() as session:
        persons = session.execute(query).all()
        details: dict[int, list[tuple[str, str]]] = {person_id: [] for person_id, _ in persons}
        if persons:
            rows = session.execute(
                sa.select(
                    PersonRecord.person_id,
                    sa.type_coerce(PersonRecord.role, sa.String()),
                    Agency.code,
                )
                .join(Agency, Agency.id == PersonRecord.owner_agency_id)
                .where(
                    PersonRecord.person_id.in_(details),
                    scope_filter(actor, PersonRecord, by_person=True),
                )
            )
            for person_id, role, agency in rows:
                details[person_id].append((role, agency))
        audit.record(
            session, actor, "read", "person", [person_id for person_id, _ in persons],
            {"list": "persons", "persons": len(persons)},
        )  # fmt: skip
    return [
        PersonSummary(
            id=person_id,
            public_id=public_id,
            records=len(details[person_id]),
            roles=sorted({role for role, _ in details[person_id]}),
            agencies=sorted({agency for _, agency in details[person_id]}),
        )
        for person_id, public_id in persons
    ]


@dataclass(frozen=True)
class NameMatch:
    """A person record whose name matched a search, as the actor's role may see it.

    Attributes:
        public_id: the linked person's public id (None until linkage has run).
        record_id: the matching record.
        agency: code of the agency owning the record.
        role: the record's person role.
        name: the name as written (Latin, then Khmer).
        birth: birth date, else year, else age at a date.
        province_code: the home province.
    """

    public_id: str | None
    record_id: int
    agency: str
    role: str
    name: str | None
    birth: str
    province_code: str | None


MAX_NAME = 200
"""The longest name a search accepts."""


def search_persons_by_name(db: Database, name: str, *, actor: Actor | None) -> list[NameMatch]:
    """Person records in the actor's scope whose name is exactly ``name`` (blind index).

    Case, spacing and Unicode form do not matter; spelling does. The search is
    :func:`tipdata.access.search.find_person_records_by_name` (scoped in SQL, audited as
    ``read_protected`` with the record ids, never the name); this adds the person each
    record belongs to, so that the result links to the person page. Callers must keep
    the name out of URLs and logs (the web app takes it in a POST body).

    Args:
        db: the database.
        name: the family, given or full name searched.
        actor: the reader; needs ``persons:read_identity``.

    Returns:
        The matching records, by record id.

    Raises:
        AccessDenied: the actor lacks ``persons:read_identity`` (audited).
        CaseFileError: an empty name or one longer than :data:`MAX_NAME` characters.
    """
    if not name.strip():
        raise CaseFileError("name: type the name to search for")
    if len(name) > MAX_NAME:
        raise CaseFileError(f"name: at most {MAX_NAME} characters")
    found = [
        record
        for record in find_person_records_by_name(db, name, actor)
        if isinstance(record, PersonRecordForStatistics)  # every role's schema is one
    ]
    return _matches(db, found)


MAX_DOCUMENT_NUMBER = 60
"""The longest document number a search accepts (spaces and hyphens included)."""


def search_persons_by_document(
    db: Database, number: str, *, actor: Actor | None
) -> list[NameMatch]:
    """Person records in the actor's scope holding a document with this number (blind index).

    Spaces, hyphens and case do not matter. The search is
    :func:`tipdata.access.documents.find_person_records_by_document` (scoped in SQL,
    audited with the record ids, never the number); callers keep the number out of URLs
    and logs, as for names.

    Args:
        db: the database.
        number: the passport, national-id or worker-id number searched.
        actor: the reader; needs ``persons:read_identity``; None for the local operator.

    Returns:
        The matching records, by record id.

    Raises:
        AccessDenied: the actor lacks ``persons:read_identity`` (audited).
        CaseFileError: an empty number or one longer than :data:`MAX_DOCUMENT_NUMBER`.
    """
    if not number.strip():
        raise CaseFileError("document: type the document number to search for")
    if len(number) > MAX_DOCUMENT_NUMBER:
        raise CaseFileError(f"document: at most {MAX_DOCUMENT_NUMBER} characters")
    found = [
        record
        for record in find_person_records_by_document(db, number, actor)
        if isinstance(record, PersonRecordForStatistics)
    ]
    return _matches(db, found)


def _matches(db: Database, found: list[PersonRecordForStatistics]) -> list[NameMatch]:
    """The search results with their person's public id and agency code."""
    person_ids = {record.person_id for record in found if record.person_id is not None}
    agency_ids = {record.owner_agency_id for record in found}
    with db.session() as session:
        public = {
            person_id: public_id
            for person_id, public_id in session.execute(
                sa.select(Person.id, Person.public_id).where(Person.id.in_(person_ids))
            )
        }
        agencies = {
            agency_id: code
            for agency_id, code in session.execute(
                sa.select(Agency.id, Agency.code).where(Agency.id.in_(agency_ids))
            )
        }
    return [
        NameMatch(
            public_id=public.get(shown.person_id) if shown.person_id is not None else None,
            record_id=shown.id,
            agency=agencies.get(shown.owner_agency_id, "?"),
            role=shown.role.value,
            name=display_name(shown),
            birth=birth_text(shown),
            province_code=shown.province_code,
        )
        for shown in found
    ]


def _in_scope(actor: Actor) -> sa.ColumnElement[bool]:
    """Persons with a record in the actor's scope, in the form that pages fastest.

    National scope holds nearly every person: walk persons newest first and check each
    with EXISTS (index on ``person_record.person_id``), stopping after one page. A narrow
    scope holds few: collect them once with IN (walking would pass over most persons).
    Measured on the scale-1 demo (156,000 persons, SQLite): 7 ms vs 68 ms a page for the
    NTF officer, 10 ms vs 369 ms for a court clerk (``benchmarks/bench_casefiles.py``).
    A province holds a share of the country too (Battambang: about one person in ten), so
    a provincial scope walks as well: at scale 10 (1.57 million persons) collecting a
    province's persons with IN took 1.1-1.3 s a page for a social worker
    (``benchmarks/bench_web.py --pages``). The walk's EXISTS must use the ``person_id``
    index (``scope_filter(..., by_person=True)``): on a scale-10 database without table
    statistics SQLite served it from the province index instead, over 60 s a page
    (``benchmarks/bench_person_scope.py --compare``), against 8-82 ms with it.
    """
    if default_policy().role(actor.role).scope in ("national", "province"):
        condition = scope_filter(actor, PersonRecord, by_person=True)
        return sa.exists().where(PersonRecord.person_id == Person.id, condition)
    condition = scope_filter(actor, PersonRecord)
    in_scope = sa.select(PersonRecord.person_id).where(
        PersonRecord.person_id.is_not(None), condition
    )
    return Person.id.in_(in_scope)


def person_profile(db: Database, public_id: str, *, actor: Acting) -> PersonProfile:
    """One person as the actor may see them (see the module docstring for what is shown).

    The view is audited once, by :func:`~tipdata.linkage.service.person_details`
    (``read_protected`` when names were shown, else ``read``).

    Args:
        db: the database.
        public_id: the person's opaque public id.
        actor: the reader; needs ``persons:read``. The local operator (the CLI's
            ``persons show``) reads every part of every person.

    Returns:
        The profile.

    Raises:
        AccessDenied: the actor lacks ``persons:read``.
        NotFoundError: no such person, or none of its records is in the actor's scope.
    """
    reader = actor if isinstance(actor, Actor) else None  # None: the local operator
    try:
        person = person_details(db, public_id, actor=reader)
    except LinkageError:
        raise NotFoundError("person", public_id) from None
    record_ids = [record.record_id for record in person.records]
    may_see_referrals = reader is None or can(reader, "referrals:read")
    may_see_screenings = reader is None or can(reader, SCREENING_READ_PERMISSION)
    may_see_charges = reader is None or can(reader, "charges:read")
    with db.session() as session:
        accesses = _accesses_for_owner(session, reader, public_id)
        timeline = _timeline(session, record_ids)
        referrals = _referrals(session, reader, record_ids) if may_see_referrals else []
        screenings = _screenings(session, record_ids) if may_see_screenings else []
        charges = (
            charge_views(
                session,
                charges_query(reader).where(Charge.suspect_record_id.in_(record_ids)),
            )
            if may_see_charges and record_ids
            else []
        )
    return PersonProfile(
        public_id=person.public_id,
        status=person.status,
        merged_into=person.merged_into,
        records=person.records,
        timeline=timeline,
        referrals=referrals,
        screenings=screenings,
        charges=charges,
        may_see_referrals=may_see_referrals,
        may_see_screenings=may_see_screenings,
        may_see_charges=may_see_charges,
        accesses=accesses,
        documents=[
            document
            for documents in read_documents(db, record_ids, actor=reader).values()
            for document in documents
        ],
        may_see_documents=may_read_documents(reader),
    )


def _accesses_for_owner(
    session: Session, actor: Actor | None, public_id: str
) -> list[AccessView] | None:
    """Who accessed the person, newest first, if the actor's agency owns one of its records.

    A record's owner may see who read it (the issue of access control asks for it);
    the audit entries name users and actions, never a personal value. Only accesses by
    users of the actor's own agency, by national users (the NTF, who see every record
    anyway) and by the command line are listed: that a shelter's NGO worker or a social
    worker opened the person would tell a police analyst where the victim is being
    helped. Every access stays in the audit log for the auditors; the local operator
    (``actor`` None) sees them all.
    """
    person_id = session.scalar(sa.select(Person.id).where(Person.public_id == public_id))
    if actor is None:
        if person_id is None:
            return None
        names = dict(session.execute(sa.select(AppUser.id, AppUser.username)).tuples().all())
        return [
            AccessView(
                occurred_at=event.occurred_at,
                username=names.get(event.user_id) if event.user_id is not None else None,
                action=event.action,
            )
            for event in reversed(audit.accesses_to(session, "person", person_id))
        ]
    owns = session.scalar(
        sa.select(sa.func.count(PersonRecord.id)).where(
            PersonRecord.person_id == person_id,
            PersonRecord.owner_agency_id == actor.agency_id,
        )
    )
    if person_id is None or not owns:
        return None
    policy = default_policy()
    shown_users = {
        int(uid): str(name)
        for uid, name, agency_id, role in session.execute(
            sa.select(AppUser.id, AppUser.username, AppUser.agency_id, Role.code).join(
                Role, Role.id == AppUser.role_id
            )
        )
        if agency_id == actor.agency_id or _is_national_role(policy, str(role))
    }
    events = audit.accesses_to(session, "person", person_id)
    return [
        AccessView(
            occurred_at=event.occurred_at,
            username=shown_users.get(event.user_id) if event.user_id is not None else None,
            action=event.action,
        )
        for event in reversed(events)
        if event.user_id is None or event.user_id in shown_users
    ]


def _is_national_role(policy: Policy, role: str) -> bool:
    """Whether a role has national scope (an unknown, retired role has none)."""
    try:
        return policy.role(role).scope == "national"
    except AccessDenied:
        return False


ONE_PERSON = 0
"""The records of a profile are one person: their steps form one pathway per kind."""


def _timeline(session: Session, record_ids: Sequence[int]) -> list[TimelineStep]:
    """Events and screening determinations of the records in date order (undated last).

    The steps of all the person's records are one pathway (before, each record was its
    own, so a screening recorded by a second agency came after the first agency's
    later steps).
    """
    if not record_ids:
        return []
    steps: dict[str, list[tuple[int | None, Step]]] = {"victim": [], "prosecution": []}
    events = session.execute(
        sa.select(
            Event.id, Event.person_record_id, Event.event_type, Event.event_date,
            Agency.code, Event.case_id, Event.source_record_id,
        )
        .join(Agency, Agency.id == Event.agency_id)
        .where(Event.person_record_id.in_(record_ids))
    )  # fmt: skip
    for event_id, record_id, stage, on, agency, case_id, source_id in events:
        kind = _pathway_of(stage)
        if kind is not None:
            step = Step(stage, on, agency, record_id, case_id, "event", event_id, source_id)
            steps[kind].append((ONE_PERSON, step))
    screenings = session.execute(
        sa.select(
            Screening.id, Screening.person_record_id, Screening.final_determination,
            Screening.suggested_determination, Screening.screening_date, Agency.code,
            Screening.source_record_id,
        )
        .join(Agency, Agency.id == Screening.screening_agency_id)
        .where(Screening.person_record_id.in_(record_ids))
    )  # fmt: skip
    for screening_id, record_id, final, suggested, on, agency, source_id in screenings:
        stage = DETERMINATION_STAGES.get(final or suggested)
        if stage is not None:
            step = Step(stage, on, agency, record_id, None, "screening", screening_id, source_id)
            steps["victim"].append((ONE_PERSON, step))
    dated: list[TimelineStep] = []
    undated: list[TimelineStep] = []
    kinds: tuple[PathwayKind, ...] = ("victim", "prosecution")
    for kind in kinds:
        for pathway in group_steps(kind, steps[kind]):
            dated.extend(_timeline_step(kind, step) for step in pathway.steps)
            undated.extend(_timeline_step(kind, step) for step in pathway.undated)
    # One timeline in date order across records and pathways (sorted() is stable: each
    # pathway's same-day stage order stays); the undated steps follow.
    return sorted(dated, key=lambda step: step.on or date.min) + undated


def _pathway_of(stage: EventType) -> str | None:
    if stage in VICTIM_PATHWAY_EVENTS:
        return "victim"
    if stage in PROSECUTION_PATHWAY_EVENTS:
        return "prosecution"
    return None


def _timeline_step(kind: str, step: Step) -> TimelineStep:
    return TimelineStep(
        pathway=kind,
        stage=step.stage.value,
        on=step.on,
        agency=step.agency,
        origin=step.origin,
        person_record_id=step.person_record_id,
        case_id=step.case_id,
    )


def _referrals(
    session: Session, actor: Actor | None, record_ids: Sequence[int]
) -> list[ReferralView]:
    """Referrals of the records inside the actor's referral scope (all: the local
    operator), oldest first."""
    if not record_ids:
        return []
    from_agency = aliased(Agency)
    to_agency = aliased(Agency)
    rows = session.execute(
        sa.select(Referral, from_agency.code, to_agency.code, ServiceProvider.name)
        .join(from_agency, from_agency.id == Referral.from_agency_id)
        .outerjoin(to_agency, to_agency.id == Referral.to_agency_id)
        .outerjoin(ServiceProvider, ServiceProvider.id == Referral.to_provider_id)
        .where(
            Referral.person_record_id.in_(record_ids),
            scope_filter(actor, Referral) if actor is not None else sa.true(),
        )
        .order_by(Referral.referral_date.nulls_last(), Referral.id)
    )
    return [
        ReferralView(
            referral_id=referral.id,
            person_record_id=referral.person_record_id,
            referral_date=referral.referral_date,
            from_agency=from_code,
            to=provider or to_code or "",
            status=referral.status.value,
            consent_recorded=bool(referral.consent_recorded),
        )
        for referral, from_code, to_code, provider in rows
    ]


def _screenings(session: Session, record_ids: Iterable[int]) -> list[ScreeningView]:
    """Screenings of the records with their answers, oldest first."""
    ids = list(record_ids)
    if not ids:
        return []
    rows = session.execute(
        sa.select(Screening, Agency.code)
        .join(Agency, Agency.id == Screening.screening_agency_id)
        .where(Screening.person_record_id.in_(ids))
        .order_by(Screening.screening_date.nulls_last(), Screening.id)
    )
    return [_screening_view(screening, agency) for screening, agency in rows]


def _screening_view(screening: Screening, agency: str) -> ScreeningView:
    return ScreeningView(
        screening_id=screening.id,
        person_record_id=screening.person_record_id,
        screening_date=screening.screening_date,
        agency=agency,
        answers={answer.indicator_code: answer.answer.value for answer in screening.answers},
        suggested_determination=_value(screening.suggested_determination),
        final_determination=_value(screening.final_determination),
        determined_by=screening.determined_by,
    )


def _value(member: Any) -> str | None:
    return None if member is None else str(member.value)


def in_scope_records(session: Session, actor: Actor, public_id: str) -> list[tuple[int, int, str]]:
    """``(record id, owner agency id, role)`` of an active person's records in the actor's scope.

    Raises:
        NotFoundError: no such person, or none of its records is in scope.
    """
    rows = session.execute(
        sa.select(
            PersonRecord.id,
            PersonRecord.owner_agency_id,
            sa.type_coerce(PersonRecord.role, sa.String()),
        )
        .join(Person, Person.id == PersonRecord.person_id)
        .where(Person.public_id == public_id, scope_filter(actor, PersonRecord))
        .order_by(PersonRecord.id)
    ).all()
    if not rows:
        raise NotFoundError("person", public_id)
    return [(int(record_id), int(owner), str(role)) for record_id, owner, role in rows]
