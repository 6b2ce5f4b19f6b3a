"""The `tipdata` command line: parse input, call one service function, format the output.

No business rule lives here (STYLE.md, rule 1). Each area has its own module of commands;
this package only assembles them. Errors that tipdata raises on purpose (`TipdataError`) are
printed as one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from tipdata.cli import check as check_commands
from tipdata.cli import (
    codelists,
    db,
    demo,
    dhis2,
    exchange,
    htcds,
    imports,
    provincial,
    report,
    screening,
    serve,
    users,
)
from tipdata.cli import link as link_commands
from tipdata.cli import persons as persons_commands  # noqa: F401 - adds `persons find`
from tipdata.cli._common import group

app = group("tipdata — the consolidated national counter-trafficking data system.")
app.add_typer(db.app, name="db")
app.add_typer(codelists.app, name="codelists")
app.add_typer(demo.app, name="demo")
app.add_typer(check_commands.app, name="check")
app.add_typer(users.users_app, name="users")
app.add_typer(users.keys_app, name="keys")
app.add_typer(users.audit_app, name="audit")
app.add_typer(provincial.app, name="provincial")
app.add_typer(dhis2.app, name="dhis2")
app.add_typer(htcds.app, name="htcds")
app.add_typer(screening.app, name="screening")
app.add_typer(link_commands.app, name="link")
app.add_typer(link_commands.persons_app, name="persons")
app.add_typer(report.app, name="report")
app.add_typer(exchange.app, name="exchange")
app.command("serve")(serve.serve)
app.command("import")(imports.import_command)
app.command("imports")(imports.imports_command)
app.command("provenance")(imports.provenance_command)


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
