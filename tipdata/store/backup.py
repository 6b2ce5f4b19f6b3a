"""Backup, restore and table fingerprints, on SQLite and PostgreSQL.

SQLite uses the online backup API (a consistent copy while others keep working);
PostgreSQL uses ``pg_dump -Fc`` and ``pg_restore``. :func:`table_fingerprints`
summarises every table (row count and a checksum of its rows) in a way that does
not depend on the dialect, to prove a restore, or an aborted import, left the
data exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tipdata.errors import StorageError
from tipdata.store.database import Database, make_private, safe_message

log = logging.getLogger(__name__)

PG_BIN_DIR = Path("/usr/bin")


def backup(db: Database, path: str | Path) -> Path:
    """Write a consistent backup of the whole database to a file.

    Args:
        db: the database to back up.
        path: the backup file to write (replaced if it exists), readable by its owner
            only (mode 0600). SQLite writes a SQLite database file; PostgreSQL a
            ``pg_dump`` custom-format archive.

    Returns:
        The path of the backup file.

    Raises:
        StorageError: the backup failed; the message says why.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise StorageError(f"backup folder {target.parent} does not exist")
    log.info("backup of %s to %s", db.display_url, target)
    try:
        make_private(target)  # before a byte is written: a backup holds every record
    except OSError as exc:
        raise StorageError(f"backup file {target}: {exc.strerror}") from None
    if db.dialect == "sqlite":
        _sqlite_copy(db, target, to_file=True)
    else:
        _run_pg_tool(db, "pg_dump", ["-Fc", "--no-owner", "-f", str(target)])
    return target


def restore(db: Database, path: str | Path) -> None:
    """Replace the database's content with a backup made by :func:`backup`.

    Other connections of ``db`` are closed first; other processes should be stopped.

    Args:
        db: the database to overwrite.
        path: the backup file.

    Raises:
        StorageError: the file is missing or the restore failed.
    """
    source = Path(path)
    if not source.is_file():
        raise StorageError(f"backup file {source} does not exist")
    log.info("restore of %s from %s", db.display_url, source)
    db.dispose()
    if db.dialect == "sqlite":
        _sqlite_copy(db, source, to_file=False)
    else:
        _run_pg_tool(
            db,
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
        )
    db.dispose()


def _sqlite_copy(db: Database, file: Path, *, to_file: bool) -> None:
    """Copy the live database to ``file`` or ``file`` into the live database."""
    try:
        with db.engine.connect() as connection:
            live = connection.connection.driver_connection
            if not isinstance(live, sqlite3.Connection):  # pragma: no cover - other drivers
                raise StorageError(f"backup of {db.display_url} needs the sqlite3 driver")
            other = sqlite3.connect(file)
            try:
                if to_file:
                    live.backup(other)
                else:
                    other.backup(live)
            finally:
                other.close()
    except (sqlite3.Error, sa.exc.DBAPIError, OSError) as exc:
        doing = "backup" if to_file else "restore"
        raise StorageError(f"{doing} of {db.display_url} ({file}) failed: {exc}") from None


def _run_pg_tool(db: Database, tool: str, args: Sequence[str]) -> None:
    """Run pg_dump or pg_restore against the database; the password goes by environment."""
    executable = PG_BIN_DIR / tool
    if not executable.exists():
        found = shutil.which(tool)
        if found is None:
            raise StorageError(f"{tool} not found: install the PostgreSQL client tools")
        executable = Path(found)
    libpq_url = db.url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    env = dict(os.environ)
    if db.url.password:
        env["PGPASSWORD"] = str(db.url.password)
    command = [str(executable), f"--dbname={libpq_url}", *args]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {completed.returncode}"
        if db.url.password:
            detail = detail.replace(str(db.url.password), "***")
        raise StorageError(f"{tool} of {db.display_url} failed: {detail.strip()}")


def table_fingerprints(
    db: Database, tables: sa.MetaData | None = None
) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 checksum of every table, the same on SQLite and PostgreSQL.

    Rows are read in primary-key order (byte order for text keys), every value is
    normalised (dates and times to ISO 8601 in UTC, booleans to 0/1, numbers to
    text, JSON to sorted-key JSON) and the columns taken in name order, so equal
    data gives equal fingerprints whatever the dialect.

    Args:
        db: the database.
        tables: the database's tables as reflected from it or from a database of the
            same schema (default: reflected now; reflecting costs more than reading a
            small database, so a caller that reads many alike may reflect once).

    Returns:
        ``{table_name: (row_count, sha256_hex)}`` for every table, sorted by name.

    Raises:
        StorageError: the database cannot be read.
    """
    fingerprints: dict[str, tuple[int, str]] = {}
    try:
        with db.engine.connect() as connection:
            reflected = tables
            if reflected is None:
                reflected = sa.MetaData()
                reflected.reflect(connection)
            for name in sorted(reflected.tables):
                fingerprints[name] = _fingerprint(connection, reflected.tables[name])
    except sa.exc.DBAPIError as exc:
        raise StorageError(
            f"reading {db.display_url} failed: {safe_message(exc, db.url)}"
        ) from None
    return fingerprints


def _fingerprint(connection: sa.Connection, table: sa.Table) -> tuple[int, str]:
    """Count and checksum one table's rows."""
    columns = sorted(table.columns, key=lambda column: column.name)
    order_columns = list(table.primary_key.columns) or columns
    order_by = [_byte_order(connection, column) for column in order_columns]
    statement = sa.select(*columns).order_by(*order_by)
    digest = hashlib.sha256()
    count = 0
    for row in connection.execute(statement):
        values = [_normalise(value) for value in row]
        digest.update(json.dumps(values, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _byte_order(connection: sa.Connection, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """Order text by code point on every dialect (PostgreSQL's default follows the locale)."""
    if connection.dialect.name == "postgresql" and isinstance(column.type, sa.String):
        return sa.collate(column, "C")
    return column


def _normalise(value: object) -> object:
    """One value as dialect-neutral JSON-able data."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return str(value.normalize())
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)
