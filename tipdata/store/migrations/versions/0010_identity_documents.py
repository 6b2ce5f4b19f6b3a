"""Identity documents: passports, national ids and worker ids of person records.

Adds ``identity_document``: per person record, any number of documents (kind, issuing
country), the number and the dates of issue and expiry as ciphertext bound to the row,
and ``number_bidx``, the keyed HMAC of the normalised number (exact-match search, and
linkage: equal index = same number). Rows go with their person record (ON DELETE
CASCADE). Nothing to convert: documents were never stored before (a passport number a
mapping put in ``contact`` stays there until the file is imported again with a mapping
that declares ``passport_number``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "passport",
                "national_id",
                "worker_id",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_identity_document_kind"),
            ),
            nullable=False,
        ),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("number_bidx", sa.String(length=64), nullable=False),
        sa.Column("issuing_country", sa.String(length=3), nullable=True),
        sa.Column("issue_date", sa.Text(), nullable=True),
        sa.Column("expiry_date", sa.Text(), nullable=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuing_country"],
            ["country.iso3"],
            name=op.f("fk_identity_document_issuing_country_country"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agency.id"],
            name=op.f("fk_identity_document_owner_agency_id_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_identity_document_person_record_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_document")),
        sa.UniqueConstraint(
            "person_record_id",
            "kind",
            "number_bidx",
            name=op.f("uq_identity_document_person_record_id_kind_number_bidx"),
        ),
    )
    op.create_index(
        op.f("ix_identity_document_number_bidx"), "identity_document", ["number_bidx"]
    )
    op.create_index(
        op.f("ix_identity_document_owner_agency_id"), "identity_document", ["owner_agency_id"]
    )
    op.create_index(
        op.f("ix_identity_document_person_record_id"), "identity_document", ["person_record_id"]
    )


def downgrade() -> None:
    op.drop_table("identity_document")
