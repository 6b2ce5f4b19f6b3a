"""Identity documents (passport, national id, worker id): protected at rest, shown by role.

A document number identifies a person as surely as a name does, more surely in fact,
so it is kept like a name: AES-GCM ciphertext bound to its ``identity_document`` row,
and a blind index (``number_bidx``, keyed HMAC of the normalised number, see
:meth:`tipdata.access.crypto.BlindIndex.document_index`) for exact-match search and for
linkage. The dates of issue and expiry are encrypted too; the kind and the issuing
country stay in clear.

Who may see documents: readers holding ``persons:read_identity`` (like names), inside
their scope. Every read of a number is audited as ``read_protected`` with the record ids,
never the number.

Examples:
    >>> keys = document_keys(db, [7, 8])  # doctest: +SKIP
    >>> keys[7]  # doctest: +SKIP
    [DocumentKey(kind='passport', issuing_country='KHM', number_bidx='3f1c…')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from pydantic import BaseModel

from tipdata.access import audit
from tipdata.access.crypto import FieldCipher, normalise_document_number
from tipdata.access.keys import Keyring
from tipdata.access.policy import Actor, authorize, can, scope_filter
from tipdata.access.protected import keyring_for
from tipdata.access.search import find_person_records
from tipdata.store.database import Database
from tipdata.store.documents import IdentityDocument
from tipdata.store.people import PersonRecord

DOCUMENT_TABLE = "identity_document"
DOCUMENT_PROTECTED: tuple[str, ...] = ("number", "issue_date", "expiry_date")
"""The columns of ``identity_document`` that hold ciphertext."""

NUMBER_PATTERN = re.compile(r"^[0-9A-Z]{3,40}$")
"""A normalised document number: 3 to 40 Latin capitals and digits."""

SEARCH_LIMIT = 200
"""Most records one document search returns."""

_CHUNK = 900
"""Ids per ``IN (...)`` list (below SQLite's bound-parameter limit)."""


class DocumentNumberError(ValueError):
    """A document number that is not letters and digits once normalised."""


def document_number(text: str | None) -> str | None:
    """The normalised number of a cell, None when empty; checked to be letters and digits.

    Args:
        text: the number as the source wrote it (``"n 0123-456"``).

    Returns:
        ``"N0123456"``, or None for an empty cell (or one holding only spaces and hyphens).

    Raises:
        DocumentNumberError: anything but 3 to 40 letters and digits remains
            (``"N/A"``, ``"unknown"`` is accepted as a number: map such codes away).
    """
    if text is None:
        return None
    number = normalise_document_number(str(text))
    if not number:
        return None
    if not NUMBER_PATTERN.match(number):
        raise DocumentNumberError(
            "a document number must be 3 to 40 Latin letters and digits once spaces and "
            "hyphens are removed (map placeholders such as 'N/A' to empty with a value map)"
        )
    return number


def protect_document(keyring: Keyring, row_id: int, values: dict[str, Any]) -> None:
    """Fill ``number_bidx`` and encrypt a document's number and dates in place.

    Args:
        keyring: the data keys.
        row_id: the document row's id (allocated before the insert).
        values: column → value of the row to insert (``number`` already normalised).
    """
    values["number_bidx"] = keyring.blind_index.document_index(values["number"])
    cipher = keyring.cipher
    for column in DOCUMENT_PROTECTED:
        value = values.get(column)
        if value is not None and value != "":
            text = value.isoformat() if isinstance(value, date) else str(value)
            values[column] = cipher.encrypt(DOCUMENT_TABLE, column, row_id, text)


def reveal_document(cipher: FieldCipher, row_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a document's values with the number and dates decrypted (dates as dates).

    Raises:
        ProtectedFieldError: a value was tampered with, moved or made with an unknown key.
    """
    shown = dict(values)
    for column in DOCUMENT_PROTECTED:
        token = shown.get(column)
        if token is None:
            continue
        plain = cipher.decrypt(DOCUMENT_TABLE, column, row_id, token)
        shown[column] = plain if column == "number" else date.fromisoformat(plain)
    return shown


@dataclass(frozen=True)
class DocumentView:
    """One identity document of a person record, decrypted for a reader allowed to see it.

    Attributes:
        person_record_id: the record the source wrote it in.
        kind: ``passport``, ``national_id`` or ``worker_id``.
        number: the normalised number.
        issuing_country: ISO 3166 alpha-3 code, when the source gave one.
        issue_date: date of issue, when given.
        expiry_date: date of expiry, when given.
    """

    person_record_id: int
    kind: str
    number: str
    issuing_country: str | None
    issue_date: date | None
    expiry_date: date | None


def _view(cipher: FieldCipher, document: IdentityDocument) -> DocumentView:
    shown = reveal_document(
        cipher, document.id, {c: getattr(document, c) for c in DOCUMENT_PROTECTED}
    )
    return DocumentView(
        person_record_id=document.person_record_id,
        kind=document.kind.value,
        number=shown["number"],
        issuing_country=document.issuing_country,
        issue_date=shown["issue_date"],
        expiry_date=shown["expiry_date"],
    )


def may_read_documents(actor: Actor | None) -> bool:
    """Whether the reader may see identity documents (``persons:read_identity``)."""
    return actor is None or can(actor, "persons:read_identity")


def read_documents(
    db: Database, record_ids: Sequence[int], *, actor: Actor | None
) -> dict[int, list[DocumentView]]:
    """The identity documents of person records, for a reader allowed to see identities.

    Without ``persons:read_identity`` nothing is read or decrypted and the answer is empty
    (a person view then simply has no documents). Only records inside the actor's scope
    are read. Audited as ``read_protected`` (object ``person_record``, the ids of the
    records whose documents were shown; never a number) when any document was shown.

    Args:
        db: the database.
        record_ids: the person records (e.g. the in-scope records of one person).
        actor: the reader; None for the local operator (full access, still audited).

    Returns:
        Record id → its documents, in the order stored; records without any are absent.
    """
    if not record_ids or not may_read_documents(actor):
        return {}
    query = (
        sa.select(IdentityDocument)
        .join(PersonRecord, PersonRecord.id == IdentityDocument.person_record_id)
        .where(IdentityDocument.person_record_id.in_(sorted(set(record_ids))))
        .order_by(IdentityDocument.person_record_id, IdentityDocument.id)
    )
    if actor is not None:
        query = query.where(scope_filter(actor, PersonRecord))
    found: dict[int, list[DocumentView]] = {}
    with db.session() as session:
        documents = session.scalars(query).all()
        if not documents:
            return {}
        cipher = keyring_for(db).cipher
        for document in documents:
            found.setdefault(document.person_record_id, []).append(_view(cipher, document))
        audit.record(
            session,
            actor,
            "read_protected",
            "person_record",
            sorted(found),
            {"documents": len(documents)},
            forbidden_values=[view.number for views in found.values() for view in views],
        )
    return found


@audit.audits_denials("person_record")
def find_person_records_by_document(
    db: Database, number: str, actor: Actor | None, *, limit: int = SEARCH_LIMIT
) -> list[BaseModel]:
    """Person records holding an identity document with exactly this number (blind index).

    Spaces, hyphens and case do not matter (``n 0123-456`` finds ``N0123456``); any kind
    and issuing country match. Needs ``persons:read`` and ``persons:read_identity``; only
    records in the actor's scope are found, each shown through the role's output schema.
    Audited as ``read_protected`` with the record ids (never the number).

    Args:
        db: the database.
        number: the number searched, as a person would type it.
        actor: the reader; None for the local operator (full access, still audited).
        limit: most records returned.

    Returns:
        The records, by id, decrypted in memory.

    Raises:
        AccessDenied: the actor lacks ``persons:read_identity`` (the refusal is audited).
    """
    digest = keyring_for(db).blind_index.document_index(number)
    if digest is None:
        if actor is not None:
            authorize(actor, "persons:read")
            authorize(actor, "persons:read_identity")
        return []
    matches = PersonRecord.id.in_(
        sa.select(IdentityDocument.person_record_id).where(IdentityDocument.number_bidx == digest)
    )
    return find_person_records(
        db,
        matches,
        actor,
        what="document",
        forbidden=[number, normalise_document_number(number)],
        limit=limit,
    )


class DocumentKey(NamedTuple):
    """What linkage may compare of a document without decrypting it.

    Attributes:
        kind: ``passport``, ``national_id`` or ``worker_id``.
        issuing_country: ISO alpha-3 code, or None.
        number_bidx: keyed HMAC of the normalised number: equal index = same number
            (whatever the kind; a source may call a passport number an id).
    """

    kind: str
    issuing_country: str | None
    number_bidx: str


def document_keys(
    db: Database, person_record_ids: Iterable[int] | None = None
) -> dict[int, list[DocumentKey]]:
    """The blind-index values of person records' documents, for linkage (no decryption).

    Reads only clear columns (kind, issuing country, ``number_bidx``): no key is needed,
    nothing is audited (no identity is revealed, only which records share a number).

    Args:
        db: the database.
        person_record_ids: the records; None for every record holding a document.

    Returns:
        Record id → its document keys, ordered by kind then index; records without a
        document are absent.
    """
    columns = (
        IdentityDocument.person_record_id,
        sa.type_coerce(IdentityDocument.kind, sa.String()),
        IdentityDocument.issuing_country,
        IdentityDocument.number_bidx,
    )
    found: dict[int, list[DocumentKey]] = {}
    with db.connect() as connection:
        if person_record_ids is None:
            batches: Iterable[sa.Select[Any]] = [sa.select(*columns)]
        else:
            ids = sorted(set(person_record_ids))
            batches = [
                sa.select(*columns).where(
                    IdentityDocument.person_record_id.in_(ids[start : start + _CHUNK])
                )
                for start in range(0, len(ids), _CHUNK)
            ]
        for query in batches:
            for record_id, kind, country, digest in connection.execute(query):
                found.setdefault(record_id, []).append(DocumentKey(kind, country, digest))
    for keys in found.values():
        keys.sort()
    return found


__all__ = [
    "DOCUMENT_PROTECTED",
    "DOCUMENT_TABLE",
    "DocumentKey",
    "DocumentNumberError",
    "DocumentView",
    "document_keys",
    "document_number",
    "find_person_records_by_document",
    "may_read_documents",
    "protect_document",
    "read_documents",
    "reveal_document",
]
