"""What a mapped record can fill: the fields of each record kind, read from the store's tables.

The field names a mapping uses are the column names of the store's tables, so the
mapping format never drifts from the schema. Columns the importer fills itself
(ids, the owning agency, the source record) cannot be mapped; a few *pseudo-fields*
fill more than one column or a child table (``birth``, ``case``,
``exploitation_types``, ``answers``, the identity documents ``passport_number``,
``national_id``, ``worker_id`` and their details).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import sqlalchemy as sa

from tipdata.ingest.mapping import RecordKind

FieldType = Literal[
    "text",
    "int",
    "date",
    "bool",
    "enum",
    "province",
    "country",
    "agency",
    "exploitation_type",
    "law_article",
    "provider",
    "ref",
    "birth",
    "list",
    "document_number",
]

AUTOMATIC_COLUMNS = frozenset({"id", "owner_agency_id", "source_record_id", "person_id"})
"""Columns the importer fills itself; a mapping cannot set them (nor ``*_bidx`` blind indexes)."""

TABLE_OF_KIND: dict[RecordKind, str] = {
    "person_record": "person_record",
    "case": "case",
    "charge": "charge",
    "event": "event",
    "referral": "referral",
    "screening": "screening",
}

_FOREIGN_TYPES: dict[str, FieldType] = {
    "province.code": "province",
    "country.iso3": "country",
    "agency.id": "agency",
    "exploitation_type.code": "exploitation_type",
    "law_article.id": "law_article",
    "service_provider.id": "provider",
}

_REF_KINDS: dict[str, RecordKind] = {
    "person_record.id": "person_record",
    "case.id": "case",
}


@dataclass(frozen=True)
class TargetField:
    """One field a mapping may fill.

    Attributes:
        name: the field (column) name.
        type: how the value is checked and converted.
        required: the record cannot be stored without it.
        max_length: longest text accepted, for text columns.
        choices: allowed codes, for enum columns.
        ref_kind: the record kind a ``ref`` field points to.
    """

    name: str
    type: FieldType
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    ref_kind: RecordKind | None = None


@dataclass(frozen=True)
class Target:
    """A record kind: its table and the fields a mapping may fill."""

    kind: RecordKind
    table: sa.Table
    fields: dict[str, TargetField]

    def describe_fields(self) -> str:
        """The field names, for error messages."""
        return ", ".join(sorted(self.fields))


_PSEUDO_FIELDS: dict[RecordKind, list[TargetField]] = {
    "person_record": [
        TargetField("birth", "birth"),
        TargetField("case", "ref", ref_kind="case"),
    ],
    "case": [TargetField("exploitation_types", "list")],
}


def _document_fields() -> dict[str, TargetField]:
    """The identity-document fields of a person record (see ``tipdata.ingest.documents``)."""
    from tipdata.ingest.documents import DETAIL_FIELDS, DOCUMENT_NUMBER_FIELDS

    found = {name: TargetField(name, "document_number") for name in DOCUMENT_NUMBER_FIELDS}
    for name, (_kind, _column, field_type) in DETAIL_FIELDS.items():
        found[name] = TargetField(name, field_type)  # type: ignore[arg-type]
    return found


def _field_of(column: sa.Column[object]) -> TargetField:
    foreign = next(iter(column.foreign_keys), None)
    required = not column.nullable and column.default is None and column.server_default is None
    if foreign is not None:
        target = foreign.target_fullname
        if target in _REF_KINDS:
            return TargetField(column.name, "ref", required, ref_kind=_REF_KINDS[target])
        return TargetField(column.name, _FOREIGN_TYPES.get(target, "text"), required)
    # a protected column holds ciphertext: check the value against its plaintext type
    column_type = column.info.get("plaintext_type", column.type)
    if isinstance(column_type, sa.Enum):
        return TargetField(column.name, "enum", required, choices=tuple(column_type.enums))
    if isinstance(column_type, sa.Boolean):
        return TargetField(column.name, "bool", required)
    if isinstance(column_type, sa.Date):
        return TargetField(column.name, "date", required)
    if isinstance(column_type, sa.Integer):
        return TargetField(column.name, "int", required)
    length = getattr(column_type, "length", None)
    return TargetField(column.name, "text", required, max_length=length)


@cache
def targets() -> dict[RecordKind, Target]:
    """Every record kind with its fields, read from the store's table definitions."""
    from tipdata.store import metadata

    found: dict[RecordKind, Target] = {}
    for kind, table_name in TABLE_OF_KIND.items():
        table = metadata.tables[table_name]
        fields = {
            column.name: _field_of(column)
            for column in table.columns
            if column.name not in AUTOMATIC_COLUMNS and not column.name.endswith("_bidx")
        }
        for pseudo in _PSEUDO_FIELDS.get(kind, []):
            fields[pseudo.name] = pseudo
        if kind == "person_record":
            fields.update(_document_fields())
        if kind == "person_record":
            from tipdata.model.enums import PersonRole

            fields["case_role"] = TargetField(
                "case_role", "enum", choices=tuple(r.value for r in PersonRole)
            )
        found[kind] = Target(kind, table, fields)
    return found
