"""`tipdata screening ...`: the victim screening form for ODK Collect / KoboToolbox and the
mapping that imports its submissions (see docs/provincial-reporting.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from tipdata.cli._common import console, group

app = group("The victim screening form offline (see docs/provincial-reporting.md).")


@app.command("xlsform")
def xlsform_command(
    out: Annotated[Path, typer.Option("--out", help="The XLSForm (.xlsx) to write.")],
) -> None:
    """Write the screening XLSForm for ODK Collect / KoboToolbox (checked with pyxform)."""
    from tipdata.standards.odk_screening import write_screening_xlsform

    console.print(str(write_screening_xlsform(out)), markup=False, highlight=False)


@app.command("odk-mapping")
def odk_mapping_command(
    agency: Annotated[str, typer.Argument(help="The screening agency's code.")],
    out: Annotated[Path, typer.Option("--out", help="The mapping file to write.")],
    server: Annotated[
        Literal["central", "kobo", "kobo-csv"],
        typer.Option(
            help="central: ODK Central CSV export; kobo: KoboToolbox XLSX export; "
            'kobo-csv: KoboToolbox CSV export (";" between fields).'
        ),
    ] = "central",
) -> None:
    """Write the source mapping that imports the form's submission export."""
    from tipdata.standards.odk_screening import write_screening_mapping

    path = write_screening_mapping(out, agency, server=server)
    console.print(str(path), markup=False, highlight=False)
