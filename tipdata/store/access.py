"""Access: roles, users and the tamper-evident audit log.

Audit events form a hash chain: each row's ``hash`` covers its content and the
previous row's hash (``prev_hash``), so a deleted or edited row breaks the chain.
Computing the hashes is the job of ``tipdata.access``; storage only keeps them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.store.base import Base, IdMixin, flag_type, utc_now


class Role(IdMixin, Base):
    """A role users can hold; its permissions are declared in ``tipdata.access``."""

    __tablename__ = "role"

    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)


class AppUser(IdMixin, Base):
    """A person who signs in, with a role and the agency (and province) that scope it."""

    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("role.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("province.code"))
    password_hash: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(flag_type("active"), default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    password_changed_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(sa.Text)
    """The TOTP secret, encrypted with ``FieldCipher`` (never stored in clear)."""
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    """The 30-second time step of the last TOTP code accepted: older or equal steps are replays."""
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    """The administrator who created the account or last gave it a role with data access."""
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    """The second administrator who enabled it (never the requester)."""
    setup_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True, index=True)
    """SHA-256 of the one-time set-password link's token."""
    setup_expires_at: Mapped[datetime | None]
    password_must_change: Mapped[bool] = mapped_column(server_default=sa.false())
    """The password was chosen by someone else: the user chooses their own at next sign-in."""
    totp_confirmed_at: Mapped[datetime | None]
    """When a code proved the user's authenticator holds ``totp_secret`` (None: enrolling)."""

    role: Mapped[Role] = relationship(foreign_keys=[role_id])


class AuditEvent(IdMixin, Base):
    """One audited action: who did what to which objects, chained by hash."""

    __tablename__ = "audit_event"

    occurred_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str | None] = mapped_column(sa.String(60))
    object_ids: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[str | None] = mapped_column(sa.Text)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


class DataKey(IdMixin, Base):
    """A data key, wrapped (encrypted) by the master key that lives outside the database.

    ``purpose`` is ``field`` (AES-GCM encryption of protected fields) or
    ``blind_index`` (HMAC key of the blind index for exact-match search). A
    retired field key still decrypts old ciphertext until rotation re-encrypted it.
    """

    __tablename__ = "data_key"

    key_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    wrapped: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    retired_at: Mapped[datetime | None]

    __table_args__ = (sa.CheckConstraint("purpose IN ('field', 'blind_index')", name="purpose"),)


class UserSession(IdMixin, Base):
    """A server-side web session; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    revoked_at: Mapped[datetime | None]


class ApiToken(IdMixin, Base):
    """A named, revocable API token of a user; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class LoginThrottle(IdMixin, Base):
    """Failed sign-ins for one (username, source address) pair and when the next try is allowed.

    Keyed on the pair, so failures from one address never delay the real user
    signing in from another; rows exist for unknown usernames too, so throttling
    does not reveal which usernames exist.
    """

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(sa.String(100))
    remote_addr: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]

    __table_args__ = (sa.UniqueConstraint("username", "remote_addr"),)
