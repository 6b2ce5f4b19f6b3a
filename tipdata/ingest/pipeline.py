"""The import pipeline: read, validate, stage and commit one file in one transaction.

Policy (documented for data officers in ``docs/mappings.md``):

* A file is read as a stream and every row is validated. Valid rows are written in
  chunks *inside one database transaction*, which is committed only at the end: an
  import is stored whole or not at all, even if the process is killed half way.
* By default a file with any error is **rejected whole**: the transaction is rolled
  back and nothing at all is stored (not even an import run), so the database is
  exactly as it was. The result lists every issue (file, row, column, value).
* ``accept_valid_rows=True`` stores the valid rows and writes the rejected ones, with
  their reasons, to a quarantine CSV.
* Re-importing rows already stored with the same payload changes nothing. A file with
  no new or changed row stores nothing (status ``unchanged``); the result names the
  earlier import run of the identical file, if any.
* A newer export of a source updates changed rows (same record id, new payload hash):
  the row's derived records are replaced, its version goes up, and every version's
  payload is kept in ``source_record_version``.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from tipdata.access.crypto import FieldCipher
from tipdata.access.protected import keyring_in
from tipdata.ingest.dialect import (
    CHUNK_ROWS,
    import_session,
)
from tipdata.ingest.lookups import Lookups, lookups_for
from tipdata.ingest.mapping import (
    Mapping,
    get_mapping,
    load_mapping,
)
from tipdata.ingest.privacy import key_is_identifying, keyed_source_key, protected_columns_of
from tipdata.ingest.readers import ImportFileError, check_required_columns, open_table
from tipdata.ingest.seen import SeenKeys
from tipdata.ingest.validate import ImportIssue, RowOutcome, RowValidator
from tipdata.ingest.writer import _tables, _Writer
from tipdata.model.enums import ImportStatus

if TYPE_CHECKING:
    from tipdata.store import Database

log = logging.getLogger(__name__)

MAX_ISSUES_KEPT = 1000
"""Issues kept in a result; the count of all errors is always exact."""

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called as rows are read (total is an estimate)."""

ResultStatus = Literal["committed", "unchanged", "rejected", "validated"]


@dataclass
class ImportResult:
    """What happened to one file.

    Attributes:
        file: the file imported.
        source: the source code of the mapping used.
        status: ``committed`` (stored), ``unchanged`` (nothing new, nothing stored),
            ``rejected`` (errors; nothing stored) or ``validated`` (dry run, no error).
        dry_run: whether this was only a validation.
        file_sha256: SHA-256 of the file's bytes.
        import_run_id: the stored import run (None unless committed).
        previous_run_id: an earlier committed run of the identical file, if any.
        rows_read: data rows read.
        rows_stored: new source records stored (or that would be, in a dry run).
        rows_updated: source records updated to a new version.
        rows_unchanged: rows identical to what is already stored.
        rows_rejected: rows with an error.
        error_count: all errors found (``issues`` keeps the first 1000).
        issues: the errors, with file, row, column and value.
        warning_count: all warnings (values stored as written but not resolved, such
            as a law article not in the catalogue); ``warnings`` keeps the first 1000.
        warnings: the warnings, with file, row, column and value.
        quarantine_file: the CSV of rejected rows (``accept_valid_rows`` only).
    """

    file: Path
    source: str
    status: ResultStatus
    dry_run: bool
    file_sha256: str
    import_run_id: int | None = None
    previous_run_id: int | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    error_count: int = 0
    issues: list[ImportIssue] = field(default_factory=list)
    quarantine_file: Path | None = None
    warning_count: int = 0
    warnings: list[ImportIssue] = field(default_factory=list)
    date_ranges: dict[str, tuple[date, date]] = field(default_factory=dict)
    """Earliest and latest date read from each date column (dates of birth left out)."""

    @property
    def ok(self) -> bool:
        """True unless the file was rejected."""
        return self.status != "rejected"

    def summary(self) -> str:
        """One line for people: what was stored and what was wrong."""
        counts = (
            f"{self.rows_read} rows read, {self.rows_stored} new, {self.rows_updated} updated, "
            f"{self.rows_unchanged} unchanged, {self.rows_rejected} rejected"
        )
        verdict = {
            "committed": f"stored as import run {self.import_run_id}",
            "unchanged": "nothing new: nothing stored",
            "rejected": f"rejected, nothing stored ({self.error_count} errors)",
            "validated": "valid (dry run, nothing stored)",
        }[self.status]
        if self.dry_run and self.status == "rejected":
            verdict = f"{self.error_count} errors (dry run, nothing stored)"
        if self.warning_count:
            counts += f"; {self.warning_count} warnings"
        return f"{self.file.name} [{self.source}]: {verdict}; {counts}"

    def date_summary(self) -> list[str]:
        """One line per date column: the range of the dates read (to spot a wrong year)."""
        return [
            f"dates in {column!r}: {first} to {last}"
            for column, (first, last) in sorted(self.date_ranges.items())
        ]


