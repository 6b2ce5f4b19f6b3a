"""The record ids a file has shown so far, on disk: memory stays flat whatever its size.

A duplicate record id within one file is an error naming the row that first had it, so
the importer must remember every id with its row. A dictionary of 1.3 million ids
(the IOM log at scale 10) takes about 200 MB and grows with the file; this keeps them
in a scratch SQLite file beside the process instead, checked and extended a batch of
rows at a time. The scratch file is not the import's database: a dry run and a file
already known to be rejected (which write nothing) are checked the same way, and it is
deleted when the import ends.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

IN_LIMIT = 900
"""Most keys looked up per query (SQLite's default variable limit is well above)."""


class SeenKeys:
    """Record id -> first row number, for one file.

    The first batch stays in memory; the scratch database is made only when a second
    batch comes (a file of one batch never touches the disk).
    """

    def __init__(self) -> None:
        """Start empty."""
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._db: sqlite3.Connection | None = None
        self._first: dict[str, int] | None = None

    def __enter__(self) -> SeenKeys:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Delete the scratch database."""
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def first_rows(self, keys: Iterable[str]) -> dict[str, int]:
        """The row that first had each of ``keys``, for those seen in earlier batches."""
        wanted = list(dict.fromkeys(keys))
        if self._first is not None:
            return {k: self._first[k] for k in wanted if k in self._first}
        if self._db is None:
            return {}
        found: dict[str, int] = {}
        for start in range(0, len(wanted), IN_LIMIT):
            batch = wanted[start : start + IN_LIMIT]
            marks = ",".join("?" * len(batch))
            found.update(
                self._db.execute(f"SELECT key, row FROM seen WHERE key IN ({marks})", batch)
            )
        return found

    def add(self, rows: dict[str, int]) -> None:
        """Remember a batch of new keys (none of them seen before) with their rows."""
        if not rows:
            return
        if self._first is None and self._db is None:
            self._first = dict(rows)
            return
        database = self._open()
        if self._first is not None:
            database.executemany("INSERT INTO seen VALUES (?, ?)", self._first.items())
            self._first = None
        database.executemany("INSERT INTO seen VALUES (?, ?)", rows.items())

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self._folder = tempfile.TemporaryDirectory(prefix="tipdata-import-")
            self._db = sqlite3.connect(Path(self._folder.name) / "seen.db", isolation_level=None)
            # scratch data, rebuilt by a new import: no journal, no syncing
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")
        return self._db
