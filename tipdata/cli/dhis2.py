"""`tipdata dhis2 ...`: provincial reports to and from DHIS2 (dataValueSets JSON/CSV, ADX)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from tipdata.access import LOCAL_OPERATOR
from tipdata.cli._common import HomeOption, console, group, system_for

app = group("DHIS2 data exchange of provincial reports (see docs/dhis2-exchange.md).")

MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", help="DHIS2 metadata mapping file (default: the shipped example)."),
]


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    file_format: Annotated[
        Literal["json", "csv", "adx"],
        typer.Option("--format", help="dataValueSets json or csv, or adx."),
    ] = "json",
    id_scheme: Annotated[
        Literal["uid", "code"],
        typer.Option("--id-scheme", help="Name DHIS2 objects by uid or code."),
    ] = "uid",
    year: Annotated[
        int | None, typer.Option("--year", help="Only the bi-weeks of this ISO year.")
    ] = None,
    mapping: MappingOption = None,
    home: HomeOption = None,
) -> None:
    """Write the submitted and accepted provincial reports as a DHIS2 file."""
    from tipdata.standards.dhis2_exchange import export_reports
    from tipdata.standards.dhis2_mapping import load_mapping

    chosen = load_mapping(mapping) if mapping is not None else None
    system = system_for(home)
    with system.db.session() as session:
        result = export_reports(
            session, file_format=file_format, id_scheme=id_scheme, year=year, mapping=chosen
        )
    out.write_text(result.text, encoding="utf-8")
    console.print(
        f"{out}: {result.reports} reports, {result.values} values ({file_format}, {id_scheme})"
    )


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="dataValueSets .json or .csv, or ADX .xml.")],
    file_format: Annotated[
        Literal["json", "csv", "adx"] | None,
        typer.Option("--format", help="The format (default: from the file name)."),
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who imports.")] = LOCAL_OPERATOR,
    mapping: MappingOption = None,
    home: HomeOption = None,
) -> None:
    """Import provincial reports from a DHIS2 file, all or nothing."""
    from tipdata.standards.dhis2_exchange import import_file
    from tipdata.standards.dhis2_mapping import load_mapping

    chosen = load_mapping(mapping) if mapping is not None else None
    system = system_for(home)
    with system.db.session() as session:
        summary = import_file(session, file, actor, file_format=file_format, mapping=chosen)
    console.print(
        f"{file.name} ({summary.format}): {summary.reports} reports — {summary.submitted} "
        f"submitted, {summary.drafts} drafts, {summary.unchanged} unchanged"
    )
