"""Service providers, the services they offer, referrals to them and victim screening."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.model.enums import Determination, IndicatorAnswer, ReferralStatus
from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type, flag_type


class ServiceProvider(IdMixin, Base):
    """A shelter, legal-aid provider or other service in the directory."""

    __tablename__ = "service_provider"

    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("province.code"), index=True)
    capacity: Mapped[int | None]

    services: Mapped[list[ProviderService]] = relationship(
        back_populates="provider", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),)


class ProviderService(IdMixin, Base):
    """One service a provider offers (``shelter``, ``legal_aid``, ``medical``, ...)."""

    __tablename__ = "provider_service"

    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_provider.id", ondelete="CASCADE")
    )
    service_code: Mapped[str] = mapped_column(sa.String(40), index=True)

    provider: Mapped[ServiceProvider] = relationship(back_populates="services")

    __table_args__ = (sa.UniqueConstraint("provider_id", "service_code"),)


class Referral(IdMixin, OwnedMixin, Base):
    """A referral of a person from an agency to a service provider or another agency."""

    __tablename__ = "referral"

    person_record_id: Mapped[int] = mapped_column(sa.ForeignKey("person_record.id"), index=True)
    from_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    to_provider_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_provider.id"), index=True
    )
    to_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    referral_date: Mapped[date | None]
    status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus, "status"), default=ReferralStatus.PROPOSED
    )
    consent_recorded: Mapped[bool] = mapped_column(flag_type("consent_recorded"), default=False)
    consent_date: Mapped[date | None]
    source_record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("source_record.id"), index=True
    )

    __table_args__ = (
        sa.CheckConstraint(
            "to_provider_id IS NOT NULL OR to_agency_id IS NOT NULL", name="has_destination"
        ),
    )


class Screening(IdMixin, OwnedMixin, Base):
    """Victim-identification indicators answered for a person at a date, and the outcome."""

    __tablename__ = "screening"

    person_record_id: Mapped[int] = mapped_column(sa.ForeignKey("person_record.id"), index=True)
    screening_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    screening_date: Mapped[date | None]
    suggested_determination: Mapped[Determination | None] = mapped_column(
        enum_type(Determination, "suggested_determination")
    )
    final_determination: Mapped[Determination | None] = mapped_column(
        enum_type(Determination, "final_determination")
    )
    determined_by: Mapped[str | None] = mapped_column(sa.Text)
    source_record_id: Mapped[int] = mapped_column(sa.ForeignKey("source_record.id"), index=True)

    answers: Mapped[list[ScreeningAnswer]] = relationship(
        back_populates="screening", cascade="all, delete-orphan"
    )


class ScreeningAnswer(IdMixin, Base):
    """The answer to one indicator in a screening."""

    __tablename__ = "screening_answer"

    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(sa.String(60))
    answer: Mapped[IndicatorAnswer] = mapped_column(enum_type(IndicatorAnswer, "answer"))

    screening: Mapped[Screening] = relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("screening_id", "indicator_code"),)
