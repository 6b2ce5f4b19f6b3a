"""Bulk import of provincial reports: a file of reports through the workflow, all or nothing.

Each report goes through the workflow of one report (:mod:`tipdata.provincial.submissions`:
the same checks of who acts, the same validation rules).

Bulk import reads three layouts (``docs/provincial-reporting.md``):

* **wide CSV** as the provincial working groups send it (``pwg_biweekly_<year>.csv``):
  one row per report, ``Province``, ``Period Start``, ``Period End``,
  ``Submitted At`` and one column per value (``victims_identified_female_child``);
* **long CSV**: ``province, period, data_element, disaggregation, value,
  submitted_at``, one row per value;
* **JSON**: ``{"data_set": ..., "reports": [{"province", "period", "submitted_at",
  "values": {"element[.disaggregation]": n}}]}``.

A file is imported whole or not at all: every problem is reported with file, row
and field, and nothing of the file is kept if there is one. A report with a
``submitted_at`` is submitted at that time; without one it is saved as a draft.
Re-importing a file changes nothing: reports already received with the same
values are skipped.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from tipdata.access.errors import AccessDenied
from tipdata.access.policy import Acting
from tipdata.errors import DataFileError
from tipdata.periods import Period, PeriodError, bi_week_of
from tipdata.provincial.datasets import TOTAL, ValueKey
from tipdata.provincial.errors import InvalidValueError, ReportingError, ReportValidationError
from tipdata.provincial.report_rows import find_report_row, report_values
from tipdata.provincial.submissions import save_draft, submit
from tipdata.provincial.transitions import RECEIVED_STATUSES, check_may_edit
from tipdata.provincial.workflow import ReportView, Workflow, default_workflow, parse_count

log = logging.getLogger(__name__)

LONG_COLUMNS = ("province", "period", "data_element", "disaggregation", "value", "submitted_at")
"""Columns of the generic long CSV layout (``disaggregation`` and ``submitted_at`` may be blank)."""

WIDE_COLUMNS = ("Province", "Period Start", "Period End", "Submitted At")
"""Columns every wide CSV (the PWG layout) has besides its value columns."""

MAX_PROBLEMS_SHOWN = 20

FileFormat = Literal["wide_csv", "long_csv", "json", "dhis2_json", "dhis2_csv", "adx"]


class ReportImportError(DataFileError):
    """An import file has problems; nothing of it was imported.

    Attributes:
        problems: every problem found, each naming the file, row and field.
    """

    def __init__(self, file: str | Path, problems: Sequence[DataFileError]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        more = f"; and {len(self.problems) - 1} more problem(s)" if len(self.problems) > 1 else ""
        super().__init__(
            file,
            f"nothing imported: {first.message}{more}",
            line=first.line,
            field=first.field,
            value=first.value,
        )


@dataclass
class _Incoming:
    """One report read from a file, before it is saved."""

    row: int
    province: str
    period: Period
    submitted_at: datetime | None
    values: dict[ValueKey, int | None] = field(default_factory=dict)
    fields: dict[ValueKey, str] = field(default_factory=dict)


IncomingReport = _Incoming
"""One report read from a file, before it is saved (for readers of other formats)."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import did.

    Attributes:
        file: the file imported.
        format: the layout detected.
        reports: reports read from the file.
        submitted: reports submitted.
        drafts: reports saved as drafts.
        unchanged: reports already in the database with the same values.
        warnings: validation warnings of the imported reports, by rule code.
    """

    file: str
    format: FileFormat
    reports: int
    submitted: int
    drafts: int
    unchanged: int
    warnings: dict[str, int]


def import_reports(
    session: Session,
    path: str | Path,
    actor: Acting,
    *,
    workflow: Workflow | None = None,
) -> ImportSummary:
    """Import every report of a wide CSV, long CSV or JSON file, all or nothing.

    Args:
        session: an open session; the file's work runs in a savepoint of it and is
            rolled back entirely when anything is wrong; not committed here.
        path: the file (``.csv`` or ``.json``).
        actor: who imports (see :data:`~tipdata.access.policy.Acting`); a
            signed-in provincial user may import only their own province's reports.
        workflow: the data set and rules (the PWG bi-weekly report by default).

    Returns:
        The counts.

    Raises:
        ReportImportError: the file cannot be read, a row is wrong, or a report
            breaks a validation rule of importance error, cannot be changed
            (already received with other values) or is outside the actor's scope;
            each problem names the file, row and field.
    """
    flow = workflow or default_workflow()
    file = Path(path)
    file_format, incoming = read_reports(file, workflow=flow)
    return store_reports(session, file, file_format, incoming, actor, workflow=flow)


def store_reports(
    session: Session,
    file: Path,
    file_format: FileFormat,
    incoming: Sequence[IncomingReport],
    actor: Acting,
    *,
    workflow: Workflow | None = None,
) -> ImportSummary:
    """Store reports read from ``file`` (by any reader), all or nothing.

    The second half of :func:`import_reports`, for readers of other formats (DHIS2
    files, :mod:`tipdata.standards.dhis2_exchange`); same rules, same errors.
    """
    flow = workflow or default_workflow()
    problems: list[DataFileError] = []
    warnings: Counter[str] = Counter()
    counts = Counter[str]()
    savepoint = session.begin_nested()
    try:
        for report in sorted(incoming, key=lambda r: (r.period.start, r.province)):
            try:
                outcome, view = _import_one(session, flow, report, actor)
            except ReportValidationError as error:
                for result in error.blocking:
                    key = (result.data_element, result.disaggregation)
                    problems.append(
                        DataFileError(
                            file,
                            result.message,
                            line=report.row,
                            field=report.fields.get(key, ".".join(key)),
                        )
                    )
                continue
            except (ReportingError, PeriodError, AccessDenied) as error:
                problems.append(DataFileError(file, str(error), line=report.row))
                continue
            counts[outcome] += 1
            if view is not None:
                warnings.update(r.rule for r in view.results if not r.blocking)
        if problems:
            raise ReportImportError(file, sorted(problems, key=lambda p: p.line or 0))
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    summary = ImportSummary(
        file=str(file),
        format=file_format,
        reports=len(incoming),
        submitted=counts["submitted"],
        drafts=counts["draft"],
        unchanged=counts["unchanged"],
        warnings=dict(sorted(warnings.items())),
    )
    log.info(
        "imported %s: %d reports, %d submitted, %d drafts, %d unchanged",
        file.name,
        summary.reports,
        summary.submitted,
        summary.drafts,
        summary.unchanged,
    )
    return summary


def _import_one(
    session: Session, flow: Workflow, report: _Incoming, actor: Acting
) -> tuple[str, ReportView | None]:
    check_may_edit(actor, report.province)
    existing = find_report_row(session, flow, report.province, report.period)
    if existing is not None and existing.status in RECEIVED_STATUSES:
        if _same_figures(flow, report_values(existing), report.values):
            return "unchanged", None
        raise ReportingError(
            f"the report of province {report.province} for {report.period.code} was already "
            f"{existing.status.value} with other values; reopen it before importing a correction"
        )
    if report.submitted_at is None:
        view = save_draft(
            session, actor, report.province, report.period, report.values, workflow=flow
        )
        return "draft", view
    view = submit(
        session,
        actor,
        report.province,
        report.period,
        report.values,
        at=report.submitted_at,
        workflow=flow,
    )
    return "submitted", view


def _same_figures(
    flow: Workflow, stored: dict[ValueKey, int | None], incoming: dict[ValueKey, int | None]
) -> bool:
    """Whether two reports state the same figures, entered or implied (leaves vs. margins)."""
    if stored == incoming:
        return True
    data_set = flow.data_set
    return all(
        data_set.value(stored, key) == data_set.value(incoming, key)
        for key in data_set.keys()  # noqa: SIM118 - a DataSet, not a dict
    )


def read_reports(
    path: Path, *, workflow: Workflow | None = None
) -> tuple[FileFormat, list[_Incoming]]:
    """Read and check every report of an import file without touching the database.

    Raises:
        ReportImportError: every problem found, each with file, row and field.
    """
    flow = workflow or default_workflow()
    if path.suffix.lower() == ".json":
        return "json", _read_json(path, flow)
    rows = _read_csv(path)
    header = rows[0][1].keys() if rows else _csv_header(path)
    if set(LONG_COLUMNS[:4]) <= set(header):
        return "long_csv", _read_long(path, rows, flow)
    if set(WIDE_COLUMNS) <= set(header):
        return "wide_csv", _read_wide(path, rows, flow)
    raise ReportImportError(
        path,
        [
            DataFileError(
                path,
                "unknown layout: expected the long columns "
                f"({', '.join(LONG_COLUMNS)}) or the wide columns ({', '.join(WIDE_COLUMNS)}, "
                "then one column per value)",
                line=1,
            )
        ],
    )


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows with their spreadsheet row number (the header is row 1, as in `tipdata import`)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = []
            for number, row in enumerate(reader, start=2):
                if None in row:
                    raise ReportImportError(
                        path, [DataFileError(path, "more cells than header columns", line=number)]
                    )
                rows.append((number, {k.strip(): (v or "").strip() for k, v in row.items()}))
            return rows
    except (OSError, UnicodeDecodeError) as error:
        raise ReportImportError(
            path, [DataFileError(path, f"cannot read the file: {error}")]
        ) from error


class _Problems:
    """Collects problems of one file; raises them together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[DataFileError] = []

    def add(self, row: int | None, field_name: str | None, message: str, value: object) -> None:
        self.items.append(
            DataFileError(self.path, message, line=row, field=field_name, value=value)
        )

    def raise_if_any(self) -> None:
        if self.items:
            raise ReportImportError(self.path, self.items)


