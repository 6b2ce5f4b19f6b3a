"""Protected fields at rest: victims' identifying columns become ciphertext ``Text``.

``person_record``'s family_name, given_name, full_name, full_name_khmer,
birth_date, contact and village hold AES-GCM ciphertext from now on (see
``tipdata.access.keys.PROTECTED_COLUMNS``); ``birth_date`` changes from a date to
text. The index on (family_name, given_name) goes: ciphertexts are never searched,
the ``*_bidx`` blind indexes are.

A migration has no key, so it cannot encrypt rows stored in clear: it refuses to
run on a database that already holds person or source records. Back such a
database up, then build a fresh one and import the agency files again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_COLUMNS: dict[str, int] = {
    "family_name": 200,
    "given_name": 200,
    "full_name": 400,
    "full_name_khmer": 400,
    "village": 200,
}
"""The protected text columns and their length before this revision."""


def _refuse_if_data(direction: str) -> None:
    """Stop when rows exist: their values cannot be converted without the keys."""
    connection = op.get_bind()
    for table in ("person_record", "source_record"):
        count = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        if count:
            raise RuntimeError(
                f"migration 0006 ({direction}) cannot convert {count} stored {table} rows "
                "(protected values need the keys): back the database up, build a fresh "
                "database and import the agency files again"
            )


def upgrade() -> None:
    _refuse_if_data("upgrade")
    op.drop_index(op.f("ix_person_record_family_name_given_name"), table_name="person_record")
    with op.batch_alter_table("person_record") as batch:
        for column, length in NAME_COLUMNS.items():
            batch.alter_column(
                column, existing_type=sa.String(length=length), type_=sa.Text(), nullable=True
            )
        batch.alter_column(
            "birth_date",
            existing_type=sa.Date(),
            type_=sa.Text(),
            nullable=True,
            postgresql_using="birth_date::text",
        )


def downgrade() -> None:
    _refuse_if_data("downgrade")
    with op.batch_alter_table("person_record") as batch:
        for column, length in NAME_COLUMNS.items():
            batch.alter_column(
                column, existing_type=sa.Text(), type_=sa.String(length=length), nullable=True
            )
        batch.alter_column(
            "birth_date",
            existing_type=sa.Text(),
            type_=sa.Date(),
            nullable=True,
            postgresql_using="birth_date::date",
        )
    op.create_index(
        op.f("ix_person_record_family_name_given_name"),
        "person_record",
        ["family_name", "given_name"],
        unique=False,
    )
