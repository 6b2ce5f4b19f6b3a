"""Cases, the people in them, charges with their sentences, and pathway events."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.model.enums import CaseKind, ChargeOutcome, EventType, PersonRole
from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type, flag_type


class Case(IdMixin, OwnedMixin, Base):
    """An investigation or court case, by the owning agency's case number."""

    __tablename__ = "case"

    source_record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("source_record.id"), index=True
    )
    case_number: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[CaseKind] = mapped_column(enum_type(CaseKind, "kind"))
    court: Mapped[str | None] = mapped_column(sa.String(200))
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("province.code"), index=True)
    destination_country: Mapped[str | None] = mapped_column(sa.ForeignKey("country.iso3"))
    opened_date: Mapped[date | None]
    closed_date: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(sa.Text)

    exploitations: Mapped[list[CaseExploitation]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    people: Mapped[list[CasePerson]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    charges: Mapped[list[Charge]] = relationship(back_populates="case")

    __table_args__ = (
        sa.UniqueConstraint("owner_agency_id", "case_number"),
        sa.CheckConstraint(
            "closed_date IS NULL OR opened_date IS NULL OR opened_date <= closed_date",
            name="opened_before_closed",
        ),
    )


class CaseExploitation(IdMixin, Base):
    """One form of exploitation found in a case, as one source record states it.

    Several rows of an export may state the same form for the same case (one row per
    person of a police case): each gets its own row here, so a corrected source record
    replaces exactly what it stated. Count distinct forms per case, never rows.
    """

    __tablename__ = "case_exploitation"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"))
    exploitation_type: Mapped[str] = mapped_column(
        sa.ForeignKey("exploitation_type.code"), index=True
    )
    source_record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("source_record.id"), index=True
    )
    """The row that stated it (None for forms stored before revision 0007 with no case row)."""

    case: Mapped[Case] = relationship(back_populates="exploitations")

    __table_args__ = (sa.UniqueConstraint("case_id", "exploitation_type", "source_record_id"),)


class CasePerson(IdMixin, Base):
    """A person record taking part in a case, in a role."""

    __tablename__ = "case_person"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"))
    person_record_id: Mapped[int] = mapped_column(sa.ForeignKey("person_record.id"), index=True)
    role: Mapped[PersonRole] = mapped_column(enum_type(PersonRole, "role"))

    case: Mapped[Case] = relationship(back_populates="people")

    __table_args__ = (sa.UniqueConstraint("case_id", "person_record_id", "role"),)


class Charge(IdMixin, OwnedMixin, Base):
    """A charge against a suspect in a case under a law article, with outcome and sentence.

    ``article_text`` keeps the article as the court wrote it; ``law_article_id`` is
    filled when it resolves to the catalogue. Money is in riel.
    """

    __tablename__ = "charge"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    suspect_record_id: Mapped[int] = mapped_column(sa.ForeignKey("person_record.id"), index=True)
    law_article_id: Mapped[int | None] = mapped_column(sa.ForeignKey("law_article.id"), index=True)
    article_text: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[ChargeOutcome] = mapped_column(
        enum_type(ChargeOutcome, "outcome"), default=ChargeOutcome.CHARGED
    )
    verdict_date: Mapped[date | None]
    sentence_months: Mapped[int | None]
    suspended_months: Mapped[int | None]
    fine_riel: Mapped[int | None] = mapped_column(sa.BigInteger)
    compensation_riel: Mapped[int | None] = mapped_column(sa.BigInteger)
    compensation_paid: Mapped[bool | None] = mapped_column(flag_type("compensation_paid"))
    source_record_id: Mapped[int] = mapped_column(sa.ForeignKey("source_record.id"), index=True)

    case: Mapped[Case] = relationship(back_populates="charges")

    __table_args__ = (
        sa.CheckConstraint("sentence_months >= 0", name="sentence_months_not_negative"),
        sa.CheckConstraint("suspended_months >= 0", name="suspended_months_not_negative"),
        sa.CheckConstraint(
            "suspended_months IS NULL OR sentence_months IS NULL"
            " OR suspended_months <= sentence_months",
            name="suspended_within_sentence",
        ),
        sa.CheckConstraint("fine_riel >= 0", name="fine_riel_not_negative"),
        sa.CheckConstraint("compensation_riel >= 0", name="compensation_riel_not_negative"),
    )


class Event(IdMixin, OwnedMixin, Base):
    """A dated step of a person's victim or prosecution pathway, as a source reports it."""

    __tablename__ = "event"

    person_record_id: Mapped[int] = mapped_column(sa.ForeignKey("person_record.id"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case.id"), index=True)
    event_type: Mapped[EventType] = mapped_column(enum_type(EventType, "event_type"))
    event_date: Mapped[date | None]
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("province.code"))
    place: Mapped[str | None] = mapped_column(sa.Text)
    source_record_id: Mapped[int] = mapped_column(sa.ForeignKey("source_record.id"), index=True)
    company: Mapped[str | None] = mapped_column(sa.String(200))
    """Labour migration: the recruitment company (licence number or name) of a departure,
    or the one a return, deportation or hotline report names."""
    destination_country: Mapped[str | None] = mapped_column(sa.ForeignKey("country.iso3"))
    """Labour migration: the country of destination (departures) or the country the worker
    came back or was deported from."""
    contract: Mapped[str | None] = mapped_column(sa.String(200))
    """Labour migration: the contract (reference, sector or employer) as the source wrote it."""

    __table_args__ = (
        sa.Index(None, "person_record_id", "event_date"),
        sa.Index(None, "event_type", "event_date"),
    )
