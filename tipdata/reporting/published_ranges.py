"""Ranges under disclosure control: which bounds of a figure's range a release may show.

A person count carries its range over the linkage review queue
(:mod:`tipdata.reporting.uncertainty`): ``low`` (every pending pair a match) and ``high``
(none, or more where a merge raises a derived figure). Each bound is itself a count of
the same persons under another linkage, so a release shows it only where it discloses no
more than the figures do:

1. **Suppressed with the cell.** A suppressed figure shows no range.
2. **The bounds as a table of their own.** The low bounds of a table form a second table
   with the same rows and columns; it goes through the same gate as the figures
   (:func:`~tipdata.reporting.suppression.protect_release`: a small non-zero bound is
   suppressed, then secondary suppression and the exact LP audit), starting from the
   cells the figures suppressed. A bound is shown only where both its figure and the
   bound itself are published.
3. **No bound narrows a suppressed figure.** A low bound is at most its figure: a reader
   who can infer that a suppressed cell's low bound is at least 1 knows the figure is at
   least 1 too. The bounds table is audited once more with every cell the figures
   suppressed as *small* read as "must keep 0 possible"; if any is narrowed the table's
   low bounds are withheld.
4. **High bounds equal to the figure.** A high bound above its figure (a merge can raise
   a derived figure, e.g. workers of a company later identified as victims, or move a
   person into a row: a record of unknown age joining one of known age) would bound a
   suppressed figure from above; such a table's high bounds are withheld. Where every
   high bound is the figure (no merge raises any figure of the table), the high bound is
   shown with it.

Bounds are rounded to the release's rounding base like the figures. The model's expected
value (a mean over draws, not a count) stays internal. What is shown goes into the
release's figures document and into the cross-release audit as the table ``<name>@low``
(:func:`tipdata.reporting.release_figures.released_figures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime

from tipdata.reporting.engine import Cell
from tipdata.reporting.report import Report, ReportTable
from tipdata.reporting.suppression import (
    CellRef,
    CellStatus,
    ProtectedRelease,
    ProtectedTable,
    audit,
    protect_release,
    round_to_base,
)

LOW_SUFFIX = "@low"
"""The low bounds of table ``t`` are table ``t@low`` in the cross-release audit."""

_DAY, _NOW = date(2000, 1, 1), datetime(2000, 1, 1, tzinfo=UTC)
"""A report of one table is cut into blocks; its period is not read."""
_NEVER_SMALL = 10**9
"""Audit threshold that flags any suppressed cell a reader can show to be at least 1."""

Bounds = dict[tuple[str, str], tuple[int | None, int | None]]
"""(row, column) -> (low, high) as published, None where withheld."""


def published_bounds(
    report: Report,
    statuses: Mapping[str, Mapping[tuple[str, str], CellStatus]],
    *,
    threshold: int,
    rounding_base: int | None,
) -> tuple[dict[str, Bounds], list[str]]:
    """The range bounds a release may show, per table with ranges.

    Args:
        report: the internal report (its tables' :attr:`~ReportTable.ranges`).
        statuses: per table, each figure's status as published.
        threshold: the release's primary-suppression threshold.
        rounding_base: the release's rounding base.

    Returns:
        Per table with ranges, the bounds shown (None where withheld); and notes naming
        the tables whose low or high bounds were withheld.
    """
    result: dict[str, Bounds] = {}
    notes: list[str] = []
    for table in report.tables:
        if not table.ranges:
            continue
        status = statuses.get(table.name, {})
        lows = _low_bounds(table, status, threshold)
        if lows is None:
            notes.append(f"{table.title}: the low ends of the ranges are withheld (rule 3).")
        highs_equal = all(r.high == table.cell(*key).value for key, r in table.ranges.items())
        if not highs_equal:
            notes.append(f"{table.title}: the high ends of the ranges are withheld (rule 4).")
        bounds: Bounds = {}
        for key, figure_range in table.ranges.items():
            if status.get(key, "free") != "free":
                bounds[key] = (None, None)
                continue
            low = lows.get(key) if lows is not None else None
            high = figure_range.high if highs_equal else None
            bounds[key] = (_rounded(low, rounding_base), _rounded(high, rounding_base))
        result[table.name] = bounds
    return result, notes


def _low_bounds(
    table: ReportTable,
    status: Mapping[tuple[str, str], CellStatus],
    threshold: int,
) -> dict[tuple[str, str], int | None] | None:
    """The low bounds the bounds table may show (None where suppressed); None: withheld."""
    # publish imports this module
    from tipdata.reporting.publish import BLOCK_TOTAL, release_tables

    if all(r.low == table.cell(*key).value for key, r in table.ranges.items()):
        return {key: r.low for key, r in table.ranges.items()}  # the figures themselves
    cells = {
        key: (Cell(table.ranges[key].low, cell.naive) if key in table.ranges else cell)
        for key, cell in table.cells.items()
    }
    variant = replace(table, cells=cells)
    report = Report(table.title, _DAY, _DAY, (variant,), _NOW)
    release, blocks = release_tables(report)
    forced = [
        CellRef(block.name, row, column)
        for block in blocks.values()
        for row in (*block.rows, BLOCK_TOTAL)
        for column in (*block.columns, BLOCK_TOTAL)
        if status.get((block.row_of[row], block.column_of[column]), "free") != "free"
    ]
    protected = protect_release(release, threshold=threshold, also_suppress=forced)
    shown: dict[tuple[str, str], int | None] = {}
    narrowing: list[ProtectedTable] = []
    for protected_table in protected.tables:
        block = blocks[protected_table.table.name]
        flags: list[tuple[CellStatus, ...]] = []
        for i, row in enumerate(protected_table.table.all_row_labels):
            line: list[CellStatus] = []
            for j, column in enumerate(protected_table.table.all_column_labels):
                key = (block.row_of[row], block.column_of[column])
                figure_status = status.get(key, "free")
                bound_status = protected_table.status[i][j]
                if bound_status == "free" and figure_status == "free":
                    shown.setdefault(key, table.ranges[key].low if key in table.ranges else None)
                else:
                    shown[key] = None
                # rule 3: a bound must not show a figure suppressed as small to be >= 1
                line.append(
                    "primary"
                    if figure_status == "primary"
                    else "free"
                    if bound_status == "free" and figure_status == "free"
                    else "secondary"
                )
            flags.append(tuple(line))
        narrowing.append(ProtectedTable(protected_table.table, tuple(flags), _NEVER_SMALL))
    if audit(ProtectedRelease(tuple(narrowing), protected.links)):
        return None
    return {key: shown.get(key) for key in table.ranges}


def _rounded(value: int | None, base: int | None) -> int | None:
    if value is None or not base:
        return value
    return round_to_base(value, base)
