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
    from tipdata.demo import generate_demo

    with progress_bars() as progress:
        summary = generate_demo(year=year, scale=scale, seed=seed, out=out, progress=progress)
    table = Table("file", "rows")
    for name, rows in summary.files.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"agency files in {out}; ground truth in {out / 'ground_truth'}")


@app.command("partners")
def partners(
    out: Annotated[Path, typer.Option("--out", help="Folder for the partners' files.")],
    people: Annotated[int, typer.Option(help="Persons on the Cambodian side.")] = 150,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
) -> None:
    """Write Thailand's and Viet Nam's own hand-over lists (their layouts) with their truth."""
    from tipdata.demo import write_partner_files

    written = write_partner_files(out, people=people, seed=seed)
    table = Table("file", "rows")
    for name, rows in written.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"partner files in {out}; ground truth in {out / 'ground_truth'}")


@app.command("run")
def run(
    home: HomeOption = None,
    scale: Annotated[float, typer.Option(help="Size of the simulated year.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated year.")] = 1,
    serve: Annotated[bool, typer.Option(help="Serve the web app at the end.")] = False,
) -> None:
    """The main job end to end: schema, code lists, demo data, import, linkage, checks, reports."""
    from tipdata.demo import run_demo
    from tipdata.system import System

    settings = settings_for(home)
    system = System.from_settings(settings)

    def say(message: str) -> None:
        console.print(message, soft_wrap=True, highlight=False)

    with progress_bars() as progress:
        summary = run_demo(system, scale=scale, seed=seed, progress=progress, say=say)
    console.print("demo users (user, role, agency, password, second factor):")
    for user in summary.users:
        console.print(
            f"   {user.username:<20} {user.role:<24} {user.agency:<10} {user.password}  "
            f"{'enrol at first sign-in' if user.enrols_totp else '-'}",
            soft_wrap=True,
            highlight=False,
        )
    if any(user.enrols_totp for user in summary.users):
        console.print(
            "users marked 'enrol at first sign-in' sign in with their password, then scan "
            "the QR code shown with an authenticator app and type its 6-digit code",
            soft_wrap=True,
            highlight=False,
        )
    console.print("demo passwords are new on every run; never use demo mode for real data")
    console.print(f"outputs: {settings.home.resolve()}")
    if serve:
        from tipdata.cli.serve import serve_system

        serve_system(system)
