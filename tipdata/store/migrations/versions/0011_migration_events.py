"""Labour-migration events: departures, deportations and hotline reports from any source.

``event.event_type`` gains ``departed``, ``deported`` and ``hotline_report``, and
``event`` gains ``company`` (the recruitment company), ``destination_country`` and
``contract``: any mapping can declare a departure (or a return, a deportation, a hotline
report) and the LMIS tables count events, no longer the raw rows of one built-in layout.
Existing LMIS imports get their departure events when their file is imported again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = (
    "identified", "rescued", "returned", "screened", "determined_victim",
    "determined_not_victim", "referred", "sheltered", "service_provided", "reintegrated",
    "followed_up", "repatriated", "re_trafficked", "case_closed", "arrested", "charged",
    "tried", "convicted", "acquitted", "sentenced", "appealed", "released", "escaped",
    "dismissed",
)  # fmt: skip
NEW_TYPES = (*OLD_TYPES, "departed", "deported", "hotline_report")


def _types(batch: object, types: tuple[str, ...]) -> None:
    batch.drop_constraint(op.f("ck_event_event_type"), type_="check")  # type: ignore[attr-defined]
    batch.create_check_constraint(  # type: ignore[attr-defined]
        op.f("ck_event_event_type"),
        "event_type IN (" + ", ".join(f"'{t}'" for t in types) + ")",
    )


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        _types(batch, NEW_TYPES)
        batch.add_column(sa.Column("company", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("destination_country", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("contract", sa.String(length=200), nullable=True))
        batch.create_foreign_key(
            op.f("fk_event_destination_country_country"),
            "country",
            ["destination_country"],
            ["iso3"],
        )


def downgrade() -> None:
    stored = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM event WHERE event_type IN ('departed', 'deported', "
            "'hotline_report')"
        )
    )
    if stored.scalar_one():
        raise RuntimeError(
            "migration 0011 (downgrade): labour-migration events are stored; delete them first"
        )
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint(op.f("fk_event_destination_country_country"), type_="foreignkey")
        batch.drop_column("contract")
        batch.drop_column("destination_country")
        batch.drop_column("company")
        _types(batch, OLD_TYPES)
