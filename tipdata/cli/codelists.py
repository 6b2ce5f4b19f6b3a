"""`tipdata codelists ...`: validate the code lists and the law catalogue; load them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tipdata.cli._common import HomeOption, console, group, system_for

app = group("Code lists and the law catalogue.")


@app.command("check")
def check() -> None:
    """Load and validate every code list and the law catalogue; print their sizes."""
    from tipdata.codelists import load_codelists, load_law_catalogue

    sizes = dict(load_codelists().sizes())
    sizes["law articles"] = len(load_law_catalogue().articles)
    table = Table("code list", "entries")
    for name, count in sizes.items():
        table.add_row(name, str(count))
    console.print(table)


@app.command("load")
def load(home: HomeOption = None) -> None:
    """Load the code lists and the law catalogue into the database (idempotent)."""
    counts = system_for(home).load_reference_data()
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)


@app.command("agencies")
def agencies(
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: government, court, ngo, international, working_group."),
    ] = None,
    partners: Annotated[
        bool, typer.Option("--partners", help="Only foreign partners (MOU counterparts, IOs).")
    ] = False,
) -> None:
    """List the agency codes a mapping's `agency:` and agency fields accept, with their names."""
    from tipdata.codelists import load_codelists

    table = Table("code", "name", "kind", "partner", "parent", "province")
    for agency in load_codelists().agencies.by_code.values():
        if kind is not None and agency.kind != kind:
            continue
        if partners and not agency.foreign_partner:
            continue
        partner = agency.partner_country or ("international" if agency.foreign_partner else "")
        table.add_row(
            agency.code,
            agency.name,
            agency.kind,
            partner,
            agency.parent or "",
            agency.province or "",
        )
    console.print(table)


@app.command("provinces")
def provinces() -> None:
    """List the province codes and names a province field accepts (past units too)."""
    from tipdata.codelists import load_codelists

    table = Table("code", "name", "Khmer", "other names accepted", "created–abolished")
    for province in load_codelists().all_provinces:
        span = (
            f"{province.created or ''}–{province.abolished or ''}"
            if province.created or province.abolished
            else ""
        )
        table.add_row(
            province.code, province.name_en, province.name_km, ", ".join(province.variants), span
        )
    console.print(table)