def _repeats_a_report(
    problems: _Problems,
    seen: dict[tuple[str, str], int],
    number: int,
    field_name: str,
    unit: str,
    province: str,
    period: Period,
) -> bool:
    """Whether an earlier row or report of the file is of the same province and period.

    The first one is remembered in ``seen``; a later one is refused as a problem naming
    the earlier one (``unit``: ``row`` in a wide CSV, ``report`` in JSON).
    """
    first = seen.setdefault((province, period.code), number)
    if first == number:
        return False
    problems.add(
        number,
        field_name,
        f"second report of the same province and period ({unit} {first})",
        period.code,
    )
    return True


def _province(flow: Workflow, text: str) -> str | None:
    found = flow.data_set.codelists.resolve_province(text) if text else None
    return found.code if found is not None else None


def _timestamp(text: str) -> datetime:
    """``yyyy-mm-dd HH:MM[:SS]`` or ISO 8601 (naive = Cambodia time)."""
    return datetime.fromisoformat(text.replace("T", " ") if "T" in text else text)


def _read_wide(
    path: Path, rows: list[tuple[int, dict[str, str]]], flow: Workflow
) -> list[_Incoming]:
    problems = _Problems(path)
    header = list(rows[0][1]) if rows else []
    columns = {name: flow.data_set.parse_column(name) for name in header}
    value_columns = {name: key for name, key in columns.items() if key is not None}
    known = {"Report ID", "Period", *WIDE_COLUMNS}
    for name, key in columns.items():
        if key is None and name not in known:
            problems.add(1, name, f"not a value of data set {flow.data_set.code}", None)
    problems.raise_if_any()
    reports: list[_Incoming] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in rows:
        province = _province(flow, row["Province"])
        if province is None:
            problems.add(number, "Province", "unknown province", row["Province"])
        period = _wide_period(problems, number, row)
        submitted_at = _optional_time(problems, number, "Submitted At", row["Submitted At"])
        values: dict[ValueKey, int | None] = {}
        fields: dict[ValueKey, str] = {}
        for name, key in value_columns.items():
            fields[key] = name
            try:
                values[key] = parse_count(row[name], name)
            except InvalidValueError as error:
                problems.add(number, name, error.message, row[name])
        if province is None or period is None:
            continue
        if _repeats_a_report(problems, seen, number, "Period", "row", province, period):
            continue
        reports.append(_Incoming(number, province, period, submitted_at, values, fields))
    problems.raise_if_any()
    return reports


