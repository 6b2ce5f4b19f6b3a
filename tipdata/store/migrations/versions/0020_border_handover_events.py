"""Hand-over at the border as two pathway events: ``handed_over`` and ``received``.

``event.event_type`` gains ``handed_over`` (the sending country's agency handed the
victim over at the border) and ``received`` (the receiving country's agency received
them), so that a victim's pathway shows the crossing and the time between the two.
Events stored before keep their types (``repatriated``, ``returned``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = (
    "identified", "rescued", "returned", "screened", "determined_victim",
    "determined_not_victim", "referred", "sheltered", "service_provided", "reintegrated",
    "followed_up", "repatriated", "re_trafficked", "case_closed", "arrested", "charged",
    "tried", "convicted", "acquitted", "sentenced", "appealed", "released", "escaped",
    "dismissed", "departed", "deported", "hotline_report",
)  # fmt: skip
NEW_TYPES = (*OLD_TYPES, "handed_over", "received")


def _types(types: tuple[str, ...]) -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint(op.f("ck_event_event_type"), type_="check")
        batch.create_check_constraint(
            op.f("ck_event_event_type"),
            "event_type IN (" + ", ".join(f"'{t}'" for t in types) + ")",
        )


def upgrade() -> None:
    _types(NEW_TYPES)


def downgrade() -> None:
    stored = op.get_bind().execute(
        sa.text("SELECT count(*) FROM event WHERE event_type IN ('handed_over', 'received')")
    )
    if stored.scalar_one():
        raise RuntimeError(
            "migration 0020 (downgrade): hand-over events (handed_over, received) are stored; "
            "delete them first"
        )
    _types(OLD_TYPES)
