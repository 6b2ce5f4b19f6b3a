"""Identity documents in mappings: the person-record fields that become ``identity_document`` rows.

A mapping says ``passport_number: Passport No`` (and ``passport_country``,
``passport_issue_date``, ``passport_expiry_date``), ``national_id: ID Card``,
``worker_id: LMIS ID`` on a ``person_record``; each non-empty number becomes one document
of that record. The number is normalised (upper case, no spaces or hyphens, ASCII digits)
and checked at validation, so a bad cell is an error naming its row and column; at
write time it is encrypted and blind-indexed (:func:`tipdata.access.documents.protect_document`).
A number expression giving a list (``{split: Passports}``) makes one document per number:
an old and a re-issued passport in one cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tipdata.access.documents import DocumentNumberError, document_number
from tipdata.model.enums import DocumentKind

DOCUMENT_NUMBER_FIELDS: dict[str, DocumentKind] = {
    "passport_number": DocumentKind.PASSPORT,
    "national_id": DocumentKind.NATIONAL_ID,
    "worker_id": DocumentKind.WORKER_ID,
}
"""Person-record field → the kind of document its number is."""

_PREFIX: dict[DocumentKind, str] = {
    DocumentKind.PASSPORT: "passport",
    DocumentKind.NATIONAL_ID: "national_id",
    DocumentKind.WORKER_ID: "worker_id",
}

DETAIL_FIELDS: dict[str, tuple[DocumentKind, str, str]] = {
    f"{prefix}_{suffix}": (kind, column, field_type)
    for kind, prefix in _PREFIX.items()
    for suffix, column, field_type in (
        ("country", "issuing_country", "country"),
        ("issue_date", "issue_date", "date"),
        ("expiry_date", "expiry_date", "date"),
    )
}
"""Person-record field → (document kind, ``identity_document`` column, field type):
``passport_country``, ``passport_issue_date``, ``passport_expiry_date``,
``national_id_country``, ..."""

DOCUMENT_FIELDS: frozenset[str] = frozenset(DOCUMENT_NUMBER_FIELDS) | frozenset(DETAIL_FIELDS)
"""Every person-record field that feeds an identity document."""

PROTECTED_DOCUMENT_FIELDS: frozenset[str] = frozenset(DOCUMENT_NUMBER_FIELDS) | frozenset(
    name for name, (_kind, column, _type) in DETAIL_FIELDS.items() if column != "issuing_country"
)
"""Fields whose source columns are encrypted in the stored raw row (numbers and dates)."""


def number_converter(column: str | None, error: type[Exception]) -> Callable[[Any], Any]:
    """The validation converter of a document-number field.

    Args:
        column: the source column (named in errors).
        error: the exception to raise for a bad number, called as ``error(column, value,
            message)`` (the validator's cell error).

    Returns:
        value → the normalised number, a list of them (for a list value), or None.
    """

    def one(value: Any) -> str | None:
        try:
            return document_number(None if value is None else str(value))
        except DocumentNumberError as exc:
            raise error(column, value, str(exc)) from None

    def convert(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, list):
            numbers = [number for item in value if (number := one(item)) is not None]
            return list(dict.fromkeys(numbers)) or None
        return one(value)

    return convert


def take_documents(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Remove the document fields from a staged person record's values; return the documents.

    Args:
        values: the person record's values (changed in place: document fields removed).

    Returns:
        One ``identity_document`` row (without id, owner and person record) per number:
        ``kind``, ``number``, ``issuing_country``, ``issue_date``, ``expiry_date``.
    """
    if not any(name in values for name in DOCUMENT_FIELDS):
        return []
    details: dict[DocumentKind, dict[str, Any]] = {}
    for name, (kind, column, _type) in DETAIL_FIELDS.items():
        value = values.pop(name, None)
        if value is not None:
            details.setdefault(kind, {})[column] = value
    documents: list[dict[str, Any]] = []
    for name, kind in DOCUMENT_NUMBER_FIELDS.items():
        numbers = values.pop(name, None)
        if numbers is None:
            continue
        for number in numbers if isinstance(numbers, list) else [numbers]:
            documents.append(
                {
                    "kind": kind.value,
                    "number": number,
                    "issuing_country": None,
                    "issue_date": None,
                    "expiry_date": None,
                    **details.get(kind, {}),
                }
            )
    return documents


__all__ = [
    "DETAIL_FIELDS",
    "DOCUMENT_FIELDS",
    "DOCUMENT_NUMBER_FIELDS",
    "PROTECTED_DOCUMENT_FIELDS",
    "number_converter",
    "take_documents",
]
