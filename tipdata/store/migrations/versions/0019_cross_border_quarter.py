"""Cross-border links carry the partner's event quarter, when the agreement discloses it.

``cross_border_link.partner_quarter``: the latest calendar quarter (``2008Q3``) of the
partner's records of the linked person, from packages of agreements that list
``event_quarter`` as disclosed; the regional figures count victims re-trafficked after
repatriation from it. NULL for every link stored before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "cross_border_link", sa.Column("partner_quarter", sa.String(length=6), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("cross_border_link") as batch:
        batch.drop_column("partner_quarter")
