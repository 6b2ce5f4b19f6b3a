"""Uncertain merges: the parts of persons a linkage run joined by links below 0.95.

Adds ``merge_part`` (per person record of such a person: its confident part, named by the
part's smallest record id) and ``uncertain_merge`` (two parts of one person and the
strongest link between them). The reporting ranges split these merges (the count if the
merge were undone). Filled by the next linkage run: nothing to convert here.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merge_part",
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_merge_part_person_record_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["part_id"],
            ["person_record.id"],
            name=op.f("fk_merge_part_part_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_record_id", name=op.f("pk_merge_part")),
    )
    op.create_index(op.f("ix_merge_part_part_id"), "merge_part", ["part_id"])
    op.create_table(
        "uncertain_merge",
        sa.Column("left_part_id", sa.Integer(), nullable=False),
        sa.Column("right_part_id", sa.Integer(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["left_part_id"],
            ["person_record.id"],
            name=op.f("fk_uncertain_merge_left_part_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["right_part_id"],
            ["person_record.id"],
            name=op.f("fk_uncertain_merge_right_part_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "left_part_id", "right_part_id", name=op.f("pk_uncertain_merge")
        ),
    )
    op.create_index(
        op.f("ix_uncertain_merge_right_part_id"), "uncertain_merge", ["right_part_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_uncertain_merge_right_part_id"), table_name="uncertain_merge")
    op.drop_table("uncertain_merge")
    op.drop_index(op.f("ix_merge_part_part_id"), table_name="merge_part")
    op.drop_table("merge_part")
