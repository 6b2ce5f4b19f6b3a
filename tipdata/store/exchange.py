"""Cross-border exchanges under a bilateral agreement: the exchange log and the links found.

A :class:`CrossBorderExchange` row is written on both sides for every package: ``sent``
by the sender, ``accepted`` or ``refused`` by the receiver (a refused package leaves its
log row and nothing else). A :class:`CrossBorderLink` is the evidence a received package
gave: one partner record (named only by the partner's opaque token) matched one local
person with a Dice score. The partner's names never reach this database; the token lets
the partner find its own person again when both agree to a hand-over.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tipdata.store.base import Base, IdMixin, utc_now

EXCHANGE_STATUSES = ("sent", "accepted", "refused")
"""``sent`` on the sending side; ``accepted`` or ``refused`` on the receiving side."""


class CrossBorderExchange(IdMixin, Base):
    """One exchange package, as the exchange log of this side saw it."""

    __tablename__ = "cross_border_exchange"

    package_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    agreement: Mapped[str] = mapped_column(sa.String(100), index=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    sender: Mapped[str | None] = mapped_column(sa.String(3))
    recipient: Mapped[str | None] = mapped_column(sa.String(3))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    schema_version: Mapped[str | None] = mapped_column(sa.String(40))
    record_count: Mapped[int | None]
    matched_count: Mapped[int | None]
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    acted_by: Mapped[str] = mapped_column(sa.String(200))
    logged_at: Mapped[datetime] = mapped_column(default=utc_now)

    __table_args__ = (
        sa.CheckConstraint("status IN ('sent', 'accepted', 'refused')", name="status"),
    )


class CrossBorderLink(IdMixin, Base):
    """One partner record matched to one local person by privacy-preserving linkage."""

    __tablename__ = "cross_border_link"

    exchange_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cross_border_exchange.id", ondelete="CASCADE"), index=True
    )
    agreement: Mapped[str] = mapped_column(sa.String(100), index=True)
    partner_token: Mapped[str] = mapped_column(sa.String(64), index=True)
    partner_role: Mapped[str | None] = mapped_column(sa.String(20))
    partner_quarter: Mapped[str | None] = mapped_column(sa.String(6))
    """The latest quarter (``2008Q3``) of the partner's records of the person, when the
    agreement discloses event quarters; otherwise None."""
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    score: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    __table_args__ = (
        sa.UniqueConstraint("exchange_id", "partner_token"),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
    )