class UnrecognisedFileError(ImportFileError):
    """No mapping recognises a file of a delivery folder (the message lists the sources)."""


class ImportConflictError(ImportFileError):
    """The database refused the writes (a concurrent import); nothing was stored."""


class _Abort(Exception):
    """Roll the import transaction back (rejected, unchanged or dry run)."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _estimate_rows(path: Path) -> int:
    if path.suffix.lower() != ".csv":
        return 0
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


def protected_source_columns(mapping: Mapping, header: Iterable[str]) -> frozenset[str]:
    """The columns of a file whose cells are encrypted in stored raw rows (deny by default).

    Every column except those the mapping declares in ``open_columns``, those read only
    by fields of closed types, and a record id that names no one; see
    :mod:`tipdata.ingest.privacy`.

    Args:
        mapping: the source mapping.
        header: the file's column names.

    Returns:
        Column names as they appear in the file's header.
    """
    return protected_columns_of(mapping, header)


class _Quarantine:
    """The CSV of rejected rows: reasons first, then the row as read."""

    def __init__(self, path: Path, header: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # rejected rows hold victims' data as written: readable by the owner only
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.handle = os.fdopen(descriptor, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle)
        self.header = header
        self.writer.writerow(["row", "column", "value", "error", *header])

    def add(self, outcome: RowOutcome, issues: list[ImportIssue]) -> None:
        self.writer.writerow(
            [
                outcome.row_number,
                "; ".join(i.column or "" for i in issues),
                "; ".join(i.value or "" for i in issues),
                "; ".join(i.message for i in issues),
                *(outcome.payload.get(column, "") for column in self.header),
            ]
        )

    def close(self) -> None:
        self.handle.close()


def resolve_mapping(source: str | None, mapping: str | Path | Mapping | None) -> Mapping:
    """The mapping to use: a built-in one by source code, or a mapping file.

    Args:
        source: a built-in source code, e.g. ``"iom_returnees"``.
        mapping: a mapping file (or an already loaded mapping).

    Raises:
        MappingError: unknown source, invalid mapping file, or neither/both given.
    """
    from tipdata.ingest.mapping import MappingError

    if (source is None) == (mapping is None):
        raise MappingError("<arguments>", "give either a source code or a mapping file")
    if isinstance(mapping, Mapping):
        return mapping
    if mapping is not None:
        return load_mapping(mapping)
    assert source is not None
    return get_mapping(source)


def import_file(
    db: Database,
    path: str | Path,
    source: str | None = None,
    mapping: str | Path | Mapping | None = None,
    *,
    dry_run: bool = False,
    accept_valid_rows: bool = False,
    quarantine_dir: str | Path | None = None,
    progress: Progress | None = None,
    imported_by: str | None = None,
    lookups: Lookups | None = None,
    allow_clearing: bool = False,
) -> ImportResult:
    """Import one export file: validate every row, then store it all in one transaction.

    Args:
        db: the database (migrated, reference data loaded).
        path: the CSV or XLSX file.
        source: the built-in source code of the file's layout...
        mapping: ...or the mapping file describing it.
        dry_run: validate and compare with what is stored, store nothing.
        accept_valid_rows: store the valid rows, quarantine the rejected ones.
        quarantine_dir: folder of the quarantine CSV (default: ``quarantine/`` next to
            the file); used only with ``accept_valid_rows``.
        progress: ``progress(step, done, total)`` callback.
        imported_by: who runs the import (kept on the import run).
        lookups: code-list look-ups (default: from the code lists and ``db``).
        allow_clearing: the source really emptied cells it had filled: let updated rows
            blank them (each is reported as a warning). Without it such a row is an error.

    Returns:
        What happened; ``result.status == "rejected"`` when row errors were found.

    Raises:
        MappingError: the mapping is unknown or invalid.
        ImportFileError: the file is malformed (unreadable, wrong encoding, missing
            columns, ...); nothing is stored.
    """
    chosen = resolve_mapping(source, mapping)
    file = Path(path)
    if not file.is_file():
        raise ImportFileError(file, "no such file")
    digest = file_sha256(file)
    lookups = lookups or lookups_for(db)
    agency_id = lookups.agency(chosen.agency)
    if agency_id is None:
        raise ImportFileError(
            chosen.path or chosen.source,
            f"agency {chosen.agency!r} of mapping {chosen.source!r} is not in the database; "
            "load the reference data first (tipdata codelists load)",
        )
    validator = RowValidator(chosen, lookups, file=file.name, agency_id=agency_id)
    validator.allow_clearing = allow_clearing
    result = ImportResult(file, chosen.source, "validated", dry_run, digest)
    quarantine: _Quarantine | None = None
    total_estimate = _estimate_rows(file)
    with open_table(file, chosen.file) as table:
        required = list(
            dict.fromkeys([*chosen.recognise.required_columns, *sorted(chosen.columns_used())])
        )
        check_required_columns(file, table.header, required)
        validator.header = table.header
        if accept_valid_rows and not dry_run:
            folder = Path(quarantine_dir) if quarantine_dir else file.parent / "quarantine"
            quarantine = _Quarantine(folder / f"{file.stem}.rejected.csv", table.header)
            result.quarantine_file = quarantine.path
        try:
            _run(
                db,
                chosen,
                table.rows,
                validator,
                result,
                agency_id=agency_id,
                accept_valid_rows=accept_valid_rows,
                quarantine=quarantine,
                progress=progress,
                total_estimate=total_estimate,
                imported_by=imported_by,
            )
        finally:
            if quarantine is not None:
                quarantine.close()
    if quarantine is not None and result.rows_rejected == 0:
        quarantine.path.unlink(missing_ok=True)
        result.quarantine_file = None
    log.info("%s", result.summary())
    return result


def _run(
    db: Database,
    mapping: Mapping,
    rows: Iterable[tuple[int, dict[str, str]]],
    validator: RowValidator,
    result: ImportResult,
    *,
    agency_id: int,
    accept_valid_rows: bool,
    quarantine: _Quarantine | None,
    progress: Progress | None,
    total_estimate: int,
    imported_by: str | None,
) -> None:
    tables = _tables()
    source_table = tables["source"]
    run_table = tables["import_run"]
    # A dry run writes exactly what the import would, in the same transaction, and rolls it
    # back: the database checks every constraint (foreign keys, uniqueness, CHECKs) the same.
    write = True
    master = db.master_key()
    writer: _Writer | None = None
    try:
        with db.connect() as connection:
            # in the import's transaction: a rejected import creates no data keys either
            keyring = keyring_in(connection, master)
            source_id = connection.execute(
                sa.select(source_table.c.id).where(source_table.c.code == mapping.source)
            ).scalar()
            if source_id is not None:
                result.previous_run_id = connection.execute(
                    sa.select(sa.func.max(run_table.c.id)).where(
                        run_table.c.source_id == source_id,
                        run_table.c.file_sha256 == result.file_sha256,
                        run_table.c.status == ImportStatus.COMMITTED.value,
                    )
                ).scalar()
            run_id: int | None = None
            if write:
                # The first write takes SQLite's write lock, before any id is allocated.
                if source_id is None:
                    source_id = connection.execute(
                        source_table.insert()
                        .values(
                            code=mapping.source,
                            agency_id=agency_id,
                            name=mapping.name,
                            file_format=mapping.file.type,
                            repeats_people=mapping.repeats_people,
                        )
                        .returning(source_table.c.id)
                    ).scalar_one()
                else:  # the mapping says so now (it may have been corrected)
                    connection.execute(
                        source_table.update()
                        .where(source_table.c.id == source_id)
                        .values(repeats_people=mapping.repeats_people)
                    )
                run_id = connection.execute(
                    run_table.insert()
                    .values(
                        owner_agency_id=agency_id,
                        source_id=source_id,
                        file_name=result.file.name,
                        file_sha256=result.file_sha256,
                        status=ImportStatus.RUNNING.value,
                        started_at=datetime.now(UTC),
                        imported_by=imported_by,
                    )
                    .returning(run_table.c.id)
                ).scalar_one()
            writer = _Writer(
                connection,
                source_id=source_id,
                run_id=run_id,
                agency_id=agency_id,
                write=write,
                keyring=keyring,
                protected_columns=protected_source_columns(mapping, validator.header),
            )
            writer.hash_keys = key_is_identifying(mapping)
            with import_session(connection):
                _stream(
                    rows,
                    validator,
                    writer,
                    result,
                    accept_valid_rows,
                    quarantine,
                    progress,
                    total_estimate,
                )
            if result.rows_read == 0:
                raise ImportFileError(result.file, "the file has a header but no data rows", line=2)
            if result.error_count and not accept_valid_rows:
                result.status = "rejected"
                raise _Abort
            if result.dry_run:
                raise _Abort
            if result.rows_stored + result.rows_updated == 0:
                result.status = "unchanged"
                raise _Abort
            _store_issues(connection, tables["import_run_issue"], run_id, result, keyring.cipher)
            connection.execute(
                run_table.update()
                .where(run_table.c.id == run_id)
                .values(
                    status=ImportStatus.COMMITTED.value,
                    finished_at=datetime.now(UTC),
                    rows_read=result.rows_read,
                    rows_stored=result.rows_stored,
                    rows_updated=result.rows_updated,
                    rows_unchanged=result.rows_unchanged,
                    rows_rejected=result.rows_rejected,
                    message=_run_message(result),
                )
            )
            result.status = "committed"
            result.import_run_id = run_id
            if progress is not None:
                progress("committing", result.rows_read, result.rows_read)
    except _Abort:
        pass
    except (sa.exc.IntegrityError, _driver_integrity_error(db)) as exc:
        # a constraint no row check knows, or another import of the same source that
        # committed the same record ids meanwhile (bulk writes go through the driver)
        raise _refused(result, exc, writer, validator) from None
    finally:
        result.date_ranges = {
            column: (first, last) for column, (first, last) in validator.plausibility.ranges.items()
        }


def _store_issues(
    connection: sa.Connection,
    table: sa.Table,
    run_id: int | None,
    result: ImportResult,
    cipher: FieldCipher,
) -> None:
    """Keep the run's issues with it: the rejected rows' errors, then the warnings.

    At most :data:`MAX_ISSUES_KEPT` of each (the result keeps no more); each value is
    encrypted, bound to the run and the issue's place.
    """
    if run_id is None:
        return
    rows = []
    for position, issue in enumerate([*result.issues, *result.warnings], start=1):
        value = (
            cipher.encrypt(table.name, "value_encrypted", f"{run_id}:{position}", issue.value)
            if issue.value
            else None
        )
        rows.append(
            {
                "import_run_id": run_id,
                "position": position,
                "row_number": issue.row,
                "column_name": issue.column,
                "value_encrypted": value,
                "message": issue.message,
                "severity": issue.severity,
            }
        )
    if rows:
        connection.execute(table.insert(), rows)


def _driver_integrity_error(db: Database) -> type[Exception]:
    """The DBAPI driver's IntegrityError (``sqlite3``, ``psycopg``): bulk writes raise it."""
    dbapi = getattr(db.engine.dialect, "dbapi", None)
    found = getattr(dbapi, "IntegrityError", None)
    return (
        found if isinstance(found, type) and issubclass(found, Exception) else sa.exc.IntegrityError
    )


