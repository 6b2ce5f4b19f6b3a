"""Backup and restore drill, and fingerprints that do not depend on the engine."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipdata.errors import StorageError
from tipdata.model import CaseKind
from tipdata.store import Agency, Case, Charge, Database, Event, backup, restore, table_fingerprints
from tipdata.store.backup import _normalise

from .rows import seed

EMPTY = (0, hashlib.sha256(b"").hexdigest())


def test_backup_mutate_restore_gives_back_every_row(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        seed(session)
    before = table_fingerprints(db)
    assert {name: count for name, (count, _) in before.items() if count} == {
        "agency": 1,
        "alembic_version": 1,
        "case": 1,
        "case_exploitation": 1,
        "case_person": 2,
        "charge": 1,
        "country": 1,
        "event": 1,
        "exploitation_type": 1,
        "import_run": 1,
        "law": 1,
        "law_article": 1,
        "penalty_range": 1,
        "person": 1,
        "person_record": 2,
        "province": 2,
        "source": 1,
        "source_record": 1,
    }

    archive = backup(db, tmp_path / "tipdata.backup")
    assert archive.stat().st_size > 0

    with db.session() as session:
        session.execute(sa.delete(Event))
        session.execute(sa.update(Charge).values(sentence_months=60))
        moi_id = session.scalars(sa.select(Agency.id)).one()
        session.add(Case(owner_agency_id=moi_id, case_number="PP-2008-002", kind=CaseKind.COURT))
    mutated = table_fingerprints(db)
    changed = {name for name in before if mutated[name] != before[name]}
    assert changed == {"case", "charge", "event"}
    assert mutated["event"] == EMPTY

    restore(db, archive)

    assert table_fingerprints(db) == before
    with db.session() as session:  # the restored database is usable, ids carry on
        session.add(Case(owner_agency_id=moi_id, case_number="PP-2008-003", kind=CaseKind.COURT))
    with db.session() as session:
        assert session.scalars(sa.select(Case.id).order_by(Case.id)).all() == [1, 2]


def test_fingerprints_change_with_any_value_and_not_with_reading(db: Database) -> None:
    with db.session() as session:
        seed(session)
    first = table_fingerprints(db)
    assert table_fingerprints(db) == first
    with db.session() as session:
        session.execute(sa.update(Charge).values(compensation_paid=True))
    second = table_fingerprints(db)
    assert second["charge"][0] == first["charge"][0] == 1
    assert second["charge"][1] != first["charge"][1]
    assert {name for name in first if first[name] != second[name]} == {"charge"}


def test_fingerprints_read_with_tables_reflected_earlier_are_the_same(db: Database) -> None:
    reflected = sa.MetaData()  # reflected once, before any row (tests reuse a reflection)
    reflected.reflect(db.engine)
    with db.session() as session:
        seed(session)

    assert table_fingerprints(db, tables=reflected) == table_fingerprints(db)
    assert table_fingerprints(db)["charge"][0] == 1


@pytest.mark.postgres
def test_fingerprints_are_the_same_on_sqlite_and_postgresql(
    sqlite_db: Database, postgresql_db: Database
) -> None:
    for database in (sqlite_db, postgresql_db):
        with database.session() as session:
            seed(session)
    assert table_fingerprints(sqlite_db) == table_fingerprints(postgresql_db)


def test_restore_from_a_missing_file_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"backup file .*missing\.backup does not exist"):
        restore(db, tmp_path / "missing.backup")


def test_backup_into_a_missing_folder_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"backup folder .* does not exist"):
        backup(db, tmp_path / "nowhere" / "tipdata.backup")


def test_restore_from_a_file_that_is_not_a_backup_fails_cleanly(
    db: Database, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all, just some bytes" * 100)
    with pytest.raises(StorageError) as raised:
        restore(db, junk)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, 1),
        (False, 0),
        (7, "7"),
        (Decimal("7.00"), "7"),
        (Decimal("7.50"), "7.5"),
        (7.0, "7"),
        (date(2008, 3, 1), "2008-03-01"),
        (datetime(2008, 3, 1, 9, 30), "2008-03-01T09:30:00"),
        (datetime(2008, 3, 1, 9, 30, tzinfo=UTC), "2008-03-01T09:30:00"),
        (datetime(2008, 3, 1, 16, 30, tzinfo=timezone(timedelta(hours=7))), "2008-03-01T09:30:00"),
        ({"b": 1, "a": "ក"}, '{"a":"ក","b":1}'),
        (["x", 1], '["x",1]'),
        (b"\x00\xff", "00ff"),
        ("សុខ", "សុខ"),
    ],
)
def test_values_are_normalised_the_same_way_whatever_the_engine_returns(
    value: object, expected: object
) -> None:
    assert _normalise(value) == expected
