"""Releases keep what they released: the published figures, their relations and files.

Adds to ``report_release`` the fixed period's code (``2008``, ``2008Q1``, ``200803``),
the published figures as the exact JSON document readers are served (``figures``), the
additive relations of the published tables (``relations``, read by the gate that audits
a new release against the earlier ones whose periods overlap it), and the table
``report_release_file``: the bytes of each published file (CSV, XLSX, HTML), served to
readers as they were released.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_release") as batch:
        batch.add_column(sa.Column("period_code", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("figures", sa.Text(), nullable=True))
        batch.add_column(sa.Column("relations", sa.JSON(), nullable=True))
        batch.create_index(
            op.f("ix_report_release_period_code"), ["period_code"], unique=False
        )
    op.create_table(
        "report_release_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["report_release.id"],
            name=op.f("fk_report_release_file_release_id_report_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_release_file")),
        sa.UniqueConstraint("release_id", "name", name=op.f("uq_report_release_file_release_id_name")),
    )


def downgrade() -> None:
    op.drop_table("report_release_file")
    with op.batch_alter_table("report_release") as batch:
        batch.drop_index(op.f("ix_report_release_period_code"))
        batch.drop_column("relations")
        batch.drop_column("figures")
        batch.drop_column("period_code")