_CONSTRAINT_NAME = re.compile(r"(?:constraint failed: |constraint \")(?P<name>[a-z0-9_]+)")


def _refused(
    result: ImportResult,
    exc: Exception,
    writer: _Writer | None,
    validator: RowValidator,
) -> ImportConflictError:
    """One line for a write the database refused: the row and field when they can be found."""
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
    match = _CONSTRAINT_NAME.search(text)
    rows = writer.chunk_rows if writer is not None else []
    check = validator.constraints.explain(match["name"]) if match else None
    if check is not None:
        for outcome in rows:
            for record in outcome.records:
                if record.kind == check.table and not check.ok(
                    record.values, {name for name, _ref in record.refs}
                ):
                    return ImportConflictError(
                        result.file,
                        f"{check.message} (the database refused it: {check.constraint}); "
                        "nothing was stored",
                        line=outcome.row_number,
                        field=check.field,
                    )
    where = f"rows {rows[0].row_number}–{rows[-1].row_number}: " if rows else ""
    return ImportConflictError(
        result.file,
        f"{where}the database refused the import (nothing was stored): {text}; "
        "a value the database does not accept, or another import of this source "
        "at the same time (then import this file again)",
    )


def _run_message(result: ImportResult) -> str | None:
    """The import run's note: quarantined rows and warnings, if any."""
    parts = []
    if result.rows_rejected:
        parts.append(f"{result.rows_rejected} rows quarantined")
    if result.warning_count:
        parts.append(f"{result.warning_count} warnings (values kept as written, unresolved)")
    return "; ".join(parts) or None


