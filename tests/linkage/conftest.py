"""Tiny inline person records in a migrated database with reference data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from tests.protected import protect_new_person_records
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.store import Agency, Database, ImportRun, PersonRecord, Source, SourceRecord
from tipdata.store.refdata import sync_reference_data

# (source, key, role, name, sex, birth year, province) — four people across agencies.
PEOPLE: list[tuple[str, str, str, str, str, int, str | None]] = [
    ("police", "P-1", "victim", "Sok Chanthy", "female", 1991, "01"),
    ("mosavy", "M-1", "victim", "Sok Chantey", "female", 1991, "01"),
    ("shelter", "S-1", "victim", "Chanthi Sok", "female", 1990, "01"),
    ("police", "P-2", "victim", "Nguyen Thi Lan", "female", 1988, "02"),
    ("mosavy", "M-2", "victim", "Nguyen Lan", "female", 1988, "02"),
    ("police", "P-3", "suspect", "Chea Vuthy", "male", 1970, "12"),
    ("police", "P-4", "victim", "Keo Sreymom", "female", 1995, "17"),
    ("shelter", "S-4", "victim", "Kaev Srey Mom", "female", 1995, "17"),
    ("police", "P-5", "victim", "Chhun Dara", "male", 1993, "03"),
    ("mosavy", "M-6", "victim", "Pich Sopheap", "female", 1994, "05"),
]
TRUE_PERSON = {"P-1": 1, "M-1": 1, "S-1": 1, "P-2": 2, "M-2": 2, "P-3": 3, "P-4": 4, "S-4": 4,
               "P-5": 5, "M-6": 6}  # fmt: skip

AddRecords = Callable[[list[tuple[str, str, str, str, str, int, str | None]]], list[int]]


@pytest.fixture
def linkage_db(db: Database) -> Database:
    """A migrated database with the code lists (agencies, provinces) loaded."""
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


@pytest.fixture
def add_records(linkage_db: Database) -> AddRecords:
    """Store person records (one source record each) and return their ids."""
    sources: dict[str, tuple[int, int]] = {}

    def add(rows: list[tuple[str, str, str, str, str, int, str | None]]) -> list[int]:
        ids: list[int] = []
        with linkage_db.session() as session:
            agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == "MOI"))
            assert agency_id is not None
            for source_code, key, role, name, sex, year, province in rows:
                if source_code not in sources:
                    source = Source(
                        code=source_code, agency_id=agency_id, name=source_code, file_format="csv"
                    )
                    session.add(source)
                    session.flush()
                    run = ImportRun(
                        owner_agency_id=agency_id,
                        source_id=source.id,
                        file_name=f"{source_code}.csv",
                        file_sha256="0" * 64,
                    )
                    session.add(run)
                    session.flush()
                    sources[source_code] = (source.id, run.id)
                source_id, run_id = sources[source_code]
                raw: dict[str, Any] = {"name": name}
                source_record = SourceRecord(
                    source_id=source_id,
                    source_key=key,
                    import_run_id=run_id,
                    first_import_run_id=run_id,
                    row_number=len(ids) + 1,
                    payload=raw,
                    payload_sha256=key.ljust(64, "0"),
                )
                session.add(source_record)
                session.flush()
                record = PersonRecord(
                    owner_agency_id=agency_id,
                    source_record_id=source_record.id,
                    role=role,
                    full_name=name,
                    sex=sex,
                    birth_year=year,
                    age_reference_date=date(2008, 6, 1),
                    province_code=province,
                )
                session.add(record)
                protect_new_person_records(session, linkage_db.master_key())
                ids.append(record.id)
        return ids

    return add
