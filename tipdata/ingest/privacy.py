"""Which cells of a stored raw row are encrypted, and when a record id is itself a secret.

Deny by default: every column of an export is encrypted in the stored raw row
(``source_record.payload`` and its versions) unless it is known not to identify anyone:

* the mapping declares it in ``open_columns`` (reviewed: codes, counts, article numbers);
* every field that reads it has a closed type (a number, a date, a code list, a value map
  into an enumeration, a yes/no answer) and is not itself a protected identity field;
* it is the record id, which is stored in clear as the row's key anyway (but see below).

So free text no field reads (notes, "Referred by"), free text a text field reads ("Exit
reason" as a place) and columns only tested by a ``when:`` condition are all encrypted.
The mapping's ``protected_columns`` are encrypted even if one of the rules above would
keep them in clear.

A record id built from an identity column (a layout without a row id, whose key is
``{Case No}/{Role}/{Full Name}``) is stored as a keyed hash (:func:`keyed_source_key`):
re-imports still find the row, but neither the table nor ``report explain`` show a name.
"""

from __future__ import annotations

from collections.abc import Iterable

from tipdata.access.keys import PERSON_RECORD_PROTECTED, Keyring
from tipdata.ingest.documents import PROTECTED_DOCUMENT_FIELDS
from tipdata.ingest.mapping import BirthExpr, Mapping, RecordSpec, expression_columns

CLOSED_TYPES = frozenset(
    {"int", "date", "bool", "enum", "province", "country", "agency", "exploitation_type",
     "provider", "list", "ref"}
)  # fmt: skip
"""Field types whose values are checked against a closed set (or are numbers or dates)."""

KEY_PREFIX = "k:"
"""Marks a stored source key that is a keyed hash of the record id."""


def identity_columns(mapping: Mapping) -> frozenset[str]:
    """Columns feeding a protected identity field, plus the declared ``protected_columns``."""
    found: set[str] = set(mapping.protected_columns)
    for spec in mapping.records:
        found.update(_identity_columns_of(spec))
    return frozenset(found)


def _identity_columns_of(spec: RecordSpec) -> set[str]:
    if spec.kind != "person_record":
        return set()
    found: set[str] = set()
    for name, expr in spec.fields.items():
        if (
            name in PERSON_RECORD_PROTECTED
            or name in PROTECTED_DOCUMENT_FIELDS
            or isinstance(expr, BirthExpr)
        ):
            found.update(expression_columns(expr))
    return found


def open_source_columns(mapping: Mapping) -> frozenset[str]:
    """The source columns kept in clear in stored raw rows (every other one is encrypted)."""
    from tipdata.ingest.targets import targets

    closed: set[str] = set()
    free: set[str] = set()
    kinds = targets()
    for spec in mapping.records:
        fields = kinds[spec.kind].fields
        for name, expr in spec.fields.items():
            field = fields.get(name)
            columns = expression_columns(expr)
            if (
                field is None
                or field.type not in CLOSED_TYPES
                or name in PERSON_RECORD_PROTECTED
                or name in PROTECTED_DOCUMENT_FIELDS
                or isinstance(expr, BirthExpr)
            ):
                free.update(columns)
            else:
                closed.update(columns)
        for expr in (spec.answers or {}).values():
            closed.update(expression_columns(expr))
    identity = identity_columns(mapping)
    found = (closed - free) | set(mapping.open_columns)
    if not key_is_identifying(mapping):
        found.update(expression_columns(mapping.record_id))
    return frozenset(found - identity)


def protected_columns_of(mapping: Mapping, header: Iterable[str]) -> frozenset[str]:
    """The columns of a file's header whose cells are encrypted in stored raw rows."""
    open_ = open_source_columns(mapping)
    return frozenset(column for column in header if column not in open_)


def key_is_identifying(mapping: Mapping) -> bool:
    """Whether the record id reads an identity column (then it is stored hashed)."""
    return bool(set(expression_columns(mapping.record_id)) & identity_columns(mapping))


def keyed_source_key(keyring: Keyring, key: str) -> str:
    """The stored form of an identifying record id: ``k:`` and a keyed HMAC (40 hex).

    Deterministic for one database (the blind-index key), so a re-import finds the row;
    without the key a guessed name cannot be confirmed against the table.
    """
    digest = keyring.blind_index.source_key_digest(key)
    return f"{KEY_PREFIX}{digest[:40]}"


__all__ = [
    "CLOSED_TYPES",
    "identity_columns",
    "key_is_identifying",
    "keyed_source_key",
    "open_source_columns",
    "protected_columns_of",
]