def _stream(
    rows: Iterable[tuple[int, dict[str, str]]],
    validator: RowValidator,
    writer: _Writer,
    result: ImportResult,
    accept_valid_rows: bool,
    quarantine: _Quarantine | None,
    progress: Progress | None,
    total_estimate: int,
) -> None:
    """Validate every row and write valid ones chunk by chunk."""
    pending: list[RowOutcome] = []
    writing = True

    def reject(outcome: RowOutcome, errors: list[ImportIssue]) -> None:
        nonlocal writing
        result.rows_rejected += 1
        result.error_count += len(errors)
        room = MAX_ISSUES_KEPT - len(result.issues)
        if room > 0:
            result.issues.extend(errors[:room])
        if quarantine is not None:
            quarantine.add(outcome, errors)
        if not accept_valid_rows:
            writing = False  # the file will be rejected: validate only from here on

    def flush() -> None:
        if not pending:
            return
        plain: dict[str, str] = {}
        for outcome in pending:
            outcome.payload_sha256 = writer.payload_digest(outcome)
            if writer.hash_keys and outcome.source_key is not None:
                hashed = keyed_source_key(writer.keyring, outcome.source_key)
                plain[hashed], outcome.source_key = outcome.source_key, hashed
        existing = writer.existing([o.source_key for o in pending if o.source_key])
        if plain:
            existing.update(writer.adopt_plain_keys(plain, existing))
        new: list[RowOutcome] = []
        updated: list[tuple[RowOutcome, tuple[int, str, int]]] = []
        for outcome in pending:
            stored = existing.get(outcome.source_key or "")
            if stored is None:
                new.append(outcome)
            elif stored[1] == outcome.payload_sha256:
                result.rows_unchanged += 1
            else:
                updated.append((outcome, stored))
        if updated:
            updated = _refuse_clearing(updated, writer, validator, result, reject)
        result.rows_stored += len(new)
        result.rows_updated += len(updated)
        if writing:
            writer.write_chunk(new, updated)
        pending.clear()
        if progress is not None:
            progress("importing", result.rows_read, max(total_estimate, result.rows_read))

    def settle(batch: list[RowOutcome]) -> None:
        """Mark duplicate ids of a batch of validated rows, then keep or reject each."""
        _mark_duplicates(batch, seen, validator)
        for outcome in batch:
            if not outcome.valid:
                reject(outcome, [i for i in outcome.issues if i.severity == "error"])
                continue
            pending.append(outcome)
        flush()
        batch.clear()

    batch: list[RowOutcome] = []
    with SeenKeys() as seen:
        for row_number, raw in rows:
            result.rows_read += 1
            outcome = validator.validate(row_number, raw)
            if outcome.issues:
                warnings = [i for i in outcome.issues if i.severity == "warning"]
                result.warning_count += len(warnings)
                room = MAX_ISSUES_KEPT - len(result.warnings)
                if warnings and room > 0:
                    result.warnings.extend(warnings[:room])
            batch.append(outcome)
            if len(batch) >= CHUNK_ROWS:
                settle(batch)
        settle(batch)


