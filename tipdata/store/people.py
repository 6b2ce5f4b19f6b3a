"""People: canonical persons and person records (a person as one source saw them).

Statistics count :class:`Person` rows, built by linkage from
:class:`PersonRecord` rows; a person record keeps names and details exactly as
the source wrote them.
"""

from __future__ import annotations

import base64
import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.model.enums import PersonRole, PersonStatus, Sex
from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type, utc_now

PUBLIC_ID_PREFIX = "P"

PLAINTEXT_TYPE = "plaintext_type"
"""``Column.info`` key: the type of a protected column's value before encryption
(ingestion validates values against it; the column itself holds ciphertext text)."""


def _plain(type_: sa.types.TypeEngine[Any]) -> dict[str, Any]:
    return {PLAINTEXT_TYPE: type_, "protected": True}


def new_person_public_id() -> str:
    """A fresh opaque public id for a person: ``"P"`` and 12 random base32 characters.

    Returns:
        e.g. ``"PK3X7Q2MZB4WA"``; 60 random bits, so collisions are negligible (the
        column is unique all the same).
    """
    random_chars = base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:12]
    return PUBLIC_ID_PREFIX + random_chars


def new_person_public_ids(count: int) -> list[str]:
    """``count`` fresh public ids, like :func:`new_person_public_id` but made in bulk.

    Ten random bytes are exactly sixteen base32 characters, so encoding all the bytes
    at once gives each id the characters it would get alone (a linkage run creating
    100,000 persons spent a second on one call per id).
    """
    text = base64.b32encode(secrets.token_bytes(10 * count)).decode("ascii")
    return [PUBLIC_ID_PREFIX + text[start : start + 12] for start in range(0, 16 * count, 16)]


class Person(IdMixin, OwnedMixin, Base):
    """A canonical person: a cluster of person records made by linkage."""

    __tablename__ = "person"

    public_id: Mapped[str] = mapped_column(sa.String(20), unique=True, default=new_person_public_id)
    status: Mapped[PersonStatus] = mapped_column(
        enum_type(PersonStatus, "status"), default=PersonStatus.ACTIVE
    )
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    records: Mapped[list[PersonRecord]] = relationship(back_populates="person")

    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"
        ),
        sa.CheckConstraint("merged_into_id <> id", name="not_merged_into_self"),
    )


class PersonRecord(IdMixin, OwnedMixin, Base):
    """A person as one source record describes them, in one role.

    The identifying columns (names, date of birth, contact, village) hold
    ciphertext made by ``tipdata.access.crypto.FieldCipher`` with this row's id as
    associated data; see ``tipdata.access.keys.PROTECTED_COLUMNS``. Read them through
    ``tipdata.access.protected``, never in SQL.
    """

    __tablename__ = "person_record"

    source_record_id: Mapped[int] = mapped_column(sa.ForeignKey("source_record.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    role: Mapped[PersonRole] = mapped_column(enum_type(PersonRole, "role"))
    family_name: Mapped[str | None] = mapped_column(sa.Text, info=_plain(sa.String(200)))
    given_name: Mapped[str | None] = mapped_column(sa.Text, info=_plain(sa.String(200)))
    full_name: Mapped[str | None] = mapped_column(sa.Text, info=_plain(sa.String(400)))
    full_name_khmer: Mapped[str | None] = mapped_column(sa.Text, info=_plain(sa.String(400)))
    sex: Mapped[Sex] = mapped_column(enum_type(Sex, "sex"), default=Sex.UNKNOWN)
    birth_date: Mapped[str | None] = mapped_column(sa.Text, info=_plain(sa.Date()))
    """ISO date of birth, encrypted like the names; ``birth_year`` stays in clear."""
    birth_year: Mapped[int | None]
    age_years: Mapped[int | None]
    age_reference_date: Mapped[date | None]
    nationality: Mapped[str | None] = mapped_column(sa.ForeignKey("country.iso3"))
    ethnicity: Mapped[str | None] = mapped_column(sa.String(100))
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("province.code"), index=True)
    district: Mapped[str | None] = mapped_column(sa.String(200))
    commune: Mapped[str | None] = mapped_column(sa.String(200))
    village: Mapped[str | None] = mapped_column(sa.Text, info=_plain(sa.String(200)))
    contact: Mapped[str | None] = mapped_column(sa.Text, info=_plain(sa.Text()))
    family_name_bidx: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    given_name_bidx: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    full_name_bidx: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    """Blind indexes (keyed HMAC of the normalised name) for exact-match search on
    protected names; see ``tipdata.access.crypto.BlindIndex``."""

    person: Mapped[Person | None] = relationship(back_populates="records")

    __table_args__ = (
        sa.CheckConstraint("birth_year BETWEEN 1880 AND 2200", name="birth_year_plausible"),
        sa.CheckConstraint("age_years BETWEEN 0 AND 130", name="age_years_plausible"),
    )
