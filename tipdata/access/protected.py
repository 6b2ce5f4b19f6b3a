"""Protected fields in and out of storage: the one place that encrypts and decrypts them.

Writers (ingestion) call :func:`protect_person_record` and :func:`protect_payload`
with the row's id, which is bound into each ciphertext as associated data;
readers (linkage, person details, provenance, referrals) call
:func:`reveal_person_record` and :func:`reveal_payload` and keep the plaintext in
memory only. Which columns are protected is declared once, in
:data:`tipdata.access.keys.PROTECTED_COLUMNS`.

Examples:
    >>> keyring = keyring_for(db)  # doctest: +SKIP
    >>> values = {"full_name": "Sok Dara", "birth_date": date(2001, 3, 4)}  # doctest: +SKIP
    >>> protect_person_record(keyring, 7, values)  # doctest: +SKIP
    >>> reveal_person_record(keyring.cipher, 7, values)["full_name"]  # doctest: +SKIP
    'Sok Dara'
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.crypto import FieldCipher
from tipdata.access.keys import (
    PAYLOAD_TABLE,
    PERSON_RECORD_PROTECTED,
    PROTECTED_MARK,
    Keyring,
    MasterKey,
    load_keyring,
    payload_aad_column,
)

if TYPE_CHECKING:
    from tipdata.store.database import Database

PERSON_RECORD = "person_record"

BLIND_INDEXED: dict[str, str] = {
    "family_name": "family_name_bidx",
    "given_name": "given_name_bidx",
    "full_name": "full_name_bidx",
}
"""Protected name columns → their blind-index column (exact-match search)."""

MASKED = "[protected]"
"""What a protected payload cell shows to a reader who may not see identities."""


def keyring_for(db: Database) -> Keyring:
    """The data keys of a database, unwrapped with its master key (in memory only).

    Args:
        db: the database (opened with a master key, as ``System`` does).

    Returns:
        The field cipher and the blind index.

    Raises:
        ConfigError: the database was opened without a master key.
        ProtectedFieldError: the data keys are wrapped by another master key.
    """
    master = db.master_key()
    with db.session() as session:
        return load_keyring(session, master)


def keyring_in(connection: sa.Connection, master: MasterKey) -> Keyring:
    """The data keys, read (or first created) inside the caller's transaction.

    For writers that must leave the database untouched when they roll back (an
    import that is rejected creates no keys either).

    Args:
        connection: an open connection inside its transaction.
        master: the master key.
    """
    with Session(bind=connection) as session:
        return load_keyring(session, master)


def _plain_text(column: str, value: Any) -> str:
    if column == "birth_date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def protect_person_record(keyring: Keyring, row_id: int, values: dict[str, Any]) -> None:
    """Encrypt a person record's protected values in place, before it is written.

    Fills the ``*_bidx`` blind indexes of the names and, from a date of birth,
    ``birth_year`` (kept in clear for statistics) when the source gave no year.

    Args:
        keyring: the data keys.
        row_id: the person record's id (allocated before the insert).
        values: column → value of the row to insert; changed in place.
    """
    birth = values.get("birth_date")
    if isinstance(birth, date) and values.get("birth_year") is None:
        values["birth_year"] = birth.year
    for column, index_column in BLIND_INDEXED.items():
        name = values.get(column)
        values[index_column] = keyring.blind_index.index(name) if name else None
    cipher = keyring.cipher
    for column in PERSON_RECORD_PROTECTED:
        value = values.get(column)
        if value is not None and value != "":
            values[column] = cipher.encrypt(
                PERSON_RECORD, column, row_id, _plain_text(column, value)
            )


def reveal_person_record(
    cipher: FieldCipher, row_id: int, values: Mapping[str, Any]
) -> dict[str, Any]:
    """A copy of a person record's values with the protected ones decrypted.

    Args:
        cipher: the field cipher.
        row_id: the person record's id.
        values: column → stored value (a row mapping; missing columns are skipped).

    Returns:
        The values, ``birth_date`` as a :class:`datetime.date`.

    Raises:
        ProtectedFieldError: a value was tampered with, moved or made with an unknown key.
    """
    shown = dict(values)
    for column in PERSON_RECORD_PROTECTED:
        token = shown.get(column)
        if token is None:
            continue
        plain = cipher.decrypt(PERSON_RECORD, column, row_id, token)
        shown[column] = date.fromisoformat(plain) if column == "birth_date" else plain
    return shown


def withhold_person_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a person record's values with every protected one set to None."""
    return {**values, **dict.fromkeys(PERSON_RECORD_PROTECTED)}


