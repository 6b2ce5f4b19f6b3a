"""`tipdata provincial ...`: provincial bi-weekly reports — import, submit, completeness."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tipdata.access import LOCAL_OPERATOR
from tipdata.cli._common import HomeOption, console, group, system_for
from tipdata.errors import DataFileError

app = group("Provincial periodic reports: bulk import, submission, completeness and timeliness.")

ActorOption = Annotated[
    str, typer.Option("--actor", help="Who does this; recorded in the report's history.")
]


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="Wide CSV (PWG layout), long CSV or JSON file.")],
    actor: ActorOption = LOCAL_OPERATOR,
    home: HomeOption = None,
) -> None:
    """Import every report of FILE, all or nothing (see docs/provincial-reporting.md)."""
    from tipdata.provincial import import_reports

    system = system_for(home)
    with system.db.session() as session:
        summary = import_reports(session, file, actor)
    console.print(
        f"{file.name} ({summary.format}): {summary.reports} reports — {summary.submitted} "
        f"submitted, {summary.drafts} drafts, {summary.unchanged} unchanged"
    )
    for rule, count in summary.warnings.items():
        console.print(f"  warning {rule}: {count} report(s)")


@app.command("xlsform")
def xlsform_command(
    out: Annotated[Path, typer.Option("--out", help="The XLSForm (.xlsx) to write.")],
) -> None:
    """Write the report's XLSForm for ODK Collect / KoboToolbox (checked with pyxform)."""
    from tipdata.standards.odk import write_xlsform

    console.print(str(write_xlsform(out)), markup=False, highlight=False)


@app.command("import-odk")
def import_odk(
    file: Annotated[Path, typer.Argument(help="ODK Central or KoboToolbox export (CSV/XLSX).")],
    actor: ActorOption = LOCAL_OPERATOR,
    home: HomeOption = None,
) -> None:
    """Import the submissions of an ODK/Kobo export of the XLSForm, all or nothing."""
    from tipdata.standards.odk import import_submissions

    system = system_for(home)
    with system.db.session() as session:
        summary, skipped = import_submissions(session, file, actor)
    console.print(
        f"{file.name}: {summary.reports} reports — {summary.submitted} submitted, "
        f"{summary.drafts} drafts (held back by a reviewer), {summary.unchanged} unchanged, "
        f"{skipped} rejected by a reviewer (not imported)"
    )
    for rule, count in summary.warnings.items():
        console.print(f"  warning {rule}: {count} report(s)")


@app.command("submit")
def submit_report(
    province: Annotated[str, typer.Argument(help="Province code or name.")],
    period: Annotated[str, typer.Argument(help="Bi-week code, e.g. 2008BW03.")],
    values: Annotated[
        Path | None,
        typer.Option(
            "--values",
            help="JSON object {element[.disaggregation]: count} or CSV with columns "
            "data_element, disaggregation, value. Without it the saved draft is submitted.",
        ),
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Save as a draft only.")] = False,
    actor: ActorOption = LOCAL_OPERATOR,
    home: HomeOption = None,
) -> None:
    """Save and submit one province's report for one period; print rule results.

    A submission the rules refuse keeps the values as the draft (as on the web) and exits 2.
    """
    from tipdata.provincial import (
        ReportValidationError,
        save_draft,
        submit_keeping_draft,
    )

    given = _read_values(values) if values is not None else None
    system = system_for(home)
    with system.db.session() as session:
        if draft:
            view = save_draft(session, actor, province, period, given or {})
        else:
            try:
                view = submit_keeping_draft(session, actor, province, period, given)
            except ReportValidationError as refused:
                for result in refused.results:
                    console.print(
                        f"  {result.importance} {result.rule}: {result.message}", highlight=False
                    )
                console.print("not submitted: the values are kept as the draft", highlight=False)
                raise
    console.print(
        f"province {view.province_code} {view.period.code}: {view.status.value} "
        f"(version {view.version})"
    )
    for result in view.results:
        console.print(f"  {result.importance} {result.rule}: {result.message}", highlight=False)


def _read_values(path: Path) -> dict[str, int | None]:
    """Values from a small JSON or CSV file (checked against the data set by the service).

    CSV cells are read by :func:`tipdata.provincial.parse_count`, as the web form's.
    """
    from tipdata.provincial import InvalidValueError, parse_count

    try:
        if path.suffix.lower() == ".json":
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise DataFileError(path, "expected a JSON object of values")
            return {str(key): value for key, value in data.items()}
        result: dict[str, int | None] = {}
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                key = row.get("data_element", "").strip()
                if row.get("disaggregation", "").strip():
                    key += f".{row['disaggregation'].strip()}"
                text = row.get("value") or ""
                try:
                    result[key] = parse_count(text, key)
                except InvalidValueError as error:
                    raise DataFileError(
                        path, error.message, line=number, field="value", value=text
                    ) from None
        return result
    except (OSError, json.JSONDecodeError) as error:
        raise DataFileError(path, f"cannot read the values: {error}") from error


@app.command("completeness")
def completeness(
    year: Annotated[int, typer.Option("--year", help="Report on the bi-weeks of this year.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Day to report on, yyyy-mm-dd (default: the year's reporting date, "
            "or today if sooner).",
        ),
    ] = None,
    grace_days: Annotated[
        int | None, typer.Option("--grace-days", help="Days after a period until due.")
    ] = None,
    late: Annotated[int, typer.Option("--late", help="Rows of the late list to show.")] = 20,
    home: HomeOption = None,
) -> None:
    """Expected, received and on-time reports per province and nationally; who is late."""
    from tipdata.provincial import completeness_report

    day = date.fromisoformat(as_of) if as_of else None
    system = system_for(home)
    with system.db.session() as session:
        result = completeness_report(session, year=year, as_of=day, grace_days=grace_days)
    report = result.report
    table = Table(
        "province",
        "expected",
        "accepted",
        "submitted",
        "reopened",
        "draft",
        "missing",
        "on time",
        "complete",
        "timely",
        title=f"{result.data_set} {year}: as of {report.as_of}, due {report.grace_days} days "
        "after each bi-week",
    )
    for province in result.provinces:
        rates = report.by_org_unit[province.code]
        table.add_row(
            f"{province.code} {province.name}",
            str(province.expected),
            str(province.statuses["accepted"]),
            str(province.statuses["submitted"]),
            str(province.statuses["reopened"]),
            str(province.statuses["draft"]),
            str(province.missing),
            str(rates.on_time),
            _percent(rates.completeness),
            _percent(rates.timeliness),
        )
    national = report.national
    table.add_row(
        "national",
        str(national.expected),
        str(result.national_statuses["accepted"]),
        str(result.national_statuses["submitted"]),
        str(result.national_statuses["reopened"]),
        str(result.national_statuses["draft"]),
        str(result.national_missing),
        str(national.on_time),
        _percent(national.completeness),
        _percent(national.timeliness),
        style="bold",
    )
    console.print(table)
    lateness = Table(
        "province",
        "period",
        "due",
        "days late",
        "kind",
        "received",
        title=f"late and overdue reports ({len(report.overdue)} overdue, {len(report.late)} "
        f"received late; the {late} latest shown)",
    )
    listed = result.late_and_overdue[:late]
    for entry in listed:
        lateness.add_row(
            entry.org_unit,
            entry.period.code,
            entry.due.isoformat(),
            str(entry.days_late),
            entry.kind,
            _local(entry.received_at),
        )
    console.print(lateness)


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    from tipdata.provincial import CAMBODIA_TIME

    return moment.astimezone(CAMBODIA_TIME).strftime("%Y-%m-%d %H:%M")
