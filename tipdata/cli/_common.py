"""What every command module shares: the root app, consoles, settings and progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
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


def group(help_text: str, *, no_args_is_help: bool = True) -> typer.Typer:
    """A command group whose `TipdataError`s become one clear line and exit code 2.

    Args:
        help_text: the group's help.
        no_args_is_help: print the help when no sub-command is given; False for a group
            whose callback does the main work (``tipdata link`` links).
    """
    return typer.Typer(
        cls=_TipdataGroup,
        help=help_text,
        no_args_is_help=no_args_is_help,
        pretty_exceptions_enable=False,
        add_completion=False,
    )


HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home", help="Folder for the database and outputs (TIPDATA_HOME).", show_default=False
    ),
]


def settings_for(home: Path | None) -> Settings:
    """Settings from the environment, with `--home` overriding TIPDATA_HOME."""
    return load_settings(home=home) if home is not None else load_settings()


def system_for(home: Path | None) -> Any:
    """The `System` for these settings (imported lazily so `--help` stays fast)."""
    from tipdata.system import System

    return System.from_settings(settings_for(home))


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int, int], None]]:
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
