"""Test helper: person records added through the ORM are stored encrypted, as ingestion does."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tipdata.access.keys import PERSON_RECORD_PROTECTED, MasterKey, load_keyring
from tipdata.access.protected import protect_person_record
from tipdata.store import PersonRecord


def protect_new_person_records(session: Session, master: MasterKey) -> None:
    """Flush the session, encrypting the protected values of its new person records.

    Fixtures build ``PersonRecord(full_name="Sok Dara", birth_date=date(...), ...)`` in
    clear; this writes them as ingestion would (ciphertext bound to the row id, blind
    indexes, birth year from the date of birth).

    Args:
        session: the open session holding the new records.
        master: the database's master key (``db.master_key()``).
    """
    pending: dict[PersonRecord, dict[str, Any]] = {}
    for record in list(session.new):
        if isinstance(record, PersonRecord):
            pending[record] = {c: getattr(record, c) for c in PERSON_RECORD_PROTECTED}
            for column in PERSON_RECORD_PROTECTED:
                setattr(record, column, None)
    session.flush()
    if not pending:
        return
    keyring = load_keyring(session, master)
    for record, values in pending.items():
        values["birth_year"] = record.birth_year
        protect_person_record(keyring, record.id, values)
        for column, value in values.items():
            setattr(record, column, value)
    session.flush()
