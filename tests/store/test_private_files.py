"""Files holding data are readable by their owner only; the key is kept apart (review 17).

The review found the SQLite database, its WAL and the backups world-readable (0644, the
usual umask) and the default master key file in the database's folder. Each test sets
the usual umask (022) so that it performs the fault as a server would.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipdata.access.keys import MasterKey, load_master_key, write_key_file
from tipdata.errors import ConfigError
from tipdata.settings import load_settings
from tipdata.store import Database
from tipdata.store.backup import backup

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_shm_are_created_owner_only(tmp_path: Path) -> None:
    home = load_settings(home=tmp_path / "home").ensure_home()
    file = home / "tipdata.db"
    with Database(f"sqlite:///{file}") as db:
        db.upgrade()
        with db.connect() as connection:  # a write, so the WAL holds something
            connection.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
            connection.execute(sa.text("INSERT INTO scratch VALUES (1)"))
        wal, shm = Path(f"{file}-wal"), Path(f"{file}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(file), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    assert mode(home) == 0o700


def test_an_existing_readable_database_is_made_owner_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = tmp_path / "old.db"
    file.touch(mode=0o644)
    os.chmod(file, 0o644)
    with caplog.at_level(logging.WARNING), Database(f"sqlite:///{file}") as db:
        db.check()
    assert mode(file) == 0o600
    assert "made it owner-only" in caplog.text


def test_a_backup_is_owner_only_on_both_engines(db: Database, tmp_path: Path) -> None:
    db.upgrade()
    target = tmp_path / "backup.dump"
    backup(db, target)
    assert target.stat().st_size > 0
    assert mode(target) == 0o600
    target.chmod(0o644)  # a backup replaced in place is tightened too
    backup(db, target)
    assert mode(target) == 0o600


def test_production_refuses_the_key_file_in_the_database_folder(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, environment="production")
    write_key_file(tmp_path / "keys" / "master.key", MasterKey.generate())
    with pytest.raises(ConfigError, match="in the database's folder"):
        load_master_key(settings)
    allowed = load_settings(home=tmp_path, environment="production", allow_key_beside_database=True)
    assert load_master_key(allowed).key_id


def test_a_key_file_elsewhere_is_accepted_and_development_only_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    elsewhere = tmp_path / "secrets" / "master.key"
    key = MasterKey.generate()
    write_key_file(elsewhere, key)
    production = load_settings(
        home=tmp_path / "home", environment="production", master_key_file=elsewhere
    )
    assert load_master_key(production) == key
    with caplog.at_level(logging.WARNING):
        load_master_key(load_settings(home=tmp_path / "dev"))
    assert "in the database's folder" in caplog.text
