"""`tipdata persons find`: exact search of person records by identity-document number or name.

Registered on the `persons` group of :mod:`tipdata.cli.link`. The command line acts as the
local operator (``actor=None``): full access, still audited (record ids only, never the
number or name searched).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tipdata.cli._common import HomeOption, console, system_for
from tipdata.cli.link import persons_app
from tipdata.errors import TipdataError


@persons_app.command("find")
def find(
    document: Annotated[
        str | None,
        typer.Option(
            help="Passport, national-id or worker-id number (spaces, hyphens, case ignored)."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="A family, given or full name, exactly.")] = None,
    home: HomeOption = None,
) -> None:
    """Person records holding a document with this number, or with exactly this name."""
    from tipdata.casefiles import search_persons_by_document, search_persons_by_name

    if (document is None) == (name is None):
        raise TipdataError("give exactly one of --document or --name")
    db = system_for(home).db
    matches = (
        search_persons_by_document(db, document, actor=None)
        if document is not None
        else search_persons_by_name(db, name or "", actor=None)
    )
    table = Table("person", "record", "agency", "role", "name", "birth", "province")
    for match in matches:
        table.add_row(
            match.public_id or "", str(match.record_id), match.agency, match.role,
            match.name or "", match.birth, match.province_code or "",
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(matches)} records")
