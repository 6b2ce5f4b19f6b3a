"""Ingestion provenance of case exploitation types.

``case_exploitation`` gains ``source_record_id``: the source record (one row of one
agency file) that stated the form of exploitation. A newer export that corrects a
row now replaces exactly the forms that row stated, instead of only adding the new
ones. The unique constraint becomes (case, form, source record): several rows of one
case may state the same form; counts take distinct forms per case.

Existing rows are attributed to the source record that created their case.

``case.kind`` gains ``assistance``: a shelter's or social service's case file on a
victim (NGO intake registers), which carries the form of exploitation and the
destination the service recorded and is never counted as an investigation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("investigation", "court")
NEW_KINDS = (*OLD_KINDS, "assistance")
OLD_UNIQUE = "uq_case_exploitation_case_id_exploitation_type"
NEW_UNIQUE = "uq_case_exploitation_case_id_exploitation_type_source_record_id"


def _kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_constraint(op.f("ck_case_kind"), type_="check")
        batch.create_check_constraint(
            op.f("ck_case_kind"), "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
        )


def upgrade() -> None:
    _kinds(NEW_KINDS)
    with op.batch_alter_table("case_exploitation") as batch:
        batch.add_column(sa.Column("source_record_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_case_exploitation_source_record_id_source_record"),
            "source_record",
            ["source_record_id"],
            ["id"],
        )
        batch.drop_constraint(op.f(OLD_UNIQUE), type_="unique")
        batch.create_unique_constraint(
            op.f(NEW_UNIQUE), ["case_id", "exploitation_type", "source_record_id"]
        )
        batch.create_index(
            op.f("ix_case_exploitation_source_record_id"), ["source_record_id"], unique=False
        )
    op.execute(
        'UPDATE case_exploitation SET source_record_id = (SELECT "case".source_record_id '
        'FROM "case" WHERE "case".id = case_exploitation.case_id)'
    )


def downgrade() -> None:
    assistance = op.get_bind().execute(
        sa.text("SELECT count(*) FROM \"case\" WHERE kind = 'assistance'")
    )
    if assistance.scalar_one():
        raise RuntimeError(
            "migration 0007 (downgrade): assistance cases are stored; delete them first"
        )
    _kinds(OLD_KINDS)
    # one row per (case, form) again: keep the lowest id of each
    op.execute(
        "DELETE FROM case_exploitation WHERE id NOT IN (SELECT min(id) FROM case_exploitation "
        "GROUP BY case_id, exploitation_type)"
    )
    with op.batch_alter_table("case_exploitation") as batch:
        batch.drop_index(op.f("ix_case_exploitation_source_record_id"))
        batch.drop_constraint(op.f(NEW_UNIQUE), type_="unique")
        batch.create_unique_constraint(op.f(OLD_UNIQUE), ["case_id", "exploitation_type"])
        batch.drop_constraint(
            op.f("fk_case_exploitation_source_record_id_source_record"), type_="foreignkey"
        )
        batch.drop_column("source_record_id")
