"""Linkage keys: keyed hashes of each person record's blocking and name keys.

Adds ``person_record_link_key``: per person record, keyed HMACs (signed 64-bit) of the
name keys linkage blocks on and counts (sorted, compact, first and last word) and the
birth-year range, packed in one binary value, and the fingerprint of the key that made
them. An incremental linkage run reads these instead of decrypting every record. Filled
by the next linkage run (nothing to convert here: the hashes need the data keys).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_record_link_key",
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("keys", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_person_record_link_key_person_record_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_record_id", name=op.f("pk_person_record_link_key")),
    )


def downgrade() -> None:
    op.drop_table("person_record_link_key")
