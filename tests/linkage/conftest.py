"""Tiny inline person records in a migrated database with reference data.

:func:`linked_people` gives a copy of a database where :data:`PEOPLE` are already stored
and linked by one full run (made once per test run and backend): the first step of most
tests here, which then go on from there.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import BACKENDS, TEST_MASTER_KEY, PostgresServer
from tests.protected import protect_new_person_records
from tests.run_cache import built_once, drop_at_end
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.linkage.service import LinkRun, link
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


def record_adder(database: Database) -> AddRecords:
    """A function that stores person records (one source record each) and returns their ids.

    Each source code gets one source and one import run, found in the database when an
    earlier call (or the copied database of :func:`linked_people`) made them.
    """
    sources: dict[str, tuple[int, int]] = {}

    def source_and_run(session: Any, source_code: str, agency_id: int) -> tuple[int, int]:
        if source_code not in sources:
            source = session.scalar(sa.select(Source).where(Source.code == source_code))
            if source is None:
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
                run_id = run.id
            else:
                run_id = session.scalar(
                    sa.select(sa.func.min(ImportRun.id)).where(ImportRun.source_id == source.id)
                )
            sources[source_code] = (source.id, run_id)
        return sources[source_code]

    def add(rows: list[tuple[str, str, str, str, str, int, str | None]]) -> list[int]:
        ids: list[int] = []
        with database.session() as session:
            agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == "MOI"))
            assert agency_id is not None
            for source_code, key, role, name, sex, year, province in rows:
                source_id, run_id = source_and_run(session, source_code, agency_id)
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
                protect_new_person_records(session, database.master_key())
                ids.append(record.id)
        return ids

    return add


@pytest.fixture
def add_records(linkage_db: Database) -> AddRecords:
    """Store person records (one source record each) and return their ids."""
    return record_adder(linkage_db)


@dataclass
class LinkedPeople:
    """A database holding :data:`PEOPLE`, linked by one full run (see :func:`linked_people`)."""

    db: Database
    ids: list[int]
    """The person record ids of :data:`PEOPLE`, in order."""
    first: LinkRun
    """What that full run returned (``tipdata link`` in auto mode on a database with no model)."""
    add_records: AddRecords
    """Stores more records in ``db`` (as the ``add_records`` fixture)."""


def _store_and_link_people(database: Database) -> dict[str, Any]:
    sync_reference_data(database, load_codelists(), load_law_catalogue())
    ids = record_adder(database)(PEOPLE)
    first = link(database, actor=None)  # auto mode: the first run of a database, full
    return {"ids": ids, "first": asdict(first)}


@pytest.fixture(params=BACKENDS)
def linked_people(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LinkedPeople]:
    """:data:`PEOPLE` stored and linked by one full run, a fresh copy for each test.

    Most tests here start that way; the run is made once per test run and backend
    (:func:`tests.run_cache.built_once`, a SQLite file or a PostgreSQL template
    database) and each test gets its own copy, as if it had stored and linked them.
    """
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")

        def build_sqlite(folder: Path) -> dict[str, Any]:
            shutil.copyfile(template, folder / "tipdata.db")
            database = Database(f"sqlite:///{folder / 'tipdata.db'}", master_key=TEST_MASTER_KEY)
            try:
                return _store_and_link_people(database)
            finally:
                database.dispose()  # the last connection to close checkpoints the WAL

        folder, built = built_once(tmp_path_factory, "linkage-people-linked-sqlite", build_sqlite)
        shutil.copyfile(folder / "tipdata.db", tmp_path / "tipdata.db")
        database = Database(f"sqlite:///{tmp_path / 'tipdata.db'}", master_key=TEST_MASTER_KEY)
        try:
            yield _linked(database, built)
        finally:
            database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    migrated: str = request.getfixturevalue("postgres_template")

    def build_postgresql(_folder: Path) -> dict[str, Any]:
        name = server.create_database(template=migrated)
        drop_at_end(tmp_path_factory, server.user, name)
        database = Database(server.url(name), master_key=TEST_MASTER_KEY)
        try:
            return {"name": name, **_store_and_link_people(database)}
        finally:
            database.dispose()  # a template database must have no open connection

    _folder, built = built_once(
        tmp_path_factory, "linkage-people-linked-postgresql", build_postgresql
    )
    name = server.create_database(template=built["name"])
    drop_at_end(tmp_path_factory, server.user, name)  # dropped with the others at the end
    database = Database(server.url(name), master_key=TEST_MASTER_KEY)
    try:
        yield _linked(database, built)
    finally:
        database.dispose()


def _linked(database: Database, built: dict[str, Any]) -> LinkedPeople:
    return LinkedPeople(
        db=database,
        ids=[int(i) for i in built["ids"]],
        first=LinkRun(**built["first"]),
        add_records=record_adder(database),
    )


class CliSystem:
    """What ``tipdata.cli.link.system_for`` gives the CLI: here, a test's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
