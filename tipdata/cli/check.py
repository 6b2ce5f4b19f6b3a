"""`tipdata check ...`: run the legal and pathway checks, list findings per court and year."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tipdata.cli._common import HomeOption, console, group, progress_bars, system_for

app = group("Legal checks of charges and sentences, and pathway checks; findings per court/year.")
app.info.no_args_is_help = False


@app.callback(invoke_without_command=True)
def _default(ctx: typer.Context, home: HomeOption = None) -> None:
    """`tipdata check` alone runs every check (same as `tipdata check run`)."""
    if ctx.invoked_subcommand is None:
        run(home=home)


@app.command("run")
def run(
    home: HomeOption = None,
    grace_days: Annotated[
        int | None,
        typer.Option(help="Days allowed from rescue to referral [default: the checks' own, 30]."),
    ] = None,
    pending_months: Annotated[
        int | None,
        typer.Option(
            help="Months after which an open arrest is reported [default: the checks' own, 12]."
        ),
    ] = None,
    store: Annotated[bool, typer.Option(help="Store the findings as a check run.")] = True,
) -> None:
    """Run every check and print a summary table (findings per court/agency, year and rule)."""
    from tipdata.checks import run_checks
    from tipdata.legal import summarise_findings

    system = system_for(home)
    with progress_bars() as progress:
        results = run_checks(
            system.db,
            grace_days=grace_days,
            pending_months=pending_months,
            store=store,
            progress=progress,
        )
    table = Table("court / agency", "year", "rule", "severity", "findings", title="Findings")
    for (agency, year, rule, severity), count in sorted(
        summarise_findings(results.findings).items(),
        key=lambda item: (item[0][0], item[0][1] or 0, item[0][2]),
    ):
        table.add_row(agency, str(year or "-"), rule, severity, str(count))
    console.print(table)
    console.print(
        f"{len(results.findings)} findings: {results.judgments} judgments, "
        f"{results.victim_pathways} victim pathways, "
        f"{results.prosecution_pathways} prosecution pathways"
        + (f"; stored as check run {results.run.run_id}" if results.run else "")
    )


@app.command("list")
def list_(
    home: HomeOption = None,
    court: Annotated[str | None, typer.Option(help="Court or agency code, e.g. PPMC.")] = None,
    year: Annotated[int | None, typer.Option(help="Year of the verdict or step.")] = None,
    rule: Annotated[str | None, typer.Option(help="One rule code.")] = None,
) -> None:
    """List the stored findings of the latest run, per court and year."""
    from tipdata.legal import list_findings

    system = system_for(home)
    with system.db.session() as session:
        findings = list_findings(session, actor=None, agency=court, year=year, rule=rule)
    table = Table("court / agency", "year", "severity", "rule", "subject", "message")
    for finding in findings:
        table.add_row(
            finding.agency or "-",
            str(finding.year or "-"),
            finding.severity,
            finding.rule,
            f"{finding.subject_type}:{finding.subject_id}",
            finding.message,
        )
    console.print(table)
    console.print(f"{len(findings)} findings")
