"""Separation of duties, set-password links and expiring API tokens.

``app_user.requested_by_id`` is the administrator who created the account or last gave it
a role with data access; ``approved_by_id`` the second administrator who enabled it.
``setup_token_hash`` and ``setup_expires_at`` hold a one-time set-password link (only its
SHA-256). ``api_token.expires_at``: tokens expire (older tokens count from their
creation with the default lifetime).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("requested_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("setup_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("setup_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_app_user_requested_by_id_app_user"), "app_user", ["requested_by_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_app_user_approved_by_id_app_user"), "app_user", ["approved_by_id"], ["id"]
        )
        batch.create_index(op.f("ix_app_user_setup_token_hash"), ["setup_token_hash"], unique=True)
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_index(op.f("ix_app_user_setup_token_hash"))
        batch.drop_constraint(op.f("fk_app_user_approved_by_id_app_user"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_app_user_requested_by_id_app_user"), type_="foreignkey")
        batch.drop_column("setup_expires_at")
        batch.drop_column("setup_token_hash")
        batch.drop_column("approved_by_id")
        batch.drop_column("requested_by_id")
