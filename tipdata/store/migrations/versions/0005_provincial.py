"""Provincial reporting: report status history and stored validation results.

Adds ``provincial_report_status_change`` (every transition of a provincial
report: from, to, reason, actor, time) and ``provincial_validation_result`` (what
the validation rules said about the report's last checked version).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("draft", "submitted", "accepted", "reopened")


def upgrade() -> None:
    op.create_table(
        "provincial_report_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                *STATUSES,
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_provincial_report_status_change_from_status"),
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                *STATUSES,
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_provincial_report_status_change_to_status"),
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["provincial_report.id"],
            name=op.f("fk_provincial_report_status_change_report_id_provincial_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provincial_report_status_change")),
    )
    op.create_index(
        op.f("ix_provincial_report_status_change_report_id"),
        "provincial_report_status_change",
        ["report_id"],
        unique=False,
    )
    op.create_table(
        "provincial_validation_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=60), nullable=False),
        sa.Column("importance", sa.String(length=10), nullable=False),
        sa.Column("data_element_code", sa.String(length=60), nullable=False),
        sa.Column("disaggregation", sa.String(length=60), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "importance IN ('error', 'warning')",
            name=op.f("ck_provincial_validation_result_importance"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["provincial_report.id"],
            name=op.f("fk_provincial_validation_result_report_id_provincial_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provincial_validation_result")),
    )
    op.create_index(
        op.f("ix_provincial_validation_result_report_id"),
        "provincial_validation_result",
        ["report_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_provincial_validation_result_report_id"),
        table_name="provincial_validation_result",
    )
    op.drop_table("provincial_validation_result")
    op.drop_index(
        op.f("ix_provincial_report_status_change_report_id"),
        table_name="provincial_report_status_change",
    )
    op.drop_table("provincial_report_status_change")
