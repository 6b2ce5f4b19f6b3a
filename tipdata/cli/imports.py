"""`tipdata import`, `tipdata imports`, `tipdata provenance`: agency exports in, and back out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tipdata.access import LOCAL_OPERATOR
from tipdata.cli._common import (
    HomeOption,
    console,
    err_console,
    progress_bars,
    system_for,
)

MAX_ISSUES_SHOWN = 50


def import_command(
    path: Annotated[Path, typer.Argument(help="An export file (CSV/XLSX) or a delivery folder.")],
    source: Annotated[
        str | None,
        typer.Option(
            help="Built-in source layout of FILE (see `tipdata imports`); without it the "
            "layout is recognised from the file's header."
        ),
    ] = None,
    mapping: Annotated[
        list[Path] | None,
        typer.Option(
            help="Your own mapping YAML (or a folder of them) for a layout not built in; "
            "repeat for several. A folder import uses their recognise: blocks first."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate and report; store nothing.")] = False,
    accept_valid_rows: Annotated[
        bool,
        typer.Option(help="Store the valid rows; write rejected ones to a quarantine CSV."),
    ] = False,
    quarantine_dir: Annotated[
        Path | None, typer.Option(help="Folder for quarantine CSVs (default: beside the file).")
    ] = None,
    allow_clearing: Annotated[
        bool,
        typer.Option(
            help="The source really emptied cells it had filled: let updated rows clear them "
            "(reported as warnings). Without it such rows are errors."
        ),
    ] = False,
    home: HomeOption = None,
) -> None:
    """Import an agency export, or every file of a delivery folder, all-or-nothing per file."""
    from tipdata.ingest import choose_mapping, import_directory, import_file

    system = system_for(home)
    chosen = None if path.is_dir() else choose_mapping(path, source=source, mappings=mapping or [])
    with progress_bars() as progress:
        if chosen is None:
            results = import_directory(
                system.db, path, mappings=mapping or [], dry_run=dry_run,
                accept_valid_rows=accept_valid_rows, quarantine_dir=quarantine_dir,
                progress=progress, imported_by=LOCAL_OPERATOR, allow_clearing=allow_clearing,
            )  # fmt: skip
        else:
            results = [
                import_file(
                    system.db,
                    path,
                    mapping=chosen,
                    dry_run=dry_run,
                    accept_valid_rows=accept_valid_rows,
                    quarantine_dir=quarantine_dir,
                    progress=progress,
                    imported_by=LOCAL_OPERATOR,
                    allow_clearing=allow_clearing,
                )
            ]
    for result in results:
        console.print(result.summary(), soft_wrap=True, highlight=False, markup=False)
        for issue in result.issues[:MAX_ISSUES_SHOWN]:
            err_console.print(f"  {issue}", soft_wrap=True, highlight=False, markup=False)
        if len(result.issues) > MAX_ISSUES_SHOWN:
            err_console.print(f"  ... and {len(result.issues) - MAX_ISSUES_SHOWN} more")
        for warning in result.warnings[:MAX_ISSUES_SHOWN]:
            err_console.print(
                f"  warning: {warning}", soft_wrap=True, highlight=False, markup=False
            )
        if len(result.warnings) > MAX_ISSUES_SHOWN:
            err_console.print(f"  ... and {len(result.warnings) - MAX_ISSUES_SHOWN} more warnings")
        for line in result.date_summary():
            console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)
        if result.quarantine_file:
            console.print(f"  rejected rows with their reasons: {result.quarantine_file}")
    if not all(result.ok for result in results):
        raise typer.Exit(code=1)


def imports_command(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    home: HomeOption = None,
) -> None:
    """List import runs with their counts (read, stored, updated, unchanged, rejected)."""
    from tipdata.ingest import builtin_mappings, list_import_runs

    table = Table("run", "source", "file", "status", "when", "read", "new", "upd", "same", "rej")
    for run in list_import_runs(system_for(home).db, actor=None, source=source):
        when = run.finished_at.isoformat(timespec="seconds") if run.finished_at else ""
        table.add_row(
            str(run.id), run.source, run.file_name, run.status, when, str(run.rows_read),
            str(run.rows_stored), str(run.rows_updated), str(run.rows_unchanged),
            str(run.rows_rejected),
        )  # fmt: skip
    console.print(table)
    console.print("built-in sources: " + ", ".join(sorted(builtin_mappings())), soft_wrap=True)


def provenance_command(
    record: Annotated[
        str, typer.Argument(help="A stored fact as KIND:ID, e.g. person_record:42 or charge:7.")
    ],
    home: HomeOption = None,
) -> None:
    """Trace a stored fact back to its file, row and import run, with every version of the row."""
    from tipdata import ingest  # `from tipdata.ingest import provenance` names the module

    kind, record_id = ingest.parse_fact_id(record)
    found = ingest.provenance(system_for(home).db, kind, record_id, actor=None)
    console.print(
        f"{found.kind} {found.record_id}: source {found.source}, record {found.source_key!r}, "
        f"file {found.file_name} row {found.row_number} (sha256 {found.file_sha256[:12]}…), "
        f"import run {found.import_run_id} (first stored by run {found.first_import_run_id}), "
        f"version {found.version}",
        soft_wrap=True,
        highlight=False,
    )
    for version in found.history:
        console.print(
            f"  v{version.version}: run {version.import_run_id}, {version.file_name} "
            f"row {version.row_number}: {json.dumps(version.payload, ensure_ascii=False)}",
            soft_wrap=True,
            highlight=False,
        )
