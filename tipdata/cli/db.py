"""`tipdata db ...`: create, migrate, back up and restore the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tipdata.cli._common import HomeOption, console, group, system_for

app = group("Create, migrate, back up and restore the database.")


@app.command("upgrade")
def upgrade(home: HomeOption = None) -> None:
    """Create or migrate the database to the newest schema (Alembic `upgrade head`)."""
    system = system_for(home)
    revision = system.upgrade()
    console.print(f"database at revision {revision}: {system.database_label}")


@app.command("current")
def current(home: HomeOption = None) -> None:
    """Print the database's schema revision."""
    system = system_for(home)
    console.print(system.db.current_revision() or "empty (run `tipdata db upgrade`)")


@app.command("backup")
def backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write.")],
    home: HomeOption = None,
) -> None:
    """Back up the database to FILE (SQLite online backup; pg_dump custom format)."""
    from tipdata.store import backup_database

    system = system_for(home)
    backup_database(system.db, file)
    console.print(f"backed up {system.database_label} to {file}")


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="Backup file made by `tipdata db backup`.")],
    home: HomeOption = None,
) -> None:
    """Replace the database's contents with the backup in FILE."""
    from tipdata.store import restore_database

    system = system_for(home)
    restore_database(system.db, file)
    console.print(f"restored {system.database_label} from {file}")
