"""Sources say whether their register lists one person more than once.

Adds ``source.repeats_people``: false for a register with one row per person (a
ministry's victim register, a shelter's intake book), true for one that may list a
person again (a border screening log where a person returns twice, a court register
with one row per victim and defendant). Linkage never puts two records of a register
that does not repeat people into one person unless a reviewer says so. Existing
sources get false, except the two built-in layouts known to repeat people.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(
            sa.Column("repeats_people", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE source SET repeats_people = TRUE "
        "WHERE code IN ('iom_poipet_screening', 'court_outcomes')"
    )


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("repeats_people")
