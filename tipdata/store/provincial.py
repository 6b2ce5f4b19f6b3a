"""Provincial reporting workflow tables: status history and stored validation results.

The report and its values are :mod:`tipdata.store.reports`; these tables record
how a report moved through draft → submitted → accepted (and back, when reopened
with a reason) and what the validation rules said about its last saved version.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tipdata.model.enums import ReportStatus
from tipdata.store.base import Base, IdMixin, enum_type, utc_now


class ReportStatusChange(IdMixin, Base):
    """One status change of a provincial report: who, when, from what, to what, and why.

    ``from_status`` is None for the change that created the report.
    """

    __tablename__ = "provincial_report_status_change"

    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provincial_report.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ReportStatus | None] = mapped_column(enum_type(ReportStatus, "from_status"))
    to_status: Mapped[ReportStatus] = mapped_column(enum_type(ReportStatus, "to_status"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utc_now)
    report_version: Mapped[int]


class ReportValidationResult(IdMixin, Base):
    """One validation result of a report's last checked version (errors and warnings)."""

    __tablename__ = "provincial_validation_result"

    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provincial_report.id", ondelete="CASCADE"), index=True
    )
    report_version: Mapped[int]
    rule_code: Mapped[str] = mapped_column(sa.String(60))
    importance: Mapped[str] = mapped_column(sa.String(10))
    data_element_code: Mapped[str] = mapped_column(sa.String(60))
    disaggregation: Mapped[str] = mapped_column(sa.String(60))
    message: Mapped[str] = mapped_column(sa.Text)
    values_json: Mapped[str] = mapped_column(sa.Text)
    checked_at: Mapped[datetime] = mapped_column(default=utc_now)

    __table_args__ = (sa.CheckConstraint("importance IN ('error', 'warning')", name="importance"),)
