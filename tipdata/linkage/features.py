"""The linkage table: person records turned into the values the Splink model compares.

:func:`load_person_records` is the one place that reads person records for linkage
(in memory only, never written to disk); :func:`linkage_table` derives, per record,
the cleaned name, romanisation keys in written order and order-insensitive, the
first and last word keys (for blocking robust to a typo in one word), the birth-year
range, sex, nationality, province and role.

Name keys are computed once per distinct name string: agencies write the same
common names many times, so 1.5 million records need only a few hundred thousand
calls to the romanisation rules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from tipdata.linkage.ages import birth_year_range_from_fields
from tipdata.linkage.names import clean
from tipdata.linkage.romanise import romanisation_key
from tipdata.store.database import Database
from tipdata.store.people import PersonRecord
from tipdata.store.provenance import Source, SourceRecord

log = logging.getLogger(__name__)

RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "source_record_id",
    "source_key",
    "source",
    "role",
    "person_id",
    "family_name",
    "given_name",
    "full_name",
    "full_name_khmer",
    "sex",
    "birth_date",
    "birth_year",
    "age_years",
    "age_reference_date",
    "nationality",
    "province_code",
)
"""Columns of the table :func:`load_person_records` returns."""

LINKAGE_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "record_key",
    "source",
    "role",
    "name_clean",
    "name_key",
    "name_sorted_key",
    "name_compact_key",
    "name_first_key",
    "name_last_key",
    "name_initials",
    "birth_year_low",
    "birth_year_high",
    "birth_year",
    "birth_decade",
    "sex",
    "nationality",
    "province_code",
)
"""Columns of the linkage table (the input of the Splink model)."""

SUSPECT_ROLES = frozenset({"suspect", "convicted"})


def record_key(source_record_id: int, role: str) -> str:
    """The stable key of a person record: its source record and its role.

    Person-record ids change when ingestion replaces a changed source row; the source
    record and the role do not, so review decisions and manual links refer to this key.

    Args:
        source_record_id: id of the source record the person record comes from.
        role: the person's role in it (``victim``, ``suspect``, ...).

    Returns:
        e.g. ``"1042:victim"``.
    """
    return f"{source_record_id}:{role}"


def load_person_records(db: Database, *, record_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Read person records for linkage, with their source code and source key.

    This is the single read path of linkage: when names become protected at rest, this
    is where they are decrypted, in memory.

    Args:
        db: the database.
        record_ids: only these person records (default: all).

    Returns:
        One row per person record, with the columns of :data:`RECORD_COLUMNS`
        (``record_id`` is the person-record id), ordered by ``record_id``.
    """
    pr = PersonRecord.__table__
    sr = SourceRecord.__table__
    src = Source.__table__
    query = (
        sa.select(
            pr.c.id.label("record_id"),
            pr.c.source_record_id,
            sr.c.source_key,
            src.c.code.label("source"),
            pr.c.role,
            pr.c.person_id,
            pr.c.family_name,
            pr.c.given_name,
            pr.c.full_name,
            pr.c.full_name_khmer,
            pr.c.sex,
            pr.c.birth_date,
            pr.c.birth_year,
            pr.c.age_years,
            pr.c.age_reference_date,
            pr.c.nationality,
            pr.c.province_code,
        )
        .join(sr, sr.c.id == pr.c.source_record_id)
        .join(src, src.c.id == sr.c.source_id)
        .order_by(pr.c.id)
    )
    if record_ids is not None:
        query = query.where(pr.c.id.in_(list(record_ids)))
    with db.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame.from_records(rows, columns=list(RECORD_COLUMNS))
    if not frame.empty:
        frame["person_id"] = frame["person_id"].astype("Int64")
    log.info("loaded %d person records for linkage", len(frame))
    return frame


def _written_name(family: Any, given: Any, full: Any, khmer: Any) -> str:
    """The name to compare: family and given parts, else the full name, else the Khmer one."""
    parts = [part for part in (family, given) if isinstance(part, str) and part.strip()]
    if parts:
        return " ".join(parts)
    if isinstance(full, str) and full.strip():
        return full
    if isinstance(khmer, str) and khmer.strip():
        return khmer
    return ""