def _refuse_clearing(
    updated: list[tuple[RowOutcome, tuple[int, str, int]]],
    writer: _Writer,
    validator: RowValidator,
    result: ImportResult,
    reject: Callable[[RowOutcome, list[ImportIssue]], None],
) -> list[tuple[RowOutcome, tuple[int, str, int]]]:
    """Updated rows that would blank a cell the stored row had filled: errors (or warnings).

    A correction replaces what a row made; a row that lost values by accident (a broken
    quote, a column left out of an export) would silently erase a victim's sex, age or
    case. Unless the import says the source really cleared them (``allow_clearing``),
    such a row is an error naming each column; with it, each is a warning.
    """
    stored = writer.stored_payloads([existing[0] for _outcome, existing in updated])
    kept: list[tuple[RowOutcome, tuple[int, str, int]]] = []
    for outcome, existing in updated:
        before = stored.get(existing[0], {})
        cleared = [
            column
            for column, value in before.items()
            if value not in (None, "") and not str(outcome.payload.get(column) or "").strip()
        ]
        if not cleared:
            kept.append((outcome, existing))
            continue
        issues = [
            ImportIssue(
                validator.file,
                outcome.row_number,
                column,
                None,
                f"this update would clear {column!r}, which the stored row {outcome.source_key!r} "
                "had filled"
                + (
                    " (allowed: the source cleared it)"
                    if validator.allow_clearing
                    else "; if the source really cleared it, import with --allow-clearing"
                ),
                "warning" if validator.allow_clearing else "error",
            )
            for column in cleared
        ]
        if validator.allow_clearing:
            result.warning_count += len(issues)
            result.warnings.extend(issues[: max(MAX_ISSUES_KEPT - len(result.warnings), 0)])
            kept.append((outcome, existing))
        else:
            reject(outcome, issues)
    return kept


def _mark_duplicates(batch: list[RowOutcome], seen: SeenKeys, validator: RowValidator) -> None:
    """Add an error to each row whose record id an earlier row of the file had."""
    keys = [o.source_key for o in batch if o.source_key is not None]
    earlier = seen.first_rows(keys)
    here: dict[str, int] = {}
    for outcome in batch:
        key = outcome.source_key
        if key is None:
            continue
        first = earlier.get(key)
        if first is None:
            first = here.get(key)
        if first is not None:
            outcome.issues.append(
                ImportIssue(
                    validator.file,
                    outcome.row_number,
                    validator._record_id_column,
                    key,
                    f"duplicate record id {key!r}: already on row {first}",
                )
            )
        else:
            here[key] = outcome.row_number
    seen.add(here)


__all__ = [
    "ImportConflictError",
    "ImportResult",
    "UnrecognisedFileError",
    "file_sha256",
    "import_file",
    "resolve_mapping",
]
