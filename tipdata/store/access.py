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

    role: Mapped[Role] = relationship()


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
