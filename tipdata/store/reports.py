"""Provincial periodic reports: one province's data-set submission for one period."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.model.enums import ReportStatus
from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type

TOTAL = "total"
"""The disaggregation of a value that is not broken down."""


class ProvincialReport(IdMixin, OwnedMixin, Base):
    """A province's report of one data set for one period (e.g. bi-week ``2008-BW01``).

    ``version`` is the optimistic lock: SQLAlchemy adds ``WHERE version = :old`` to
    every UPDATE and raises ``StaleDataError`` when someone else saved first.
    """

    __tablename__ = "provincial_report"

    province_code: Mapped[str] = mapped_column(sa.ForeignKey("province.code"))
    data_set_code: Mapped[str] = mapped_column(sa.String(60))
    period_code: Mapped[str] = mapped_column(sa.String(20))
    period_start: Mapped[date]
    period_end: Mapped[date]
    status: Mapped[ReportStatus] = mapped_column(
        enum_type(ReportStatus, "status"), default=ReportStatus.DRAFT
    )
    submitted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    values: Mapped[list[ProvincialReportValue]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy protocol

    __table_args__ = (
        sa.UniqueConstraint("province_code", "data_set_code", "period_code"),
        sa.CheckConstraint("period_start <= period_end", name="period_ordered"),
    )


class ProvincialReportValue(IdMixin, Base):
    """One value of a report: a data element, broken down by a disaggregation."""

    __tablename__ = "provincial_report_value"

    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provincial_report.id", ondelete="CASCADE")
    )
    data_element_code: Mapped[str] = mapped_column(sa.String(60))
    disaggregation: Mapped[str] = mapped_column(sa.String(60), default=TOTAL, server_default=TOTAL)
    value: Mapped[int | None]

    report: Mapped[ProvincialReport] = relationship(back_populates="values")

    __table_args__ = (
        # named by hand: the conventional name would pass PostgreSQL's 63-character limit
        sa.UniqueConstraint(
            "report_id",
            "data_element_code",
            "disaggregation",
            name="uq_provincial_report_value_report_element_disaggregation",
        ),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
    )
