"""One import run in detail: its counts and, row by row, what it did to each stored record.

A run's counts say how many rows were new, updated, unchanged or rejected
(:class:`~tipdata.ingest.provenance.ImportRunSummary`); the details add each row the
run wrote (its row number in the file, the record's version, new or updated): the
``source_record`` rows it still holds and the ``source_record_version`` rows a later
run replaced (every version keeps the run that brought it).
The rows stored are named by their place in the file, never by their content. The
problems the run found are kept with it (``import_run_issue``): the errors of the rows
it rejected (an import told to store the valid rows and set the others aside) and the
warnings of the rows it stored, each with its row, column, the cell's value (stored
encrypted, shown to those who manage imports, as the upload's report showed it) and
the message. A file refused whole stores no run: its errors are the validation report
the upload answered with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from tipdata.access.policy import Acting, Policy, authorize
from tipdata.ingest.provenance import ImportRunSummary, ProvenanceError, list_import_runs

if TYPE_CHECKING:
    from tipdata.store import Database

ROWS_SHOWN = 500
"""How many of a run's rows the details list (the counts cover all)."""


@dataclass(frozen=True)
class ImportedRow:
    """One row of the file that the run stored.

    Attributes:
        row_number: the row in the file (the header is row 1).
        version: the record's version this row made (1 for a new record).
        change: ``new`` (first version) or ``updated`` (a changed row of a known record).
    """

    row_number: int
    version: int
    change: Literal["new", "updated"]


@dataclass(frozen=True)
class StoredIssue:
    """One problem the run found at a row of its file.

    Attributes:
        file: the file's name.
        row: the row in the file (the header is row 1), None for the whole file.
        column: the column at fault, when known.
        value: the cell's value (decrypted), when there was one.
        message: what is wrong and what was expected.
        severity: ``error`` (the row was rejected) or ``warning`` (stored as written).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Literal["error", "warning"]


@dataclass(frozen=True)
class ImportRunDetails:
    """An import run, its counts and the rows it stored (the first :data:`ROWS_SHOWN`).

    Attributes:
        run: the run and its row counts (new, updated, unchanged, rejected).
        rows: the rows it stored, in file order.
        rows_total: how many rows it stored in all.
        issues: the problems it found, errors first, in file order (the first
            :data:`ROWS_SHOWN`).
        issues_total: how many it kept in all.
    """

    run: ImportRunSummary
    rows: list[ImportedRow]
    rows_total: int
    issues: list[StoredIssue] = field(default_factory=list)
    issues_total: int = 0


def import_run_details(
    db: Database, run_id: int, *, actor: Acting, policy: Policy | None = None
) -> ImportRunDetails:
    """An import run in detail, for those who manage imports.

    Args:
        db: the database.
        run_id: the import run.
        actor: who asks: needs ``imports:run`` (the local operator always may).
        policy: the roles and permissions (default: the shipped policy).

    Raises:
        AccessDenied: the actor lacks ``imports:run``.
        ProvenanceError: no such import run.
    """
    authorize(actor, "imports:run", policy=policy)
    found = [run for run in list_import_runs(db, actor=actor, policy=policy) if run.id == run_id]
    if not found:
        raise ProvenanceError(f"no import run {run_id}")
    from tipdata.store import SourceRecord, SourceRecordVersion

    # the run's rows: those it still holds, and those a later run replaced (kept as versions)
    written = sa.union_all(
        sa.select(SourceRecord.row_number, SourceRecord.version).where(
            SourceRecord.import_run_id == run_id
        ),
        sa.select(SourceRecordVersion.row_number, SourceRecordVersion.version).where(
            SourceRecordVersion.import_run_id == run_id
        ),
    ).subquery()
    with db.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(written))
        rows = session.execute(
            sa.select(written.c.row_number, written.c.version)
            .order_by(written.c.row_number)
            .limit(ROWS_SHOWN)
        ).all()
    issues, issues_total = _stored_issues(db, run_id, found[0].file_name)
    return ImportRunDetails(
        run=found[0],
        issues=issues,
        issues_total=issues_total,
        rows=[
            ImportedRow(row_number, version, "new" if version == 1 else "updated")
            for row_number, version in rows
        ],
        rows_total=int(total or 0),
    )


def _stored_issues(db: Database, run_id: int, file_name: str) -> tuple[list[StoredIssue], int]:
    """The run's kept issues (errors first, then by row) and how many there are."""
    from tipdata.access.protected import keyring_for
    from tipdata.store import ImportRunIssue

    with db.session() as session:
        total = session.scalar(
            sa.select(sa.func.count()).where(ImportRunIssue.import_run_id == run_id)
        )
    if not total:
        return [], 0
    cipher = keyring_for(db).cipher
    with db.session() as session:
        rows = session.scalars(
            sa.select(ImportRunIssue)
            .where(ImportRunIssue.import_run_id == run_id)
            .order_by(
                (ImportRunIssue.severity == "warning"),
                ImportRunIssue.row_number,
                ImportRunIssue.position,
            )
            .limit(ROWS_SHOWN)
        ).all()
        issues = [
            StoredIssue(
                file=file_name,
                row=row.row_number,
                column=row.column_name,
                value=cipher.decrypt(
                    ImportRunIssue.__tablename__,
                    "value_encrypted",
                    f"{run_id}:{row.position}",
                    row.value_encrypted,
                )
                if row.value_encrypted is not None
                else None,
                message=row.message,
                severity="warning" if row.severity == "warning" else "error",
            )
            for row in rows
        ]
    return issues, int(total)