NameKeyValues = tuple[str, str, str, str, str, str, str]


class _NameKeys:
    """Name keys of one written name, computed once per distinct string."""

    def __init__(self) -> None:
        self._cache: dict[str, NameKeyValues] = {}

    def __call__(self, name: str) -> NameKeyValues:
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = self._compute(name)
        return found

    @staticmethod
    def _compute(name: str) -> NameKeyValues:
        cleaned = clean(name)
        key = romanisation_key(name)
        words = sorted(key.split())
        sorted_key = " ".join(words)
        compact = "".join(words)
        first = words[0] if words else ""
        last = words[-1] if words else ""
        initials = "".join(word[0] for word in words)
        return cleaned, key, sorted_key, compact, first, last, initials


def _year_range(row: tuple[Any, ...]) -> tuple[int | None, int | None]:
    birth_date, birth_year, age, reference = row
    birth_date = None if pd.isna(birth_date) else birth_date
    reference = None if pd.isna(reference) else reference
    if isinstance(birth_date, pd.Timestamp):
        birth_date = birth_date.date()
    if isinstance(reference, pd.Timestamp):
        reference = reference.date()
    found = birth_year_range_from_fields(
        birth_date=birth_date if isinstance(birth_date, date) else None,
        birth_year=None if pd.isna(birth_year) else int(birth_year),
        age=None if pd.isna(age) else int(age),
        reference_date=reference if isinstance(reference, date) else None,
    )
    return found if found is not None else (None, None)


def linkage_table(records: pd.DataFrame) -> pd.DataFrame:
    """Derive the linkage table from person records.

    Args:
        records: person records as :func:`load_person_records` returns them (only
            ``record_id``, ``source_record_id``, ``source``, ``role``, the name, birth,
            sex, nationality and province columns are read; missing optional columns
            are treated as empty).

    Returns:
        One row per record with the columns of :data:`LINKAGE_COLUMNS`; empty strings
        and unknown sex become nulls (Splink treats a null as "no evidence").
    """
    frame = records.copy()
    for column in RECORD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    keys = _NameKeys()
    written = [
        _written_name(f, g, n, k)
        for f, g, n, k in zip(
            frame["family_name"],
            frame["given_name"],
            frame["full_name"],
            frame["full_name_khmer"],
            strict=True,
        )
    ]
    name_values = [keys(name) for name in written]
    years = [
        _year_range(row)
        for row in zip(
            frame["birth_date"],
            frame["birth_year"],
            frame["age_years"],
            frame["age_reference_date"],
            strict=True,
        )
    ]
    out = pd.DataFrame(
        {
            "unique_id": frame["record_id"].astype("int64"),
            "record_key": [
                record_key(int(s), str(r))
                for s, r in zip(frame["source_record_id"], frame["role"], strict=True)
            ],
            "source": frame["source"].astype("string"),
            "role": frame["role"].astype("string"),
        }
    )
    for index, column in enumerate(
        (
            "name_clean",
            "name_key",
            "name_sorted_key",
            "name_compact_key",
            "name_first_key",
            "name_last_key",
            "name_initials",
        )
    ):
        out[column] = pd.array([v[index] or None for v in name_values], dtype="string")
    low = pd.array([y[0] for y in years], dtype="Int64")
    high = pd.array([y[1] for y in years], dtype="Int64")
    out["birth_year_low"] = low
    out["birth_year_high"] = high
    # The upper end: an age gives (year - age - 1, year - age); a date or year gives one year.
    out["birth_year"] = high
    out["birth_decade"] = out["birth_year"] // 10
    sex = frame["sex"].astype("string").str.lower()
    out["sex"] = sex.where(sex.isin(["female", "male"]), None).astype("string")
    out["nationality"] = _blank_to_null(frame["nationality"])
    out["province_code"] = _blank_to_null(frame["province_code"])
    return out[list(LINKAGE_COLUMNS)]


def _blank_to_null(column: pd.Series) -> pd.Series:
    values = column.astype("string").str.strip()
    return values.where(values != "", None).astype("string")
