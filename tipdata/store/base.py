"""Declarative base, naming convention and the column helpers every table uses.

One schema serves SQLite and PostgreSQL: enums are VARCHAR plus a CHECK
constraint (no native PostgreSQL enum types), booleans carry a CHECK on
SQLite, timestamps are stored in UTC, and every constraint and index gets a
stable name from :data:`NAMING_CONVENTION` so Alembic revisions can refer to
them by name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Names of indexes and constraints; Alembic revisions rely on them staying stable."""

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the default of every timestamp column)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base class of every table of tipdata."""

    metadata = metadata
    type_annotation_map = {  # noqa: RUF012 - read once by SQLAlchemy, never mutated
        datetime: sa.DateTime(timezone=True),
    }


def enum_type(enum_class: type[StrEnum], name: str) -> sa.Enum:
    """A portable enum column type: VARCHAR plus a CHECK constraint on every dialect.

    Args:
        enum_class: the enum; its member *values* are stored.
        name: the constraint name, usually the column name; the naming convention
            turns it into ``ck_<table>_<name>``.

    Returns:
        The SQLAlchemy type to pass to ``mapped_column``.
    """
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


def flag_type(name: str) -> sa.Boolean:
    """A boolean column type; on SQLite a CHECK constraint keeps it to 0 and 1.

    Args:
        name: the constraint name, usually the column name.

    Returns:
        The SQLAlchemy type to pass to ``mapped_column``.
    """
    return sa.Boolean(create_constraint=True, name=name)


MAX_INTEGER = 2**31 - 1
"""The largest value an ``INTEGER`` column holds on both engines (ids, counts, versions).

Inputs that reach such a column, or are compared with one, are checked against it so that
a too-large number is a clear refusal, not a driver overflow (SQLite binds at most 64 bits,
PostgreSQL's ``integer`` is 32 bits).
"""


class IdMixin:
    """An integer surrogate primary key ``id``."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-10)


class OwnedMixin:
    """``owner_agency_id``: every domain row carries the agency that owns it."""

    owner_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
