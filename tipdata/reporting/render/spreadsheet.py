"""XLSX (one sheet per table) and CSV (one long table) outputs.

The internal files say so inside (a mark on every sheet and in the CSV's ``status``), so a
copy that leaves its folder still reads as internal. The published files explain the
``x`` of a withheld cell, and never say *why* a cell is withheld: the published CSV's
``note`` says "withheld" for a small count and for a cell hidden to protect one alike
(telling the two apart would point at the small ones).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

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
PUBLISHED_CSV_HEADER = tuple("note" if name == "status" else name for name in CSV_HEADER)
"""The published CSV: ``note`` instead of ``status``: empty, ``withheld`` or ``not recorded``."""
NOTES = {"free": "", "not_recorded": "not recorded"}
"""Every other status (primary, secondary, withheld) is written ``withheld``."""
INTERNAL_MARK = "INTERNAL - not for release: de-duplicated figures beside the sum of agency records"
"""The first line of every sheet of an internal workbook."""
_SUPPRESSED = PatternFill("solid", fgColor="FDE9D9")
_MARK = Font(bold=True, color="C00000")
MAX_WIDTH = 60


def legend(published: PublishedReport) -> str:
    """What an ``x`` means in a published table (written under every published table)."""
    return (
        f"x: withheld so that nobody can be identified: a count under {published.threshold}, "
        "or a cell that would let one be worked out from the totals."
    )


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

    Internal reports carry ``naive_sum`` and ``status`` ``internal`` (or
    ``not_recorded``); published ones leave ``naive_sum`` empty and have ``note`` instead
    of ``status``: ``withheld`` (the value is empty), ``not recorded`` or nothing.
    """
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER if published is None else PUBLISHED_CSV_HEADER)
        for table, row, column, value, naive, status, bounds in _cells(report, published):
            if published is not None:
                status = NOTES.get(status, "withheld")
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
    if published is None:
        contents.append([INTERNAL_MARK])
        contents["A1"].font = _MARK
    contents.append([report.title])
    contents.append([f"Period {report.start} to {report.end}"])
    for note in report.notes:
        contents.append([note])
    if published is not None:
        contents.append([legend(published)])
    contents.append([])
    contents.append(["Sheet", "Table"])
    bold = Font(bold=True)
    for index, table in enumerate(report.tables, start=1):
        sheet_name = f"T{index:02d}"
        contents.append([sheet_name, table.title])
        sheet = workbook.create_sheet(sheet_name)
        if published is None:
            sheet.append([INTERNAL_MARK])
            sheet.cell(sheet.max_row, 1).font = _MARK
        sheet.append([table.title])
        sheet.cell(sheet.max_row, 1).font = bold
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
        if published is not None:
            sheet.append([legend(published)])
        for definition in table.definitions:
            sheet.append([definition])
        for note in dict.fromkeys(table.not_recorded.values()):
            sheet.append([note])
        _fit_columns(sheet, header_row=3 if published is None else 2)
    contents.column_dimensions["A"].width = 12
    contents.column_dimensions["B"].width = MAX_WIDTH
    if published is None:
        workbook.properties.category = "internal"
        workbook.properties.keywords = "internal, not for release"
    workbook.save(path)
    return path


def _fit_columns(sheet: Any, header_row: int) -> None:
    """Widen each column to its longest table cell (titles, definitions and notes overflow)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=header_row):
        filled = [cell for cell in row if cell.value is not None]
        if len(filled) <= 1 and row[0].row > header_row:
            continue  # a definition or a note: one long line in column A, not a table cell
        for cell in filled:
            widths[cell.column] = max(widths.get(cell.column, 0), len(str(cell.value)))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, width + 2)
