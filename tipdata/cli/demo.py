"""`tipdata demo ...`: synthetic agency data with ground truth, and the end-to-end demo job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tipdata.cli._common import HomeOption, console, group, progress_bars, settings_for

app = group("Synthetic agency data with ground truth, and the end-to-end demo.")


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder for the agency files.")],
    year: Annotated[int, typer.Option(help="Reporting year to simulate.")] = 2008,
    scale: Annotated[float, typer.Option(help="1.0 follows the 2009 report's volumes.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
) -> None:
    """Simulate one year and write each agency's export files plus a separate ground truth."""
    from tipdata.demo import generate as generate_demo

    with progress_bars() as progress:
        summary = generate_demo(year=year, scale=scale, seed=seed, out=out, progress=progress)
    table = Table("file", "rows")
    for name, rows in summary.files.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"agency files in {out}; ground truth in {out / 'ground_truth'}")


@app.command("run")
def run(
    home: HomeOption = None,
    scale: Annotated[float, typer.Option(help="Size of the simulated year.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated year.")] = 1,
    serve: Annotated[bool, typer.Option(help="Serve the web app at the end.")] = False,
) -> None:
    """The main job end to end on the configured database: schema, code lists, demo data."""
    from tipdata.demo import generate as generate_demo
    from tipdata.system import System

    settings = settings_for(home)
    system = System.from_settings(settings)
    home_dir = settings.ensure_home()
    revision = system.upgrade()
    console.print(f"[bold]1. database[/] {system.database_label} at revision {revision}")
    counts = system.load_reference_data()
    listed = ", ".join(f"{name} {count}" for name, count in counts.items())
    console.print(f"[bold]2. code lists[/] {listed}")
    out = home_dir / "demo" / "delivery"
    with progress_bars() as progress:
        summary = generate_demo(year=2008, scale=scale, seed=seed, out=out, progress=progress)
    total = sum(summary.files.values())
    console.print(
        f"[bold]3. demo data[/] {len(summary.files)} agency files, {total:,} rows "
        f"in {out} (ground truth in {out / 'ground_truth'})"
    )
    from tipdata.demo.users import create_demo_users

    users = create_demo_users(system)
    console.print("[bold]4. demo users[/] (user, role, agency, password, TOTP secret)")
    for user in users:
        console.print(
            f"   {user.username:<20} {user.role:<24} {user.agency:<10} {user.password}  "
            f"{user.totp_secret or '-'}",
            soft_wrap=True,
            highlight=False,
        )
    console.print("demo passwords are new on every run; never use demo mode for real data")
    console.print(f"outputs: {home_dir.resolve()}")
    if serve:
        console.print("(no web app yet: nothing to serve)")
