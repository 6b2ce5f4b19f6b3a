"""XLSX (one sheet per table) and CSV (one long table) outputs."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from tipdata.reporting.publish import PublishedReport
from tipdata.reporting.report import TOTAL, Report

CSV_HEADER = (
    "table",
    "row",
    "row_label",
    "column",
    "column_label",
    "value",
    "naive_sum",
    "status",
    "range_low",
    "range_high",
    "range_expected",
)
"""``range_*``: the figure's range over the linkage review queue (no pending pair a match /
every one; the model's expectation, internal only); empty where the cell has none, and in
a release where the gate withholds it (:mod:`tipdata.reporting.published_ranges`)."""
_SUPPRESSED = PatternFill("solid", fgColor="FDE9D9")


Bounds = tuple[int | None, int | None, float | None]
_NO_RANGE: Bounds = (None, None, None)


def _cells(report: Report, published: PublishedReport | None):  # type: ignore[no-untyped-def]
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                cell = table.cell(row, column)
                if (row, column) in table.not_recorded:
                    yield table, row, column, None, None, "not_recorded", _NO_RANGE
                elif published is None:
                    found = table.ranges.get((row, column))
                    bounds = (found.low, found.high, found.expected) if found else _NO_RANGE
                    yield table, row, column, cell.value, cell.naive, "internal", bounds
                else:
                    shown = published.table(table.name).cell(row, column)
                    bounds = (shown.low, shown.high, None)
                    yield table, row, column, shown.value, None, shown.status, bounds


def range_text(bounds: Bounds) -> str:
    """A range as printed beside its figure: ``12–15`` (``, exp. 13.4`` internally)."""
    low, high, expected = bounds
    if low is None and high is None:
        return ""
    text = f"{'?' if low is None else low}–{'?' if high is None else high}"
    return text if expected is None else f"{text}, exp. {expected:.1f}"


def write_csv(report: Report, path: Path, *, published: PublishedReport | None = None) -> Path:
    """Write every cell of every table as one CSV row (long format); returns ``path``.

    Internal reports carry ``naive_sum``; published ones leave it empty and give
    the status flag (free, primary, secondary); suppressed values are empty.
    """
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for table, row, column, value, naive, status, bounds in _cells(report, published):
            writer.writerow(
                (
                    table.name,
                    row,
                    table.label(row),
                    column,
                    table.label(column),
                    "" if value is None else value,
                    "" if naive is None else naive,
                    status,
                    *("" if bound is None else bound for bound in bounds),
                )
            )
    return path


def write_xlsx(report: Report, path: Path, *, published: PublishedReport | None = None) -> Path:
    """Write one sheet per table (figure, then naive sum for internal reports); returns ``path``."""
    workbook = Workbook()
    contents = workbook.active
    assert contents is not None
    contents.title = "Contents"
    contents.append([report.title])
    contents.append([f"Period {report.start} to {report.end}"])
    for note in report.notes:
        contents.append([note])
    contents.append([])
    contents.append(["Sheet", "Table"])
    bold = Font(bold=True)
    for index, table in enumerate(report.tables, start=1):
        sheet_name = f"T{index:02d}"
        contents.append([sheet_name, table.title])
        sheet = workbook.create_sheet(sheet_name)
        sheet.append([table.title])
        sheet["A1"].font = bold
        header = [table.row_header]
        ranged = bool(table.ranges)
        for column in table.columns:
            header.append(table.label(column))
            if published is None:
                header.append(f"{table.label(column)} (agency records)")
            if ranged:
                header.append(f"{table.label(column)} (range over the review queue)")
        sheet.append(header)
        for row in table.rows:
            line: list[object] = [table.label(row)]
            fills: list[int] = []
            for column in table.columns:
                if (row, column) in table.not_recorded:
                    line += ["not recorded"] * ((2 if published is None else 1) + ranged)
                    continue
                if published is None:
                    cell = table.cell(row, column)
                    line += [cell.value, cell.naive]
                    found = table.ranges.get((row, column))
                    bounds = (found.low, found.high, found.expected) if found else _NO_RANGE
                else:
                    shown = published.table(table.name).cell(row, column)
                    if shown.value is None:
                        fills.append(len(line) + 1)
                    line.append("x" if shown.value is None else shown.value)
                    bounds = (shown.low, shown.high, None)
                if ranged:
                    line.append(range_text(bounds))
            sheet.append(line)
            if row == TOTAL:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
            for column_index in fills:
                sheet.cell(sheet.max_row, column_index).fill = _SUPPRESSED
        sheet.append([])
        for definition in table.definitions:
            sheet.append([definition])
        for note in dict.fromkeys(table.not_recorded.values()):
            sheet.append([note])
    workbook.save(path)
    return path
