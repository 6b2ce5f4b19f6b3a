"""The exception hierarchy: one root, subclasses that carry what a person needs to act."""

from __future__ import annotations

from pathlib import Path


class TipdataError(Exception):
    """Root of every error tipdata raises on purpose.

    The CLI prints ``str(error)`` as one line and exits non-zero; no traceback.
    """


class ConfigError(TipdataError):
    """A setting is missing, malformed or unsafe."""


class DataFileError(TipdataError):
    """A data file (code list, law catalogue, mapping, import file) is wrong.

    Args:
        file: the file at fault.
        message: what is wrong and what was expected.
        line: 1-based line or row number, when known.
        field: the column or key at fault, when known.
        value: the offending value, when it is safe to show.
    """

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.file = str(file)
        self.line = line
        self.field = field
        self.value = value
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field is not None:
            where += f", field {self.field!r}"
        shown = f" (found {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{shown}"


class CodelistError(DataFileError):
    """A code list or law catalogue file is invalid."""


class StorageError(TipdataError):
    """The database cannot be reached, migrated, backed up or restored."""


class DatabaseBusy(StorageError):
    """Another writer held the database longer than the wait allows (nothing was written).

    SQLite has one writer at a time; PostgreSQL reports lock timeouts, deadlocks and
    serialisation failures. The transaction was rolled back, so the whole unit of work
    may be tried again.
    """
