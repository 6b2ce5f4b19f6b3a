"""Reference tables: agencies, provinces, countries, exploitation types and the law catalogue.

These are filled from the code lists in ``tipdata/codelists``; domain rows refer
to them by foreign key. Provinces, countries and exploitation types are keyed by
their code, so domain tables store the readable code itself.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.model.enums import AgencyKind, LawArticleKind
from tipdata.store.base import Base, IdMixin, enum_type, flag_type


class Province(Base):
    """A province or the capital, by its NCDD code ("01" .. "25")."""

    __tablename__ = "province"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(100))
    name_km: Mapped[str | None] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20), default="province")
    created: Mapped[date | None]
    abolished: Mapped[date | None]

    __table_args__ = (
        sa.CheckConstraint("kind IN ('province', 'capital')", name="kind"),
        sa.CheckConstraint(
            "abolished IS NULL OR created IS NULL OR created <= abolished",
            name="created_before_abolished",
        ),
    )


class Country(Base):
    """A country, by its ISO 3166-1 alpha-3 code."""

    __tablename__ = "country"

    iso3: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))


class Agency(IdMixin, Base):
    """A body that owns data or acts on a pathway: ministry, court, NGO, working group."""

    __tablename__ = "agency"

    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AgencyKind] = mapped_column(enum_type(AgencyKind, "kind"))
    parent_code: Mapped[str | None] = mapped_column(sa.ForeignKey("agency.code"))
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("province.code"))


class ExploitationType(Base):
    """A form of exploitation (sex, labour, begging, ...), possibly under a broader one."""

    __tablename__ = "exploitation_type"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_code: Mapped[str | None] = mapped_column(sa.ForeignKey("exploitation_type.code"))


class Law(IdMixin, Base):
    """A law of the catalogue, e.g. ``LSHTSE-2008``."""

    __tablename__ = "law"

    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)

    articles: Mapped[list[LawArticle]] = relationship(back_populates="law")


class LawArticle(IdMixin, Base):
    """One article of a law; ``verified`` once checked against the official text."""

    __tablename__ = "law_article"

    law_id: Mapped[int] = mapped_column(sa.ForeignKey("law.id"))
    article: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str | None] = mapped_column(sa.Text)
    # Both unknown (NULL) for articles whose text could not be read.
    kind: Mapped[LawArticleKind | None] = mapped_column(enum_type(LawArticleKind, "kind"))
    is_trafficking_offence: Mapped[bool | None] = mapped_column(flag_type("is_trafficking_offence"))
    verified: Mapped[bool] = mapped_column(flag_type("verified"), default=False)
    source: Mapped[str | None] = mapped_column(sa.Text)

    law: Mapped[Law] = relationship(back_populates="articles")
    penalty_ranges: Mapped[list[PenaltyRange]] = relationship(back_populates="law_article")

    __table_args__ = (sa.UniqueConstraint("law_id", "article"),)


class PenaltyRange(IdMixin, Base):
    """The penalty an article sets under one condition (e.g. "victim is a minor")."""

    __tablename__ = "penalty_range"

    law_article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("law_article.id", ondelete="CASCADE"), index=True
    )
    condition: Mapped[str] = mapped_column(sa.Text, default="")
    # A prison term is set in months or, for petty offences (e.g. soliciting), in days.
    min_months: Mapped[int | None]
    max_months: Mapped[int | None]
    min_days: Mapped[int | None]
    max_days: Mapped[int | None]
    # Fines are amounts of `fine_unit`: riel, or multiples of the base daily wage (Labour Law).
    min_fine: Mapped[int | None] = mapped_column(sa.BigInteger)
    max_fine: Mapped[int | None] = mapped_column(sa.BigInteger)
    fine_unit: Mapped[str | None] = mapped_column(sa.String(20))

    law_article: Mapped[LawArticle] = relationship(back_populates="penalty_ranges")

    __table_args__ = (
        sa.CheckConstraint("min_months >= 0", name="min_months_not_negative"),
        sa.CheckConstraint(
            "min_months IS NULL OR max_months IS NULL OR min_months <= max_months",
            name="months_ordered",
        ),
        sa.CheckConstraint("min_days >= 0", name="min_days_not_negative"),
        sa.CheckConstraint(
            "min_days IS NULL OR max_days IS NULL OR min_days <= max_days",
            name="days_ordered",
        ),
        sa.CheckConstraint("min_fine >= 0", name="min_fine_not_negative"),
        sa.CheckConstraint(
            "min_fine IS NULL OR max_fine IS NULL OR min_fine <= max_fine",
            name="fines_ordered",
        ),
        sa.CheckConstraint(
            "fine_unit IN ('riel', 'base_daily_wage', 'usd')", name="fine_unit_known"
        ),
    )
