"""The person view: the records, agency by agency, that make a person, and its events.

Scoped to the actor (a person with no record in scope reads as unknown), names only in
the role's output schema, every view audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.policy import Actor, can, scope_filter
from tipdata.access.protected import (
    keyring_for,
    person_record_values,
    reveal_person_record,
    withhold_person_record,
)
from tipdata.access.schemas import PersonRecordForCaseWork, present_person_record
from tipdata.linkage.common import LinkageError, _person_by_public_id, _require
from tipdata.store.database import Database
from tipdata.store.linkage import (
    PersonEvent,
)
from tipdata.store.people import (
    Person,
    PersonRecord,
)
from tipdata.store.provenance import Source, SourceRecord
from tipdata.store.reference import Agency


@dataclass(frozen=True)
class PersonRecordView:
    """One record of a person, as its agency wrote it."""

    record_id: int
    agency: str
    source: str
    source_key: str
    role: str
    name: str
    sex: str
    birth: str
    province_code: str | None


@dataclass(frozen=True)
class PersonView:
    """A person: status, the person it was merged into, its records and its events."""

    public_id: str
    status: str
    merged_into: str | None
    records: list[PersonRecordView]
    events: list[tuple[str, str | None, str | None]]
    """(kind, reason, actor), oldest first."""


def birth_text(record: Any) -> str:
    """Birth date, else year, else age; ``record`` is a row or a role's output schema."""
    birth_date = getattr(record, "birth_date", None)
    if birth_date:
        return str(birth_date.isoformat())
    if record.birth_year:
        return str(record.birth_year)
    if record.age_years is not None:
        at = record.age_reference_date.isoformat() if record.age_reference_date else "?"
        return f"age {record.age_years} at {at}"
    return ""


def _name_text(record: Any) -> str:
    """The name as written (Latin, then Khmer); empty when the role's schema has no names."""
    full_name = getattr(record, "full_name", None)
    family_name = getattr(record, "family_name", None)
    given_name = getattr(record, "given_name", None)
    khmer = getattr(record, "full_name_khmer", None)
    latin = full_name or " ".join(p for p in (family_name, given_name) if p)
    return " ".join(part for part in (latin, khmer) if part)


def _in_scope(session: Any, actor: Actor, person: Person) -> bool:
    """Whether the actor's scope holds a record of the person (or of the one it merged into)."""
    owners = [person.id] + ([person.merged_into_id] if person.merged_into_id else [])
    found = session.scalar(
        sa.select(PersonRecord.id)
        .where(PersonRecord.person_id.in_(owners), scope_filter(actor, PersonRecord))
        .limit(1)
    )
    return found is not None


@audit.audits_denials("person", "public_id")
def person_details(db: Database, public_id: str, *, actor: Actor | None) -> PersonView:
    """The records from each agency that make a person (merged persons point onwards).

    Only the person's records inside the actor's scope are loaded (``scope_filter`` in the
    query); a person with none of them is reported as unknown, so its existence does not
    show. Names and birth dates appear only where the role's output schema has them
    (``persons:read_identity``); without it the reasons of manual changes (free text) are
    withheld too. Every call is audited: ``read_protected`` when names were shown, else
    ``read`` (object: the person; never a name in the detail).

    Args:
        db: the database.
        public_id: the person's public id.
        actor: the reader; None for the local operator (full access, still audited).

    Returns:
        The person with its records, ordered by agency and source key.

    Raises:
        AccessDenied: the actor lacks ``persons:read``.
        LinkageError: no such person (or none of its records is in the actor's scope).
    """
    _require(actor, "persons:read")
    identity = actor is None or can(actor, "persons:read_identity")
    with db.session() as session:
        person = _person_by_public_id(session, public_id)
        if actor is not None and not _in_scope(session, actor, person):
            audit.record_denial(db, actor, "persons:read", "person", [public_id], "scope")
            raise LinkageError(f"no person {public_id}")
        # names and dates of birth are decrypted, in memory, only for a reader who may see them
        cipher = keyring_for(db).cipher if identity else None
        merged_into = (
            session.scalar(sa.select(Person.public_id).where(Person.id == person.merged_into_id))
            if person.merged_into_id
            else None
        )
        query = (
            sa.select(PersonRecord, SourceRecord.source_key, Source.code, Agency.code)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .join(Source, Source.id == SourceRecord.source_id)
            .join(Agency, Agency.id == PersonRecord.owner_agency_id)
            .where(PersonRecord.person_id == person.id)
            .order_by(Agency.code, SourceRecord.source_key)
        )
        if actor is not None:
            query = query.where(scope_filter(actor, PersonRecord))
        records: list[PersonRecordView] = []
        names: list[str] = []
        for record, key, source, agency in session.execute(query).all():
            values = person_record_values(record)
            values = (
                reveal_person_record(cipher, record.id, values)
                if cipher is not None
                else withhold_person_record(values)
            )
            shown = (
                PersonRecordForCaseWork.model_validate(values)
                if actor is None
                else present_person_record(actor, values)
            )
            name = _name_text(shown)
            names.append(name)
            records.append(
                PersonRecordView(
                    record_id=record.id,
                    agency=agency,
                    source=source,
                    source_key=key,
                    role=record.role.value,
                    name=name,
                    sex=record.sex.value,
                    birth=birth_text(shown),
                    province_code=record.province_code,
                )
            )
        events = [
            (e.kind.value, e.reason if identity else None, e.actor)
            for e in session.scalars(
                sa.select(PersonEvent)
                .where(
                    sa.or_(
                        PersonEvent.person_id == person.id, PersonEvent.other_person_id == person.id
                    )
                )
                .order_by(PersonEvent.id)
            )
        ]
        audit.record(
            session,
            actor,
            "read_protected" if identity and records else "read",
            "person",
            [person.id],
            {"records": len(records)},
            forbidden_values=[n for n in names if n],
        )
        return PersonView(
            public_id=person.public_id,
            status=person.status.value,
            merged_into=merged_into,
            records=records,
            events=events,
        )
