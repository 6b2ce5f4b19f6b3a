"""`tipdata htcds ...`: a partner's HTCDS 2.0 files as a source (see docs/htcds.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from tipdata.cli._common import console, group

app = group("HTCDS 2.0 files from partners (see docs/htcds.md).")


@app.command("mapping")
def mapping_command(
    agency: Annotated[str, typer.Argument(help="The partner's agency code.")],
    out: Annotated[Path, typer.Option("--out", help="The mapping file to write.")],
    layout: Annotated[
        Literal["toolkit", "csv"],
        typer.Option(help="toolkit: the HTCDS Excel template; csv: field names as header."),
    ] = "toolkit",
) -> None:
    """Write the source mapping that imports a partner's HTCDS 2.0 file."""
    from tipdata.standards.htcds_import import write_htcds_mapping

    path = write_htcds_mapping(out, agency, layout=layout)
    console.print(str(path), markup=False, highlight=False)
