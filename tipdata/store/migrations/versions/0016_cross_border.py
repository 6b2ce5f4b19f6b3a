"""Cross-border exchanges: the exchange log and the links privacy-preserving linkage found.

``cross_border_exchange``: one row per package sent, accepted or refused (agreement,
sender and recipient country, period, record counts, schema version, the file's SHA-256,
why it was refused). ``cross_border_link``: one partner record, named by the partner's
opaque token, matched to one local person with its Dice score, with the exchange that
gave it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cross_border_exchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.String(length=64), nullable=False),
        sa.Column("agreement", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sender", sa.String(length=3), nullable=True),
        sa.Column("recipient", sa.String(length=3), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("schema_version", sa.String(length=40), nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=True),
        sa.Column("matched_count", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("acted_by", sa.String(length=200), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('sent', 'accepted', 'refused')",
            name=op.f("ck_cross_border_exchange_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_border_exchange")),
    )
    with op.batch_alter_table("cross_border_exchange") as batch:
        batch.create_index(op.f("ix_cross_border_exchange_agreement"), ["agreement"], unique=False)
        batch.create_index(
            op.f("ix_cross_border_exchange_package_id"), ["package_id"], unique=False
        )
    op.create_table(
        "cross_border_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.String(length=100), nullable=False),
        sa.Column("partner_token", sa.String(length=64), nullable=False),
        sa.Column("partner_role", sa.String(length=20), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score >= 0 AND score <= 1", name=op.f("ck_cross_border_link_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["cross_border_exchange.id"],
            name=op.f("fk_cross_border_link_exchange_id_cross_border_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_cross_border_link_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_border_link")),
        sa.UniqueConstraint(
            "exchange_id",
            "partner_token",
            name=op.f("uq_cross_border_link_exchange_id_partner_token"),
        ),
    )
    with op.batch_alter_table("cross_border_link") as batch:
        batch.create_index(op.f("ix_cross_border_link_agreement"), ["agreement"], unique=False)
        batch.create_index(op.f("ix_cross_border_link_exchange_id"), ["exchange_id"], unique=False)
        batch.create_index(
            op.f("ix_cross_border_link_partner_token"), ["partner_token"], unique=False
        )
        batch.create_index(op.f("ix_cross_border_link_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_table("cross_border_link")
    op.drop_table("cross_border_exchange")
