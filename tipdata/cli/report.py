"""`tipdata report ...`: TIP-report tables, international aggregates, publication, explanation."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tipdata.cli._common import HomeOption, console, group, system_for

app = group("National statistics: TIP-report tables, UNODC/SDG aggregates, explain a figure.")

YearOption = Annotated[
    int | None,
    typer.Option(
        "--year",
        help="Calendar year of the figures: 1 January - 31 December "
        "(for a TIP year such as 2009TIP give --from 2008-04-01 --to 2009-03-31).",
    ),
]
FromOption = Annotated[
    datetime | None,
    typer.Option("--from", formats=["%Y-%m-%d"], help="First day (e.g. 2008-04-01)."),
]
ToOption = Annotated[
    datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (e.g. 2009-03-31).")
]


def _period(
    year: int | None, start: datetime | None, end: datetime | None, home: Path | None = None
) -> tuple[date, date]:
    """The period given; with none at all, the service's default (the year of the newest data)."""
    from tipdata.reporting import default_report_period, report_period

    if year is None and start is None and end is None:
        return default_report_period(system_for(home).db, None)
    return report_period(year, start.date() if start else None, end.date() if end else None)


@app.command("tip")
def tip(
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write HTML, XLSX and CSV here.")
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Apply disclosure control; fail if unsafe.")
    ] = False,
    threshold: Annotated[
        int | None,
        typer.Option(help="Suppress counts 1..threshold-1 (default TIPDATA_DISCLOSURE_THRESHOLD)."),
    ] = None,
    rounding: Annotated[
        int | None, typer.Option(help="Round published values to this base (e.g. 5).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Compute the TIP-report tables (de-duplicated, with naive agency sums beside them)."""
    from tipdata.reporting import (
        publish_report,
        record_export,
        release_report,
        release_threshold,
        tip_report,
        write_report,
    )

    first, last = _period(year, start, end, home)
    system = system_for(home)
    if year is None and start is None and end is None:
        console.print(f"no period given: {first} to {last} (the year of the newest data)")
    report = tip_report(system.db, first, last)
    limit = release_threshold(system.settings, threshold)
    if publish and out is not None:
        released = release_report(
            system.db, report, out, actor=None, threshold=limit, rounding_base=rounding,
            stem=f"tip-{first.isoformat()}-{last.isoformat()}-published",
            period_types=system.settings.release_period_types,
        )  # fmt: skip
        console.print(
            f"release {released.release.release_id} stored; digest {released.published.digest}"
        )
        for cell in released.release.overlap_suppressed:
            console.print(f"suppressed because an earlier release overlaps: {cell}")
        console.print(str(released.paths["html"].resolve()))
        return
    published = publish_report(report, threshold=limit, rounding_base=rounding) if publish else None
    if out is None:
        for table in report.tables:
            total = table.cell("Total", "Total") if "Total" in table.rows else None
            shown = f"{total.value:,} (agency records {total.naive:,})" if total else ""
            console.print(f"{table.name:35} {shown}")
        return
    stem = f"tip-{first.isoformat()}-{last.isoformat()}" + ("-published" if publish else "")
    paths = write_report(report, out, published=published, stem=stem)
    record_export(
        system.db, None, first, last, ",".join(sorted(paths)),
        {"kind": "internal"},
    )  # fmt: skip
    if published is not None:
        console.print(f"release digest {published.digest}")
    console.print(str(paths["html"].resolve()))


@app.command("releases")
def releases(
    kind: Annotated[
        str | None, typer.Option(help="Only this report kind, e.g. tip_report.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """List the stored releases of published figures, newest first (with file hashes)."""
    from tipdata.reporting import list_releases

    system = system_for(home)
    found = list_releases(system.db, actor=None, report_kind=kind)
    table = Table("id", "kind", "period", "tables", "threshold", "released by", "released at",
                  "digest", "files (sha256)", title="Releases")  # fmt: skip
    for item in found:
        table.add_row(
            str(item.release_id),
            item.report_kind,
            f"{item.period_start} to {item.period_end}",
            str(len(item.tables)),
            str(item.threshold) + (f" (round {item.rounding_base})" if item.rounding_base else ""),
            item.released_by,
            item.released_at.strftime("%Y-%m-%d %H:%M"),
            item.digest[:16],
            "\n".join(f"{name} {sha[:16]}" for name, sha in sorted(item.files.items())),
        )
    console.print(table)
    console.print(f"{len(found)} releases")


@app.command("international")
def international(
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the files.")] = Path("."),
    htcds: Annotated[bool, typer.Option(help="Also write the HTCDS case-level export.")] = False,
    for_publication: Annotated[
        bool, typer.Option("--for-publication", help="k-anonymous HTCDS export (k=11).")
    ] = False,
    home: HomeOption = None,
) -> None:
    """UNODC / SDG 16.2.2 aggregates, and optionally the HTCDS case-level export."""
    from tipdata.reporting import htcds_export, unodc_report, write_htcds, write_report

    first, last = _period(year, start, end, home)
    system = system_for(home)
    paths = write_report(unodc_report(system.db, first, last), out, stem="unodc")
    console.print(str(paths["html"].resolve()))
    if htcds:
        export = htcds_export(system.db, first, last, for_publication=for_publication)
        path = write_htcds(export, out)
        console.print(f"{path.resolve()} ({len(export.rows)} rows, {export.dropped} dropped)")


@app.command("sdmx")
def sdmx(
    year: Annotated[int, typer.Option("--year", help="Calendar year of the figures.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the files.")] = Path("."),
    threshold: Annotated[
        int | None,
        typer.Option(help="Suppress counts 1..threshold-1 (default TIPDATA_DISCLOSURE_THRESHOLD)."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Release SDG 16.2.2 through the disclosure-control gate and write it as SDMX-CSV."""
    from tipdata.reporting import release_threshold
    from tipdata.standards.sdmx import release_sdg

    system = system_for(home)
    limit = release_threshold(system.settings, threshold)
    path, released = release_sdg(system.db, year, out, actor=None, threshold=limit)
    suppressed = released.published.suppressed_cells
    console.print(
        f"{path.resolve()} (release {released.release.release_id}, {suppressed} cells suppressed)",
        markup=False, highlight=False,
    )  # fmt: skip


@app.command("ctdc")
def ctdc(
    year: Annotated[int, typer.Option("--year", help="Calendar year of the victims.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the file.")] = Path("."),
    home: HomeOption = None,
) -> None:
    """Release the victims of a year in the CTDC profile, k-anonymous (k = 11), through the
    release gate: its counts are checked and stored as a release with the file."""
    from tipdata.standards.ctdc_release import release_ctdc

    system = system_for(home)
    result = release_ctdc(system.db, year, out, actor=None)
    release = result.file
    withheld = ", ".join(release.withheld) or "none"
    console.print(
        f"{result.path.resolve()} ({len(release.rows)} rows, {release.dropped} dropped; "
        f"k = {release.k}; columns withheld: {withheld}; "
        f"release {result.released.release.release_id})",
        markup=False, highlight=False,
    )  # fmt: skip


@app.command("explain")
def explain(
    table: Annotated[str, typer.Argument(help="Table name, e.g. victims_by_sex_age.")],
    row: Annotated[str, typer.Argument(help="Row code or label, e.g. female.")],
    column: Annotated[str, typer.Argument(help="Column code or label, e.g. child, Total.")],
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    home: HomeOption = None,
) -> None:
    """Expand one figure to its persons/cases/charges and their source rows."""
    from tipdata.reporting import explain_tip_figure

    first, last = _period(year, start, end, home)
    system = system_for(home)
    result = explain_tip_figure(system.db, first, last, table, row, column, actor=None)
    console.print(
        f"{result.table} [{result.row} × {result.column}] = {result.value} "
        f"(agency records {result.naive}); indicator {result.indicator}",
        markup=False,
    )
    for unit in result.units:
        console.print(f"  {unit.label}", markup=False)
        for fact in unit.facts:
            where = fact.source_row
            origin = (
                f"{where.file_name} row {where.row_number} ({where.record_key}, "
                f"import run {where.import_run_id})"
                if where
                else "no source row"
            )
            console.print(f"    {fact.kind} {fact.id}: {origin}", highlight=False, markup=False)


@app.command("dashboard")
def dashboard(
    year: Annotated[
        int | None, typer.Option(help="Calendar year (default: the year of the newest data).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """The national dashboard of a year as JSON: the sections the web's dashboard shows."""
    from tipdata.reporting import DashboardContext, build_dashboard

    board = build_dashboard(DashboardContext(db=system_for(home).db), None, year)
    typer.echo(board.out().model_dump_json(indent=2))
