"""One import run in detail: its counts and, row by row, what it did to each stored record.

A run's counts say how many rows were new, updated, unchanged or rejected
(:class:`~tipdata.ingest.provenance.ImportRunSummary`); the details add each row the
run wrote (its row number in the file, the record's version, new or updated): the
``source_record`` rows it still holds and the ``source_record_version`` rows a later
run replaced (every version keeps the run that brought it).
No raw value is shown: the rows are named by their place in the file, never by their
content. A file with errors is refused whole and stores no run: its per-row errors are
the validation report the upload answered with.
"""

from __future__ import annotations

from dataclasses import dataclass
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
class ImportRunDetails:
    """An import run, its counts and the rows it stored (the first :data:`ROWS_SHOWN`).

    Attributes:
        run: the run and its row counts (new, updated, unchanged, rejected).
        rows: the rows it stored, in file order.
        rows_total: how many rows it stored in all.
    """

    run: ImportRunSummary
    rows: list[ImportedRow]
    rows_total: int


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
    return ImportRunDetails(
        run=found[0],
        rows=[
            ImportedRow(row_number, version, "new" if version == 1 else "updated")
            for row_number, version in rows
        ],
        rows_total=int(total or 0),
    )
