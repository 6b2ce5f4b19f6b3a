"""Case work of an agency with one person: the case's status and worker, follow-ups, notes,
and the corrections made to person records.

As in Primero, each agency keeps its own case with a person (a shelter's NGO and the
provincial social-affairs department may both work with one victim): :class:`CaseWork`
is unique per person and agency. Case notes and the values of a correction are
encrypted at rest (``tipdata.access.keys.PROTECTED_COLUMNS``): they may hold anything a
worker writes about a victim.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tipdata.model.enums import CaseWorkStatus
from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type, utc_now


class CaseWork(IdMixin, OwnedMixin, Base):
    """One agency's case with one person: status and the worker assigned."""

    __tablename__ = "case_work"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    status: Mapped[CaseWorkStatus] = mapped_column(
        enum_type(CaseWorkStatus, "status"), default=CaseWorkStatus.OPEN
    )
    assigned_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    __table_args__ = (sa.UniqueConstraint("person_id", "owner_agency_id"),)


class FollowUp(IdMixin, OwnedMixin, Base):
    """A follow-up of a person due at a date (a home visit, a call...), done or not yet."""

    __tablename__ = "follow_up"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    due_on: Mapped[date] = mapped_column(index=True)
    done_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class CaseNote(IdMixin, OwnedMixin, Base):
    """A worker's note about a person; ``body`` is ciphertext (decrypt in memory only)."""

    __tablename__ = "case_note"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    written_at: Mapped[datetime] = mapped_column(default=utc_now)
    body: Mapped[str] = mapped_column(sa.Text)


class RecordCorrection(IdMixin, OwnedMixin, Base):
    """One corrected field of a person record: the old and new values (ciphertext), why, who."""

    __tablename__ = "record_correction"

    person_record_id: Mapped[int] = mapped_column(sa.ForeignKey("person_record.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(40))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text)
    corrected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    corrected_at: Mapped[datetime] = mapped_column(default=utc_now)
