"""Published releases of disclosure-controlled figures: what was released, by whom, when.

A :class:`ReportRelease` is written each time a report passes the publication gate and
its files are written: the tables, the suppression threshold and rounding, the digest of
the published figures and a SHA-256 per published file, so the publisher and the
auditor can list releases and check that a file in circulation is the one released.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tipdata.store.base import Base, IdMixin, utc_now


class ReportRelease(IdMixin, Base):
    """One published release of a report (figures after disclosure control)."""

    __tablename__ = "report_release"

    report_kind: Mapped[str] = mapped_column(sa.String(40))
    period_start: Mapped[date]
    period_end: Mapped[date]
    tables: Mapped[list[str]] = mapped_column(sa.JSON)
    threshold: Mapped[int]
    rounding_base: Mapped[int | None]
    digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    files: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    released_by: Mapped[str] = mapped_column(sa.String(200))
    released_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    released_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    period_code: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    figures: Mapped[str | None] = mapped_column(sa.Text)
    relations: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    __table_args__ = (
        sa.CheckConstraint("period_start <= period_end", name="period_ordered"),
        sa.CheckConstraint("threshold >= 1", name="threshold_positive"),
    )


class ReportReleaseFile(IdMixin, Base):
    """One published file of a release (CSV, XLSX, HTML), as it was released."""

    __tablename__ = "report_release_file"

    release_id: Mapped[int] = mapped_column(sa.ForeignKey("report_release.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(120))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = (sa.UniqueConstraint("release_id", "name"),)
