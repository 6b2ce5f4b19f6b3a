"""Findings: check runs and the findings of the legal and pathway checks.

Adds ``check_run`` (one run of ``tipdata check``) and ``finding`` (rule, severity,
subject, court/agency, year, article, facts and record ids as JSON), listed per
court and per year.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checks", sa.String(length=100), nullable=False),
        sa.Column("started_by", sa.Text(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("findings_count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_run")),
    )
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("subject_type", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("court", sa.String(length=200), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("law_article_id", sa.Integer(), nullable=True),
        sa.Column("article", sa.String(length=60), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'error', 'critical')",
            name=op.f("ck_finding_severity_known"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["check_run.id"],
            name=op.f("fk_finding_run_id_check_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_finding_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["law_article_id"],
            ["law_article.id"],
            name=op.f("fk_finding_law_article_id_law_article"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    op.create_index(op.f("ix_finding_run_id"), "finding", ["run_id"])
    op.create_index(op.f("ix_finding_rule"), "finding", ["rule"])
    op.create_index(op.f("ix_finding_agency_id"), "finding", ["agency_id"])
    op.create_index(op.f("ix_finding_agency_id_year"), "finding", ["agency_id", "year"])
    op.create_index(
        op.f("ix_finding_subject_type_subject_id"), "finding", ["subject_type", "subject_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_finding_subject_type_subject_id"), table_name="finding")
    op.drop_index(op.f("ix_finding_agency_id_year"), table_name="finding")
    op.drop_index(op.f("ix_finding_agency_id"), table_name="finding")
    op.drop_index(op.f("ix_finding_rule"), table_name="finding")
    op.drop_index(op.f("ix_finding_run_id"), table_name="finding")
    op.drop_table("finding")
    op.drop_table("check_run")
