"""Accounts finished by their owner: a forced first password change, a confirmed second factor.

``app_user.password_must_change``: the password was chosen by someone else (the local
operator at the command line); the user must choose their own at the next sign-in.
``app_user.totp_confirmed_at``: when the user proved, with a code, that their authenticator
holds the secret; a secret without it is still being enrolled and does not sign anyone in.
Secrets stored before this revision were handed out by the operator and count as confirmed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column(
                "password_must_change", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(sa.Column("totp_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE app_user SET totp_confirmed_at = created_at WHERE totp_secret IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("totp_confirmed_at")
        batch.drop_column("password_must_change")
