"""Provenance: sources, import runs and the raw source records every fact comes from.

A :class:`SourceRecord` is one row of one agency export, identified by the
agency's own record id (``source_key``) within its :class:`Source`. Its payload
hash makes re-import idempotent: an unchanged row is not rewritten, a changed row
gets a new ``version`` and the previous one is kept in
:class:`SourceRecordVersion`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.model.enums import ImportStatus
from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type, utc_now


class Source(IdMixin, Base):
    """One agency data system and its export layout (one source mapping)."""

    __tablename__ = "source"

    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    file_format: Mapped[str] = mapped_column(sa.String(20))
    repeats_people: Mapped[bool] = mapped_column(server_default=sa.false())
    """The register may list one person in several rows (a returnee screened twice, one
    court row per victim and defendant); else two of its records are two people unless a
    reviewer says otherwise (see ``linkage.clusters``)."""

    # The column came with migration 0012: inserting a source must not name (or read
    # back) it, so rows can still be written at older revisions (migration tests do).
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 (SQLAlchemy reads it)


class ImportRun(IdMixin, OwnedMixin, Base):
    """One file imported from a source: who, when, the file hash and the row counts."""

    __tablename__ = "import_run"

    source_id: Mapped[int] = mapped_column(sa.ForeignKey("source.id"))
    file_name: Mapped[str] = mapped_column(sa.Text)
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[ImportStatus] = mapped_column(
        enum_type(ImportStatus, "status"), default=ImportStatus.RUNNING
    )
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    rows_read: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_stored: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_updated: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_unchanged: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_rejected: Mapped[int] = mapped_column(default=0, server_default="0")
    imported_by: Mapped[str | None] = mapped_column(sa.Text)
    message: Mapped[str | None] = mapped_column(sa.Text)

    source: Mapped[Source] = relationship()

    __table_args__ = (
        sa.Index(None, "source_id", "file_sha256"),
        sa.CheckConstraint(
            "rows_read >= 0 AND rows_stored >= 0 AND rows_updated >= 0"
            " AND rows_unchanged >= 0 AND rows_rejected >= 0",
            name="row_counts_not_negative",
        ),
    )


class ImportRunIssue(IdMixin, Base):
    """One problem an import run found at a row of its file, kept with the run.

    The errors of the rows it rejected (an import that stored the valid rows and set the
    others aside) and the warnings of the rows it stored. The cell's value is encrypted
    (it may be a name): bound to the run and the issue's place in it.
    """

    __tablename__ = "import_run_issue"

    import_run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_run.id"), index=True)
    position: Mapped[int]
    """The issue's place among the run's issues (from 1): the value's encryption binds it."""
    row_number: Mapped[int | None]
    column_name: Mapped[str | None] = mapped_column(sa.Text)
    value_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    message: Mapped[str] = mapped_column(sa.Text)
    severity: Mapped[str] = mapped_column(sa.String(10))

    __table_args__ = (
        sa.UniqueConstraint("import_run_id", "position"),
        sa.CheckConstraint("severity IN ('error', 'warning')", name="severity_known"),
    )


class SourceRecord(IdMixin, Base):
    """One raw row of a source, as last imported, with its payload and payload hash."""

    __tablename__ = "source_record"

    source_id: Mapped[int] = mapped_column(sa.ForeignKey("source.id"))
    source_key: Mapped[str] = mapped_column(sa.String(200))
    import_run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_run.id"), index=True)
    first_import_run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_run.id"), index=True)
    row_number: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    source: Mapped[Source] = relationship()
    versions: Mapped[list[SourceRecordVersion]] = relationship(
        back_populates="source_record", order_by="SourceRecordVersion.version"
    )

    __table_args__ = (
        sa.UniqueConstraint("source_id", "source_key"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("row_number >= 1", name="row_number_positive"),
    )


class SourceRecordVersion(IdMixin, Base):
    """A past (or the current) version of a source record's payload."""

    __tablename__ = "source_record_version"

    source_record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("source_record.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    import_run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_run.id"), index=True)
    row_number: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)

    source_record: Mapped[SourceRecord] = relationship(back_populates="versions")

    __table_args__ = (
        sa.UniqueConstraint("source_record_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )
