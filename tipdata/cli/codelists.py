"""`tipdata codelists ...`: validate the code lists and the law catalogue; load them."""

from __future__ import annotations

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