def person_record_values(record: Any) -> dict[str, Any]:
    """The column values of a ``PersonRecord`` row, as a mapping (still encrypted)."""
    return {column.key: getattr(record, column.key) for column in record.__table__.columns}


def protect_payload(
    cipher: FieldCipher,
    source_record_id: int,
    payload: Mapping[str, Any],
    protected_columns: Collection[str],
) -> dict[str, Any]:
    """A raw row ready to store: protected cells become ``{"$protected": ciphertext}``.

    Empty cells stay empty (they reveal nothing); the other cells stay in clear, so
    readers that query payload fields in SQL keep working.

    Args:
        cipher: the field cipher.
        source_record_id: the source record's id (associated data).
        payload: the row as read, column → text.
        protected_columns: the source columns to encrypt.

    Returns:
        A new mapping.
    """
    stored = dict(payload)
    for column in protected_columns:
        value = stored.get(column)
        if value is None or value == "":
            continue
        token = cipher.encrypt(
            PAYLOAD_TABLE, payload_aad_column(column), source_record_id, str(value)
        )
        stored[column] = {PROTECTED_MARK: token}
    return stored


def _is_protected_cell(value: Any) -> bool:
    return isinstance(value, dict) and PROTECTED_MARK in value


def reveal_payload(
    cipher: FieldCipher, source_record_id: int, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A stored raw row with its protected cells decrypted (in memory only).

    Raises:
        ProtectedFieldError: a cell was tampered with or moved to another row.
    """
    return {
        column: cipher.decrypt(
            PAYLOAD_TABLE, payload_aad_column(column), source_record_id, value[PROTECTED_MARK]
        )
        if _is_protected_cell(value)
        else value
        for column, value in payload.items()
    }


def mask_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A stored raw row with each protected cell shown as ``[protected]``."""
    return {
        column: MASKED if _is_protected_cell(value) else value for column, value in payload.items()
    }


REVIEW_PAIR = "review_pair"


def _evidence_column(comparison: str, column: str) -> str:
    return f"evidence.{comparison}.{column}"


def protect_evidence(
    cipher: FieldCipher,
    pair_key: str,
    evidence: Mapping[str, Any],
    protected: Mapping[str, Collection[str]],
) -> dict[str, Any]:
    """Linkage evidence ready to store: the values of protected comparisons encrypted.

    Evidence holds both records' values per comparison (e.g. ``name.name_clean``:
    ``[left, right]``); each protected value becomes ``{"$protected": ciphertext}``
    with table ``review_pair``, column ``evidence.<comparison>.<column>`` and the pair's
    record keys (``"<left>|<right>"``, stable before the row has an id) as associated data.

    Args:
        cipher: the field cipher.
        pair_key: ``"<left record key>|<right record key>"``.
        evidence: comparison → {"gamma", "level", "match_weight", column → [left, right]}.
        protected: comparison → the columns whose values identify a person.

    Returns:
        A new mapping.
    """
    stored = {name: dict(entry) for name, entry in evidence.items()}
    for comparison, columns in protected.items():
        entry = stored.get(comparison)
        if entry is None:
            continue
        for column in columns:
            aad_column = _evidence_column(comparison, column)
            entry[column] = [
                None
                if value is None
                else {PROTECTED_MARK: cipher.encrypt(REVIEW_PAIR, aad_column, pair_key, str(value))}
                for value in entry.get(column) or []
            ]
    return stored


def reveal_evidence(
    cipher: FieldCipher | None, pair_key: str, evidence: Mapping[str, Any]
) -> dict[str, Any]:
    """Stored linkage evidence with its protected values decrypted, or masked without a cipher."""
    shown: dict[str, Any] = {}
    for comparison, entry in evidence.items():
        if not isinstance(entry, dict):
            shown[comparison] = entry
            continue
        shown[comparison] = {
            column: [
                (
                    cipher.decrypt(
                        REVIEW_PAIR,
                        _evidence_column(comparison, column),
                        pair_key,
                        item[PROTECTED_MARK],
                    )
                    if cipher is not None
                    else MASKED
                )
                if _is_protected_cell(item)
                else item
                for item in value
            ]
            if isinstance(value, list)
            else value
            for column, value in entry.items()
        }
    return shown


def has_protected_cells(payload: Mapping[str, Any]) -> bool:
    """Whether a stored raw row holds any encrypted cell."""
    return any(_is_protected_cell(value) for value in payload.values())


__all__ = [
    "BLIND_INDEXED",
    "MASKED",
    "has_protected_cells",
    "keyring_for",
    "keyring_in",
    "mask_payload",
    "person_record_values",
    "protect_evidence",
    "protect_payload",
    "protect_person_record",
    "reveal_evidence",
    "reveal_payload",
    "reveal_person_record",
    "withhold_person_record",
]