def _wide_period(problems: _Problems, number: int, row: dict[str, str]) -> Period | None:
    """The ISO bi-week of a wide row: the one that holds the middle day of its dates.

    Provincial files count bi-weeks from 1 January, a day or so off the ISO bi-weeks
    tipdata reports by (``docs/provincial-reporting.md``); the middle day settles it.
    """
    dates: list[date] = []
    for column in ("Period Start", "Period End"):
        try:
            dates.append(date.fromisoformat(row[column]))
        except ValueError:
            problems.add(number, column, "expected a date yyyy-mm-dd", row[column])
    if len(dates) != 2:
        return None
    start, end = dates
    if end < start or (end - start).days > 31:
        problems.add(
            number, "Period End", "the period must end 0-31 days after it starts", row["Period End"]
        )
        return None
    middle = start + timedelta(days=(end - start).days // 2)
    return bi_week_of(middle)


def _optional_time(problems: _Problems, number: int, column: str, text: str) -> datetime | None:
    if text == "":
        return None
    try:
        return _timestamp(text)
    except ValueError:
        problems.add(number, column, "expected a time yyyy-mm-dd HH:MM", text)
        return None


def _read_long(
    path: Path, rows: list[tuple[int, dict[str, str]]], flow: Workflow
) -> list[_Incoming]:
    problems = _Problems(path)
    reports: dict[tuple[str, str], _Incoming] = {}
    for number, row in rows:
        province = _province(flow, row.get("province", ""))
        if province is None:
            problems.add(number, "province", "unknown province", row.get("province"))
        period: Period | None = None
        try:
            period = flow.data_set.parse_period(row.get("period", ""))
        except (PeriodError, DataFileError) as error:
            problems.add(number, "period", str(getattr(error, "message", error)), row.get("period"))
        element = row.get("data_element", "")
        disaggregation = row.get("disaggregation", "") or TOTAL
        key = (element, disaggregation)
        if not flow.data_set.is_key(key):
            bad = (
                "data_element"
                if element not in {e.code for e in flow.data_set.elements}
                else "disaggregation"
            )
            problems.add(number, bad, f"not a value of data set {flow.data_set.code}", row.get(bad))
        value: int | None = None
        try:
            value = parse_count(row.get("value", ""), "value")
        except InvalidValueError as error:
            problems.add(number, "value", error.message, row.get("value"))
        submitted_at = _optional_time(problems, number, "submitted_at", row.get("submitted_at", ""))
        if province is None or period is None:
            continue
        report = reports.setdefault(
            (province, period.code), _Incoming(number, province, period, submitted_at)
        )
        if report.submitted_at != submitted_at:
            problems.add(
                number,
                "submitted_at",
                f"differs from row {report.row} of the same report",
                row.get("submitted_at"),
            )
        if key in report.values:
            problems.add(number, "data_element", "value given twice for this report", element)
        report.values[key] = value
        report.fields[key] = f"{element}.{disaggregation}"
    problems.raise_if_any()
    return list(reports.values())


def _read_json(path: Path, flow: Workflow) -> list[_Incoming]:
    problems = _Problems(path)
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ReportImportError(
            path, [DataFileError(path, f"cannot read the file: {error}")]
        ) from error
    except json.JSONDecodeError as error:
        raise ReportImportError(
            path, [DataFileError(path, f"not valid JSON: {error.msg}", line=error.lineno)]
        ) from error
    except RecursionError:  # e.g. [[[[...]]]]: the parser recurses once per level
        raise ReportImportError(
            path, [DataFileError(path, "not valid JSON: nested too deeply")]
        ) from None
    except ValueError as error:  # e.g. a number of more than 4,300 digits
        raise ReportImportError(path, [DataFileError(path, f"not valid JSON: {error}")]) from None
    if isinstance(document, dict):
        data_set = document.get("data_set", flow.data_set.code)
        if data_set != flow.data_set.code:
            problems.add(None, "data_set", f"expected {flow.data_set.code}", data_set)
        items = document.get("reports")
    else:
        items = document
    if not isinstance(items, list):
        problems.add(None, "reports", "expected a list of reports", None)
        problems.raise_if_any()
        return []
    reports: list[_Incoming] = []
    seen: dict[tuple[str, str], int] = {}
    for number, item in enumerate(items, start=1):
        where = f"reports[{number - 1}]"
        if not isinstance(item, dict):
            problems.add(number, where, "expected an object", None)
            continue
        province = _province(flow, str(item.get("province", "")))
        if province is None:
            problems.add(number, f"{where}.province", "unknown province", item.get("province"))
        period: Period | None = None
        try:
            period = flow.data_set.parse_period(str(item.get("period", "")))
        except (PeriodError, DataFileError) as error:
            problems.add(
                number, f"{where}.period", str(getattr(error, "message", error)), item.get("period")
            )
        submitted_text = item.get("submitted_at") or ""
        submitted_at = _optional_time(
            problems, number, f"{where}.submitted_at", str(submitted_text)
        )
        values: dict[ValueKey, int | None] = {}
        fields: dict[ValueKey, str] = {}
        raw_values = item.get("values")
        if not isinstance(raw_values, dict):
            problems.add(number, f"{where}.values", "expected an object of values", None)
            raw_values = {}
        for name, value in raw_values.items():
            field_name = f"{where}.values.{name}"
            try:
                key = flow.data_set.parse_key(str(name))
            except KeyError:
                problems.add(
                    number, field_name, f"not a value of data set {flow.data_set.code}", None
                )
                continue
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                problems.add(number, field_name, "a count must be a whole number or null", value)
                continue
            values[key] = value
            fields[key] = field_name
        if province is None or period is None:
            continue
        if _repeats_a_report(problems, seen, number, f"{where}.period", "report", province, period):
            continue
        reports.append(_Incoming(number, province, period, submitted_at, values, fields))
    problems.raise_if_any()
    return reports
