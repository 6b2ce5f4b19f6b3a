"""Access control: wrapped data keys, sessions, API tokens, login throttling, TOTP, blind indexes.

Adds the tables of ``tipdata.access`` (``data_key``, ``user_session``,
``api_token``, ``login_throttle``), the password/TOTP columns of ``app_user`` and
the nullable blind-index columns of ``person_record`` (exact-match search on
names once they are encrypted).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLIND_INDEX_COLUMNS = ("family_name_bidx", "given_name_bidx", "full_name_bidx")


def upgrade() -> None:
    op.create_table(
        "data_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('field', 'blind_index')", name=op.f("ck_data_key_purpose")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_key")),
        sa.UniqueConstraint("key_id", name=op.f("uq_data_key_key_id")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint(
            "username", "remote_addr", name=op.f("uq_login_throttle_username_remote_addr")
        ),
    )
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_user_session_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)

    op.add_column(
        "app_user", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("app_user", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("app_user", sa.Column("totp_secret", sa.Text(), nullable=True))
    op.add_column("app_user", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))

    for column in BLIND_INDEX_COLUMNS:
        op.add_column("person_record", sa.Column(column, sa.String(length=64), nullable=True))
        op.create_index(
            op.f(f"ix_person_record_{column}"), "person_record", [column], unique=False
        )


def downgrade() -> None:
    for column in reversed(BLIND_INDEX_COLUMNS):
        op.drop_index(op.f(f"ix_person_record_{column}"), table_name="person_record")
        op.drop_column("person_record", column)
    for column in ("totp_last_step", "totp_secret", "disabled_at", "password_changed_at"):
        op.drop_column("app_user", column)
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
    op.drop_table("login_throttle")
    op.drop_table("data_key")
