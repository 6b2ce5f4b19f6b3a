"""Exact-match search on protected names through their blind indexes.

Names are stored encrypted, so SQL cannot compare them; the ``*_bidx`` columns
hold a keyed HMAC of each normalised name (:class:`~tipdata.access.crypto.BlindIndex`),
and the search compares the HMAC of the name asked for. Case, spacing and
Unicode form do not matter; spelling does (fuzzy matching is linkage's job).
"""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import BaseModel

from tipdata.access import audit
from tipdata.access.policy import Actor, authorize, scope_filter
from tipdata.access.protected import keyring_for, person_record_values, reveal_person_record
from tipdata.access.schemas import PersonRecordForCaseWork, present_person_record
from tipdata.store.database import Database
from tipdata.store.people import PersonRecord

SEARCH_LIMIT = 200
"""Most records one search returns."""


@audit.audits_denials("person_record")
def find_person_records_by_name(
    db: Database, name: str, actor: Actor | None, *, limit: int = SEARCH_LIMIT
) -> list[BaseModel]:
    """Person records whose family, given or full name is exactly ``name`` (normalised).

    Needs ``persons:read_identity`` (a search by name is a use of the name); only
    records inside the actor's scope are found, and each is shown through the role's
    output schema. Audited as ``read_protected`` with the record ids (never the name).

    Args:
        db: the database.
        name: the name searched, as a person would type it.
        actor: the reader; None for the local operator (full access, still audited).
        limit: most records returned.

    Returns:
        The records, by id, decrypted in memory.

    Raises:
        AccessDenied: the actor lacks ``persons:read_identity`` (the refusal is audited).
    """
    keyring = keyring_for(db)
    digest = keyring.blind_index.index(name)
    if digest is None:
        if actor is not None:
            authorize(actor, "persons:read")
            authorize(actor, "persons:read_identity")
        return []
    matches = sa.or_(
        PersonRecord.family_name_bidx == digest,
        PersonRecord.given_name_bidx == digest,
        PersonRecord.full_name_bidx == digest,
    )
    return find_person_records(db, matches, actor, what="name", forbidden=[name], limit=limit)


def find_person_records(
    db: Database,
    matches: sa.ColumnElement[bool],
    actor: Actor | None,
    *,
    what: str,
    forbidden: list[str],
    limit: int = SEARCH_LIMIT,
) -> list[BaseModel]:
    """The person records a blind-index condition finds, in scope, shown by role, audited.

    The one step of every search on protected values (names, identity documents): needs
    ``persons:read`` and ``persons:read_identity``; only records in the actor's scope;
    each shown through the role's output schema; audited as ``read_protected`` with the
    record ids, never the value searched.

    Args:
        db: the database.
        matches: the condition on ``person_record`` (compares blind indexes only).
        actor: the reader; None for the local operator (full access, still audited).
        what: what was searched, kept in the audit detail (``name``, ``document``).
        forbidden: the searched values as typed and normalised: never in the audit log.
        limit: most records returned.

    Returns:
        The records, by id, decrypted in memory.

    Raises:
        AccessDenied: the actor lacks a permission (the caller's decorator audits it).
    """
    if actor is not None:
        authorize(actor, "persons:read")
        authorize(actor, "persons:read_identity")
    keyring = keyring_for(db)
    query = sa.select(PersonRecord).where(matches).order_by(PersonRecord.id).limit(limit)
    if actor is not None:
        query = query.where(scope_filter(actor, PersonRecord))
    with db.session() as session:
        records = session.scalars(query).all()
        shown: list[BaseModel] = []
        for record in records:
            values = reveal_person_record(keyring.cipher, record.id, person_record_values(record))
            shown.append(
                PersonRecordForCaseWork.model_validate(values)
                if actor is None
                else present_person_record(actor, values)
            )
        audit.record(
            session,
            actor,
            "read_protected",
            "person_record",
            [record.id for record in records],
            {"search": what, "found": len(records)},
            forbidden_values=forbidden,
        )
    return shown
