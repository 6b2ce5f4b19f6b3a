"""Findings of the checks: legal checks on charges and pathway checks on people.

A :class:`CheckRun` is one run of ``tipdata check``; each :class:`Finding` names the
rule, its severity, the subject (a charge, a person, a person record), the court or
agency and year it is listed under, the facts the rule used and the records it read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.store.base import Base, IdMixin, utc_now

SEVERITIES: tuple[str, ...] = ("info", "warning", "error", "critical")
"""Severity levels, least to most serious."""


class CheckRun(IdMixin, Base):
    """One run of the checks: when, which checks, and how many findings."""

    __tablename__ = "check_run"

    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    checks: Mapped[str] = mapped_column(sa.String(100))
    started_by: Mapped[str | None] = mapped_column(sa.Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    findings_count: Mapped[int] = mapped_column(default=0, server_default="0")

    findings: Mapped[list[Finding]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class Finding(IdMixin, Base):
    """One finding of one rule about one subject, with the facts it used."""

    __tablename__ = "finding"

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("check_run.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(sa.String(60), index=True)
    severity: Mapped[str] = mapped_column(sa.String(10))
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int]
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    court: Mapped[str | None] = mapped_column(sa.String(200))
    year: Mapped[int | None]
    law_article_id: Mapped[int | None] = mapped_column(sa.ForeignKey("law_article.id"))
    article: Mapped[str | None] = mapped_column(sa.String(60))
    message: Mapped[str] = mapped_column(sa.Text)
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    record_ids: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    run: Mapped[CheckRun] = relationship(back_populates="findings")

    __table_args__ = (
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'error', 'critical')", name="severity_known"
        ),
        sa.Index(None, "agency_id", "year"),
        sa.Index(None, "subject_type", "subject_id"),
    )
