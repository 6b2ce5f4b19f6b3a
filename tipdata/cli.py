"""The `tipdata` command line: parse input, call one service function, format the output.

No business rule lives here (STYLE.md, rule 1). Errors that tipdata raises on purpose
(`TipdataError`) are printed as one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from tipdata.errors import TipdataError
from tipdata.settings import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


class _TipdataGroup(TyperGroup):
    """Turns a `TipdataError` anywhere below into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TipdataError as error:
            err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None


def _group(help_text: str) -> typer.Typer:
    return typer.Typer(
        cls=_TipdataGroup,
        help=help_text,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )


app = _group("tipdata — the consolidated national counter-trafficking data system.")
db_app = _group("Create, migrate, back up and restore the database.")
codelists_app = _group("Code lists and the law catalogue.")
demo_app = _group("Synthetic agency data with ground truth, and the end-to-end demo.")
app.add_typer(db_app, name="db")
app.add_typer(codelists_app, name="codelists")
app.add_typer(demo_app, name="demo")

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home", help="Folder for the database and outputs (TIPDATA_HOME).", show_default=False
    ),
]


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


def _settings(home: Path | None) -> Settings:
    return load_settings(home=home) if home is not None else load_settings()


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress display, handed to services as a `(step, done, total)` callback."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total or None)
            progress.update(tasks[step], completed=done, total=total or None)

        yield report


# --- db -------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(home: HomeOption = None) -> None:
    """Create or migrate the database to the newest schema (Alembic `upgrade head`)."""
    from tipdata.system import System

    system = System.from_settings(_settings(home))
    revision = system.upgrade()
    console.print(f"database at revision {revision}: {system.database_label}")


@db_app.command("current")
def db_current(home: HomeOption = None) -> None:
    """Print the database's schema revision."""
    from tipdata.system import System

    system = System.from_settings(_settings(home))
    console.print(system.db.current_revision() or "empty (run `tipdata db upgrade`)")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write.")],
    home: HomeOption = None,
) -> None:
    """Back up the database to FILE (SQLite online backup; pg_dump custom format)."""
    from tipdata.store.backup import backup
    from tipdata.system import System

    system = System.from_settings(_settings(home))
    backup(system.db, file)
    console.print(f"backed up {system.database_label} to {file}")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="Backup file made by `tipdata db backup`.")],
    home: HomeOption = None,
) -> None:
    """Replace the database's contents with the backup in FILE."""
    from tipdata.store.backup import restore
    from tipdata.system import System

    system = System.from_settings(_settings(home))
    restore(system.db, file)
    console.print(f"restored {system.database_label} from {file}")


# --- code lists -----------------------------------------------------------------------


@codelists_app.command("check")
def codelists_check() -> None:
    """Load and validate every code list and the law catalogue; print their sizes."""
    from tipdata.codelists import load_codelists, load_law_catalogue

    sizes = load_codelists().sizes()
    sizes["law articles"] = len(load_law_catalogue().articles)
    table = Table("code list", "entries")
    for name, count in sizes.items():
        table.add_row(name, str(count))
    console.print(table)


@codelists_app.command("load")
def codelists_load(home: HomeOption = None) -> None:
    """Load the code lists and the law catalogue into the database (idempotent)."""
    from tipdata.system import System

    system = System.from_settings(_settings(home))
    counts = system.load_reference_data()
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)


# --- demo -----------------------------------------------------------------------------


@demo_app.command("generate")
def demo_generate(
    out: Annotated[Path, typer.Option("--out", help="Folder for the agency files.")],
    year: Annotated[int, typer.Option(help="Reporting year to simulate.")] = 2008,
    scale: Annotated[float, typer.Option(help="1.0 follows the 2009 report's volumes.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
) -> None:
    """Simulate one year and write each agency's export files plus a separate ground truth."""
    from tipdata.demo import generate

    with _progress() as progress:
        summary = generate(year=year, scale=scale, seed=seed, out=out, progress=progress)
    table = Table("file", "rows")
    for name, rows in summary.files.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"agency files in {out}; ground truth in {out / 'ground_truth'}")


@demo_app.command("run")
def demo_run(
    home: HomeOption = None,
    scale: Annotated[float, typer.Option(help="Size of the simulated year.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated year.")] = 1,
    serve: Annotated[bool, typer.Option(help="Serve the web app at the end.")] = False,
) -> None:
    """The main job end to end on the configured database: schema, code lists, demo data."""
    from tipdata.demo import generate
    from tipdata.system import System

    settings = _settings(home)
    system = System.from_settings(settings)
    home_dir = settings.ensure_home()
    revision = system.upgrade()
    console.print(f"[bold]1. database[/] {system.database_label} at revision {revision}")
    counts = system.load_reference_data()
    console.print(
        "[bold]2. code lists[/] " + ", ".join(f"{name} {count}" for name, count in counts.items())
    )
    out = home_dir / "demo" / "delivery"
    with _progress() as progress:
        summary = generate(year=2008, scale=scale, seed=seed, out=out, progress=progress)
    total = sum(summary.files.values())
    console.print(
        f"[bold]3. demo data[/] {len(summary.files)} agency files, {total:,} rows "
        f"in {out} (ground truth in {out / 'ground_truth'})"
    )
    console.print(f"outputs: {home_dir.resolve()}")
    if serve:
        console.print("(no web app yet: nothing to serve)")


def main() -> None:
    """Console-script entry point."""
    app()
