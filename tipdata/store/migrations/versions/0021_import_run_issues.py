"""Import runs keep the problems they found, row by row: ``import_run_issue``.

The errors of the rows a run rejected (the valid rows stored, the others set aside) and
the warnings of the rows it stored: row, column, message, severity, and the cell's value
encrypted (it may be a name). Runs stored before keep none.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_run_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("column_name", sa.Text(), nullable=True),
        sa.Column("value_encrypted", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "severity IN ('error', 'warning')", name=op.f("ck_import_run_issue_severity_known")
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
            name=op.f("fk_import_run_issue_import_run_id_import_run"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run_issue")),
        sa.UniqueConstraint(
            "import_run_id", "position", name=op.f("uq_import_run_issue_import_run_id_position")
        ),
    )
    op.create_index(
        op.f("ix_import_run_issue_import_run_id"),
        "import_run_issue",
        ["import_run_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_import_run_issue_import_run_id"), table_name="import_run_issue")
    op.drop_table("import_run_issue")
