"""Correcting a person record: one field at a time, with a reason, the history kept.

A worker corrects a record their own agency owns (a misspelt name, a wrong sex or
province): the record takes the new value (names re-encrypted with a fresh blind index),
and a :class:`tipdata.store.RecordCorrection` keeps the old and the new value (both
encrypted), the reason, who and when. Values never reach the audit log, which records
the field and the correction's id. The history is shown with values only to readers who
may read identities.

A corrected name changes what linkage compares; its stored keyed name keys
(``person_record_link_key``) are refreshed by the next linkage run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.crypto import FieldCipher
from tipdata.access.policy import Actor, authorize, can
from tipdata.access.protected import (
    BLIND_INDEXED,
    keyring_for,
    person_record_values,
    protect_person_record,
    reveal_person_record,
)
from tipdata.casefiles.errors import CaseFileError
from tipdata.casefiles.persons import in_scope_records
from tipdata.codelists import load_codelists
from tipdata.model.enums import Sex
from tipdata.store import AppUser, PersonRecord, RecordCorrection
from tipdata.store.database import Database

PROTECTED_FIELDS = ("full_name", "full_name_khmer", "family_name", "given_name", "birth_date")
CLEAR_FIELDS = ("sex", "birth_year", "province_code")
CORRECTABLE = PROTECTED_FIELDS + CLEAR_FIELDS
"""The fields of a person record a worker may correct."""

MIN_REASON = 10
TABLE = "record_correction"


@dataclass(frozen=True)
class CorrectionView:
    """One correction in a record's history; values only for readers of identities."""

    correction_id: int
    person_record_id: int
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    corrected_by: str | None
    corrected_at: datetime


def _parse(field: str, value: str) -> Any:
    text = value.strip()
    if field == "sex":
        try:
            return Sex(text)
        except ValueError:
            raise CaseFileError(f"value: choose one of {', '.join(Sex)}") from None
    if field == "birth_year":
        if not text.isdigit() or not 1900 <= int(text) <= date.today().year:
            raise CaseFileError("value: a year from 1900 to this year")
        return int(text)
    if field == "province_code":
        found = load_codelists().resolve_province(text)
        if found is None:
            raise CaseFileError("value: no such province")
        return found.code
    if field == "birth_date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CaseFileError("value: a date as YYYY-MM-DD") from None
    if not text:
        raise CaseFileError("value: type the corrected value")
    return text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(getattr(value, "value", value))


def correct_record(
    db: Database,
    public_id: str,
    *,
    actor: Actor,
    record_id: int,
    field: str,
    value: str,
    reason: str,
) -> int:
    """Correct one field of a record the actor's agency owns; returns the correction's id.

    Raises:
        AccessDenied: the actor lacks ``records:correct``.
        NotFoundError: no such person in scope.
        CaseFileError: a record of another agency or not the person's, a field that
            may not be corrected, a bad value, or a reason under :data:`MIN_REASON`
            characters or naming the values.
    """
    authorize(actor, "records:correct")
    if field not in CORRECTABLE:
        raise CaseFileError(f"field: choose one of {', '.join(CORRECTABLE)}")
    if len(reason.strip()) < MIN_REASON:
        raise CaseFileError(f"reason: say why, in at least {MIN_REASON} characters")
    new = _parse(field, value)
    keyring = keyring_for(db)
    with db.session() as session:
        if record_id not in _own_records(session, actor, public_id):
            raise CaseFileError("record: choose a record your agency owns")
        record = session.get(PersonRecord, record_id)
        assert record is not None  # in scope, so it exists
        shown = reveal_person_record(keyring.cipher, record.id, person_record_values(record))
        old = shown.get(field)
        values = {name: shown.get(name) for name in (*PROTECTED_FIELDS, "birth_year")}
        if field in PROTECTED_FIELDS:
            values[field] = new
            protect_person_record(keyring, record.id, values)
            setattr(record, field, values[field])
            if field in BLIND_INDEXED:
                setattr(record, BLIND_INDEXED[field], values[BLIND_INDEXED[field]])
        else:
            setattr(record, field, new)
        old_text, new_text = _text(old), _text(new)
        for text in (old_text, new_text):
            if field in PROTECTED_FIELDS and text and text.casefold() in reason.casefold():
                raise CaseFileError("reason: say why without repeating the values")
        correction = RecordCorrection(
            owner_agency_id=actor.agency_id, person_record_id=record.id, field=field,
            reason=reason.strip(), corrected_by_id=actor.user_id,
        )  # fmt: skip
        session.add(correction)
        session.flush()
        cipher = keyring.cipher
        correction.old_value = (
            cipher.encrypt(TABLE, "old_value", correction.id, old_text) if old_text else None
        )
        correction.new_value = (
            cipher.encrypt(TABLE, "new_value", correction.id, new_text) if new_text else None
        )
        forbidden = [t for t in (old_text, new_text) if t and field in PROTECTED_FIELDS]
        audit.record(
            session, actor, "record_corrected", "person_record", [record.id],
            {"field": field, "correction_id": correction.id}, forbidden_values=forbidden,
        )  # fmt: skip
        return correction.id


def correctable_records(db: Database, public_id: str, *, actor: Actor) -> list[int]:
    """The person's records the actor may correct: those its agency owns, in id order.

    Empty when the actor lacks ``records:correct`` (the page offers no correction then).

    Raises:
        NotFoundError: no such person in scope.
    """
    with db.session() as session:
        owned = _own_records(session, actor, public_id)
    return owned if can(actor, "records:correct") else []


def _own_records(session: Session, actor: Actor, public_id: str) -> list[int]:
    """Ids of the person's records in scope that the actor's agency owns."""
    return [
        rid for rid, owner, _role in in_scope_records(session, actor, public_id)
        if owner == actor.agency_id
    ]  # fmt: skip


def correction_history(db: Database, public_id: str, *, actor: Actor) -> list[CorrectionView]:
    """Corrections of the person's records in the actor's scope, newest first.

    Values of protected fields are shown only to readers with ``persons:read_identity``.

    Raises:
        AccessDenied: the actor lacks ``persons:read``.
        NotFoundError: no such person in scope.
    """
    authorize(actor, "persons:read")
    identities = can(actor, "persons:read_identity")
    cipher = keyring_for(db).cipher
    with db.session() as session:
        records = [rid for rid, _owner, _role in in_scope_records(session, actor, public_id)]
        rows = session.execute(
            sa.select(RecordCorrection, AppUser.username)
            .outerjoin(AppUser, AppUser.id == RecordCorrection.corrected_by_id)
            .where(RecordCorrection.person_record_id.in_(records))
            .order_by(RecordCorrection.corrected_at.desc(), RecordCorrection.id.desc())
        ).all()
    views = []
    for correction, username in rows:
        show = identities or correction.field in CLEAR_FIELDS
        views.append(
            CorrectionView(
                correction_id=correction.id, person_record_id=correction.person_record_id,
                field=correction.field,
                old_value=_reveal(cipher, correction.id, "old_value", correction.old_value, show),
                new_value=_reveal(cipher, correction.id, "new_value", correction.new_value, show),
                reason=correction.reason, corrected_by=username,
                corrected_at=correction.corrected_at,
            )
        )  # fmt: skip
    return views


def _reveal(
    cipher: FieldCipher, row_id: int, column: str, token: str | None, show: bool
) -> str | None:
    if token is None or not show:
        return None
    return str(cipher.decrypt(TABLE, column, row_id, token))
