"""Published releases: each release of disclosure-controlled figures is stored.

Adds ``report_release``: the report kind and period, the tables released, the
suppression threshold and rounding, the digest of the published figures, a SHA-256 per
published file, who released it and when. ``tipdata report releases`` lists them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_kind", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("rounding_base", sa.Integer(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=False),
        sa.Column("released_by_user_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_start <= period_end", name=op.f("ck_report_release_period_ordered")
        ),
        sa.CheckConstraint("threshold >= 1", name=op.f("ck_report_release_threshold_positive")),
        sa.ForeignKeyConstraint(
            ["released_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_report_release_released_by_user_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_release")),
    )
    op.create_index(op.f("ix_report_release_digest"), "report_release", ["digest"], unique=False)
    op.create_index(
        op.f("ix_report_release_released_at"), "report_release", ["released_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_report_release_released_at"), table_name="report_release")
    op.drop_index(op.f("ix_report_release_digest"), table_name="report_release")
    op.drop_table("report_release")
