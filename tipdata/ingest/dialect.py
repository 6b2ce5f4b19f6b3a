"""The bulk-write differences between SQLite and PostgreSQL, in one place.

The importer assigns primary keys itself, so a chunk of rows and the rows that refer
to them can be written in bulk with no ``RETURNING`` round trips:

* PostgreSQL: ids come from the table's sequence (``nextval`` for a whole chunk in
  one query, so concurrent imports never collide); rows are written with ``COPY``.
* SQLite: the import transaction holds the database's single write lock from its
  first write on, so ``max(id) + 1`` onwards is free until it ends; rows are written
  with the driver's ``executemany``.

Both write through the DBAPI connection under the SQLAlchemy connection, inside
the same transaction, and convert values the way SQLAlchemy's column types would
(dates as ISO text and JSON as text on SQLite).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa

CHUNK_ROWS = 5000
"""Rows validated and written per chunk (memory stays flat whatever the file size)."""

IN_CLAUSE_LIMIT = 900
"""Most values put in one ``IN (...)`` list."""


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value  # already JSON text
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _flag(value: Any) -> Any:
    return None if value is None else int(bool(value))


class TableWriter:
    """Encodes dicts of column values as tuples and writes them in bulk to one table.

    Args:
        connection: the import's connection (inside its transaction).
        table: the table written.
    """

    def __init__(self, connection: sa.Connection, table: sa.Table) -> None:
        """Work out the column order, defaults and per-column conversions once."""
        self.connection = connection
        self.table = table
        self.dialect = connection.dialect.name
        self.columns = [column.name for column in table.columns]
        self.defaults: list[Any] = []
        for column in table.columns:
            default = column.default
            value: Any = None
            if default is not None and getattr(default, "is_scalar", False):
                value = default.arg  # type: ignore[attr-defined]
                value = getattr(value, "value", value)  # enum members are stored by value
            self.defaults.append(value)
        self.conversions: list[tuple[int, Callable[[Any], Any]]] = []
        for position, column in enumerate(table.columns):
            if isinstance(column.type, sa.JSON):
                self.conversions.append((position, _json_text))
            elif self.dialect == "sqlite" and isinstance(column.type, sa.Date):
                self.conversions.append((position, _iso))
            elif self.dialect == "sqlite" and isinstance(column.type, sa.Boolean):
                self.conversions.append((position, _flag))
        preparer = connection.dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in self.columns)
        target = preparer.format_table(table)
        if self.dialect == "postgresql":
            self.statement = f"COPY {target} ({names}) FROM STDIN"
        else:
            marks = ", ".join("?" for _ in self.columns)
            self.statement = f"INSERT INTO {target} ({names}) VALUES ({marks})"
        self.pending: list[Sequence[Any]] = []
        self.written = 0
        self._analysed_at = 0
        self._target = target
        self._default_map = dict(zip(self.columns, self.defaults, strict=True))
        self._getter = operator.itemgetter(*self.columns)

    def add(self, values: dict[str, Any]) -> None:
        """Queue one row; missing keys take the column's default (leave None values out)."""
        row = self._getter({**self._default_map, **values})
        if self.conversions:
            row = list(row)
            for position, convert in self.conversions:
                row[position] = convert(row[position])
        self.pending.append(row)

    def add_tuples(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Queue many rows given as tuples of ``columns`` (others take their defaults).

        The fast path for child rows (hundreds of thousands of screening answers): no
        dict is built per row.
        """
        positions = [self.columns.index(name) for name in columns]
        if positions == list(range(len(self.columns))) and not self.conversions:
            self.pending.extend(rows)  # already in the table's column order
            return
        template = list(self.defaults)
        for values in rows:
            row = template.copy()
            for position, value in zip(positions, values, strict=True):
                row[position] = value
            for position, convert in self.conversions:
                row[position] = convert(row[position])
            self.pending.append(row)

    def flush(self) -> int:
        """Write the queued rows; return how many were written."""
        rows = self.pending
        if not rows:
            return 0
        driver = self.connection.connection.driver_connection
        assert driver is not None
        if self.dialect == "postgresql":
            with driver.cursor() as cursor:
                with cursor.copy(self.statement) as copy:
                    for row in rows:
                        copy.write_row(row)
                self.written += len(rows)
                if self.written >= max(2 * self._analysed_at, ANALYZE_FROM_ROWS):
                    # Fresh tables look empty to the planner, so the foreign-key checks of
                    # the rows that follow would scan instead of using the index: refresh
                    # the statistics (ANALYZE sees this transaction's own rows) each time
                    # the table has doubled.
                    cursor.execute(f"ANALYZE {self._target}")
                    self._analysed_at = self.written
        else:
            cursor = driver.cursor()
            try:
                cursor.executemany(self.statement, rows)
            finally:
                cursor.close()
        self.pending = []
        return len(rows)


ANALYZE_FROM_ROWS = 2000
"""PostgreSQL: refresh a table's statistics once this many rows were copied (then on doubling)."""

SQLITE_IMPORT_CACHE_KIB = 65536
"""Page cache of the SQLite connection during an import (KiB): the indexes of the tables
written stay in memory instead of being re-read for every chunk."""


@contextmanager
def import_session(connection: sa.Connection) -> Iterator[None]:
    """Tune the connection for one bulk import and restore it afterwards."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    previous = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size={int(previous)}")


class IdAllocator:
    """Hands out primary keys for bulk inserts within one transaction.

    Args:
        connection: the import's connection, inside its transaction (SQLite: after the
            transaction's first write, so the write lock is held).
    """

    def __init__(self, connection: sa.Connection) -> None:
        """Remember the connection; counters are read lazily per table."""
        self.connection = connection
        self.dialect = connection.dialect.name
        self._next: dict[str, int] = {}

    def take(self, table: sa.Table, count: int) -> list[int]:
        """``count`` fresh ids for ``table``."""
        if count == 0:
            return []
        if self.dialect == "postgresql":
            quoted = self.connection.dialect.identifier_preparer.format_table(table)
            rows = self.connection.execute(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": quoted, "count": count},
            )
            return [row[0] for row in rows]
        start = self._next.get(table.name)
        if start is None:
            current = self.connection.execute(sa.select(sa.func.max(table.c.id))).scalar()
            start = (current or 0) + 1
        self._next[table.name] = start + count
        return list(range(start, start + count))


def chunked(values: Iterable[Any], size: int = IN_CLAUSE_LIMIT) -> Iterable[list[Any]]:
    """``values`` in lists of at most ``size`` (for ``IN (...)`` queries)."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(connection: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert a few rows through SQLAlchemy (small, occasional writes)."""
    if rows:
        connection.execute(table.insert(), list(rows))
