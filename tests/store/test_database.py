"""The Database object: URLs, connection errors, sessions, SQLite settings."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from tipdata.errors import StorageError
from tipdata.model import AgencyKind, PersonStatus
from tipdata.settings import Settings
from tipdata.store import Agency, Database, Person, Province, ProvincialReport
from tipdata.system import System

from .rows import add_reference_rows


def test_postgresql_urls_use_psycopg() -> None:
    database = Database("postgresql://tipdata:s3cret@db.example:5432/tipdata")
    assert database.url.drivername == "postgresql+psycopg"
    assert database.dialect == "postgresql"
    assert database.display_url == "postgresql+psycopg://tipdata:***@db.example:5432/tipdata"
    assert "s3cret" not in repr(database)


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    database = Database("postgresql+psycopg://tipdata:s3cret@127.0.0.1:1/tipdata")
    with pytest.raises(StorageError) as raised:
        database.check()
    message = str(raised.value)
    assert message.startswith("using database postgresql+psycopg://tipdata:***@127.0.0.1:1/tipdata")
    assert "s3cret" not in message
    assert "\n" not in message
    assert raised.value.__cause__ is None
    with pytest.raises(StorageError):
        database.upgrade()


def test_unsupported_and_malformed_urls_are_refused() -> None:
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        Database("mysql://localhost/tipdata")
    with pytest.raises(StorageError, match="invalid database URL"):
        Database("not a url")


def test_a_sqlite_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"SQLite database folder .*nowhere does not exist"):
        Database(f"sqlite:///{tmp_path / 'nowhere' / 'tipdata.db'}")


def test_the_system_defaults_to_a_sqlite_file_under_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    with System.from_settings(settings).db as database:
        assert database.dialect == "sqlite"
        assert database.url.database == str((tmp_path / "home" / "tipdata.db").resolve())
        database.upgrade()
        assert database.current_revision() == database.head_revision()


def test_a_failed_migration_is_one_storage_error(sqlite_db: Database) -> None:
    with pytest.raises(StorageError, match=r"^upgrade to 9999 of sqlite:///.* failed: .*9999"):
        sqlite_db.upgrade("9999")


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(sqlite_db: Database) -> None:
    with sqlite_db.connect() as connection:
        settings = {
            pragma: connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
            for pragma in ("foreign_keys", "journal_mode", "busy_timeout")
        }
    assert settings == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 10_000}


def test_a_session_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    with db.session() as session:
        session.add(Province(code="01", name_en="Banteay Meanchey"))
    with pytest.raises(RuntimeError), db.session() as session:
        session.add(Province(code="02", name_en="Battambang"))
        session.flush()
        raise RuntimeError("stop")
    with db.session() as session:
        assert session.scalars(sa.select(Province.code)).all() == ["01"]


def test_a_person_gets_an_opaque_public_id(db: Database) -> None:
    with db.session() as session:
        moi = Agency(code="MOI", name="Ministry of Interior", kind=AgencyKind.GOVERNMENT)
        session.add(moi)
        session.flush()
        session.add_all([Person(owner_agency_id=moi.id), Person(owner_agency_id=moi.id)])
    with db.session() as session:
        people = session.execute(sa.select(Person.public_id, Person.status)).all()
    assert len(people) == 2
    assert people[0].public_id != people[1].public_id
    for public_id, status in people:
        assert re.fullmatch(r"P[A-Z2-7]{12}", public_id)
        assert status is PersonStatus.ACTIVE


def test_a_provincial_report_saved_by_someone_else_meanwhile_is_not_overwritten(
    db: Database,
) -> None:
    with db.session() as session:
        moi = add_reference_rows(session)
        session.add(
            ProvincialReport(
                province_code="02",
                data_set_code="victims",
                period_code="2008-BW01",
                period_start=date(2008, 1, 1),
                period_end=date(2008, 1, 14),
                owner_agency_id=moi.id,
            )
        )
    first, second = db.session_factory(), db.session_factory()
    try:
        mine = first.scalars(sa.select(ProvincialReport)).one()
        theirs = second.scalars(sa.select(ProvincialReport)).one()
        theirs.data_set_code = "victims-v2"
        second.commit()
        mine.data_set_code = "victims-v3"
        with pytest.raises(StaleDataError):
            first.commit()
    finally:
        first.close()
        second.close()
    with db.session() as session:
        report = session.scalars(sa.select(ProvincialReport)).one()
    assert (report.data_set_code, report.version) == ("victims-v2", 2)


def test_a_failed_statement_never_shows_its_bound_values(db: Database) -> None:
    """Review finding 11: a failed insert logged every bound parameter (a password hash)."""
    db.upgrade()
    secret = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0$c2VjcmV0"
    with db.session() as session:
        session.add(Agency(code="MOI", name="Ministry", kind=AgencyKind.GOVERNMENT))
    with pytest.raises(sa.exc.IntegrityError) as failed, db.session() as session:
        session.add(Agency(code="MOI", name=secret, kind=AgencyKind.GOVERNMENT))
    assert secret not in str(failed.value)
    assert "parameters hidden" in str(failed.value)
