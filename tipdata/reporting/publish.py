"""The publication gate: disclosure control over every table of a release.

:func:`publish` turns a :class:`~tipdata.reporting.report.Report` into a
:class:`PublishedReport`: all its tables go through
:func:`~tipdata.reporting.suppression.protect_release` together (primary
suppression of counts ``1 <= n < threshold``, secondary suppression, the exact
LP audit), then :func:`~tipdata.reporting.suppression.check_release` runs over
the whole release; an unsafe release raises
:class:`~tipdata.reporting.suppression.DisclosureError` listing the cells.
Published tables carry only de-duplicated figures (naive sums and record-level
detail stay internal) and a status flag per cell.

Tables whose rows and columns add up to their totals are protected as one
2-D table. A table that does not add up (a person in two agencies' rows) is
protected row by row when its rows add up, else cell by cell (each cell with
its own total), so no published relation is claimed that does not hold.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import cast

from tipdata.reporting.published_ranges import published_bounds
from tipdata.reporting.report import TOTAL, Report, ReportTable
from tipdata.reporting.suppression import (
    DEFAULT_THRESHOLD,
    CellRef,
    CellStatus,
    Link,
    ProtectedRelease,
    Release,
    ShownStatus,
    Table,
    check_release,
    protect_release,
    public_status,
    round_to_base,
)
from tipdata.settings import Settings


@dataclass(frozen=True)
class PublishedCell:
    """A published figure: its value (None when suppressed) and status flag.

    Attributes:
        value: the published value, None when suppressed.
        status: ``free``, ``primary`` or ``secondary`` inside the gate; ``withheld`` in
            every public form (:meth:`PublishedReport.public`), which never says why.
        low: the low end of its range over the review queue as published (None where
            the cell has no range or it is withheld: :mod:`.published_ranges`).
        high: the high end, likewise.
        ranged: the figure has a range (a person count), shown or not.
    """

    value: int | None
    status: ShownStatus
    low: int | None = None
    high: int | None = None
    ranged: bool = False


@dataclass(frozen=True)
class PublishedTable:
    """A report table as published.

    Attributes:
        table: the internal table (its layout and definitions; its figures are not published).
        cells: the published cell per (row, column).
    """

    table: ReportTable
    cells: Mapping[tuple[str, str], PublishedCell]

    def cell(self, row: str, column: str) -> PublishedCell:
        """The published cell at (row, column)."""
        return self.cells.get((row, column), PublishedCell(0, "free"))


@dataclass(frozen=True)
class PublishedReport:
    """A report that passed the disclosure-control gate.

    Attributes:
        report: the internal report.
        tables: the published tables.
        threshold: primary-suppression threshold used.
        rounding_base: base the published values were rounded to (None: not rounded).
        digest: SHA-256 of the published content (what was released, for the record).
    """

    report: Report
    tables: tuple[PublishedTable, ...]
    threshold: int
    rounding_base: int | None
    digest: str
    notes: tuple[str, ...] = ()
    """Remarks of the gate (e.g. ranges withheld)."""

    @property
    def suppressed_cells(self) -> int:
        """How many cells the gate withheld (primary and secondary suppression)."""
        return sum(cell.value is None for table in self.tables for cell in table.cells.values())

    def public(self) -> PublishedReport:
        """The report as every public form shows it: each suppressed cell ``withheld``,
        primary and secondary alike (the digest already covers only this form)."""
        tables = tuple(
            PublishedTable(
                t.table,
                {k: replace(c, status=public_status(c.status)) for k, c in t.cells.items()},
            )
            for t in self.tables
        )
        return replace(self, tables=tables)

    def table(self, name: str) -> PublishedTable:
        """The published table called ``name``."""
        for published in self.tables:
            if published.table.name == name:
                return published
        raise KeyError(name)


BLOCK_TOTAL = "__total__"
"""Total label inside suppression blocks (report labels may include "Total")."""
VALUE = "__value__"
"""The one column of a block made of a single-column table."""


@dataclass(frozen=True)
class Block:
    """One additive 2-D suppression table cut from a report table.

    Attributes:
        name: unique name in the release.
        table: the report table it comes from.
        rows: block row labels (report row codes).
        columns: block column labels (report column codes, or :data:`VALUE`).
        row_of: block row label (totals included) -> report row.
        column_of: block column label (totals included) -> report column.
    """

    name: str
    table: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    row_of: Mapping[str, str]
    column_of: Mapping[str, str]


def release_tables(report: Report) -> tuple[Release, dict[str, Block]]:
    """The suppression tables of a report and the block each was cut as.

    Returns:
        The release, and the blocks by suppression-table name.
    """
    tables: list[Table] = []
    blocks: dict[str, Block] = {}
    same_figure: dict[tuple[object, int], list[CellRef]] = defaultdict(list)
    for table in report.tables:
        for block in _blocks(table):
            for row in (*block.rows, BLOCK_TOTAL):
                for column in (*block.columns, BLOCK_TOTAL):
                    key = (block.row_of[row], block.column_of[column])
                    source = table.sources.get(key)
                    if source is not None:
                        figure = (source.indicator, frozenset(source.where))
                        same_figure[(figure, table.cell(*key).value)].append(
                            CellRef(block.name, row, column)
                        )
            counts = [
                [table.cell(block.row_of[r], block.column_of[c]).value for c in block.columns]
                for r in block.rows
            ]
            tables.append(
                Table.build(block.name, block.rows, block.columns, counts, total_label=BLOCK_TOTAL)
            )
            blocks[block.name] = block
    # the same figure shown in several places is suppressed everywhere or nowhere
    links = [
        Link(first, other)
        for refs in same_figure.values()
        for first, other in itertools.pairwise(refs)
        if first != other
    ]
    return Release.build(tables, links), blocks


def publish(
    report: Report,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    rounding_base: int | None = None,
    also_suppress: Iterable[tuple[str, str, str]] = (),
) -> PublishedReport:
    """Apply disclosure control to every table of a report and check the release.

    Args:
        report: the internal report.
        threshold: counts ``1 <= n < threshold`` are suppressed (primary).
        rounding_base: round published values to this base after the audit (e.g. 5).
        also_suppress: (table, row, column) cells to suppress from the start (secondary),
            e.g. those an earlier overlapping release would give away.

    Returns:
        The published report.

    Raises:
        DisclosureError: the protected release still lets a reader recover a
            suppressed cell (lists the unsafe cells).
    """
    release, blocks = release_tables(report)
    wanted = set(also_suppress)
    forced = [
        CellRef(block.name, row, column)
        for block in blocks.values()
        for row in (*block.rows, BLOCK_TOTAL)
        for column in (*block.columns, BLOCK_TOTAL)
        if (block.table, block.row_of[row], block.column_of[column]) in wanted
    ]
    protected = protect_release(release, threshold=threshold, also_suppress=forced)
    check_release(protected)
    published = assemble(report, protected, blocks, threshold, rounding_base)
    if not any(table.ranges for table in report.tables):
        return published
    # the gate's own statuses (assemble never writes "withheld")
    statuses = {
        t.table.name: {k: cast(CellStatus, c.status) for k, c in t.cells.items()}
        for t in published.tables
    }
    bounds, notes = published_bounds(
        report, statuses, threshold=threshold, rounding_base=rounding_base
    )
    tables = tuple(
        PublishedTable(t.table, _with_bounds(t.cells, bounds.get(t.table.name, {})))
        for t in published.tables
    )
    return PublishedReport(
        report, tables, threshold, rounding_base, _digest(tables, threshold, rounding_base),
        tuple(notes),
    )  # fmt: skip


def assemble(
    report: Report,
    protected: ProtectedRelease,
    blocks: Mapping[str, Block],
    threshold: int,
    rounding_base: int | None = None,
) -> PublishedReport:
    """Map a protected release back onto the report's tables (after :func:`check_release`)."""
    cells: dict[str, dict[tuple[str, str], PublishedCell]] = {t.name: {} for t in report.tables}
    for protected_table in protected.tables:
        block = blocks[protected_table.table.name]
        target = cells[block.table]
        for cell in protected_table.cells():
            key = (block.row_of[cell.row], block.column_of[cell.column])
            value = cell.value
            if value is not None and rounding_base:
                value = round_to_base(value, rounding_base)
            previous = target.get(key)
            if previous is not None and previous.status != "free":
                continue  # a figure suppressed in one block stays suppressed
            target[key] = PublishedCell(value, cell.status)
    tables = tuple(PublishedTable(t, cells[t.name]) for t in report.tables)
    return PublishedReport(
        report, tables, threshold, rounding_base, _digest(tables, threshold, rounding_base)
    )


def _with_bounds(
    cells: Mapping[tuple[str, str], PublishedCell],
    bounds: Mapping[tuple[str, str], tuple[int | None, int | None]],
) -> dict[tuple[str, str], PublishedCell]:
    """The cells with their published range bounds, where a range is shown."""
    result = dict(cells)
    for key, (low, high) in bounds.items():
        if key in result:
            result[key] = replace(result[key], low=low, high=high, ranged=True)
    return result


def _digest(tables: Iterable[PublishedTable], threshold: int, rounding_base: int | None) -> str:
    """SHA-256 of what is published: each cell's value and public status (and range, if
    shown). Not primary or secondary: the digest is public, and with few suppressed cells a
    reader could try every assignment of the two against it."""
    content = {
        t.table.name: {
            f"{r}|{c}": [p.value, public_status(p.status)]
            if p.low is None and p.high is None
            else [p.value, public_status(p.status), p.low, p.high]
            for (r, c), p in sorted(t.cells.items())
        }
        for t in tables
    }
    return hashlib.sha256(
        json.dumps(
            {"threshold": threshold, "rounding": rounding_base, "tables": content}, sort_keys=True
        ).encode()
    ).hexdigest()


CellKey = tuple[str, str]
"""(row, column) of a report table."""


def table_relations(report: Report) -> dict[str, list[tuple[CellKey, list[CellKey]]]]:
    """The additive relations the published tables of ``report`` state, per table.

    Each is (total cell, cells adding up to it), as (row, column) of the report table: the
    rows and columns of every block cut by :func:`release_tables`. The cross-release audit
    (:mod:`tipdata.reporting.overlap`) reads them from the stored release.
    """
    relations: dict[str, list[tuple[CellKey, list[CellKey]]]] = {}
    seen: set[tuple[str, CellKey, tuple[CellKey, ...]]] = set()
    for table in report.tables:
        for block in _blocks(table):
            lines = [
                (
                    (block.row_of[r], block.column_of[BLOCK_TOTAL]),
                    [(block.row_of[r], block.column_of[c]) for c in block.columns],
                )
                for r in (*block.rows, BLOCK_TOTAL)
            ] + [
                (
                    (block.row_of[BLOCK_TOTAL], block.column_of[c]),
                    [(block.row_of[r], block.column_of[c]) for r in block.rows],
                )
                for c in (*block.columns, BLOCK_TOTAL)
            ]
            for total, members in lines:
                if members == [total]:
                    continue  # a one-cell block states nothing
                key = (table.name, total, tuple(sorted(members)))
                if key not in seen:
                    seen.add(key)
                    relations.setdefault(table.name, []).append((total, members))
    return relations


def _blocks(table: ReportTable) -> list[Block]:
    """Cut a report table into blocks whose cells add up to their totals."""
    rows = [r for r in table.rows if r != TOTAL]
    columns = [c for c in table.columns if c != TOTAL]
    has_total_row = TOTAL in table.rows

    def value(r: str, c: str) -> int:
        return table.cell(r, c).value

    if not rows:  # nothing but totals (e.g. no LMIS departures at all): each on its own
        return _cell_blocks(table)
    if not columns:  # one figure per row
        if has_total_row and sum(value(r, TOTAL) for r in rows) == value(TOTAL, TOTAL):
            row_of = {**{r: r for r in rows}, BLOCK_TOTAL: TOTAL}
            return [Block(table.name, table.name, tuple(rows), (VALUE,), row_of, _to_total(VALUE))]
        return [
            Block(
                f"{table.name}/{r}",
                table.name,
                (r,),
                (VALUE,),
                {r: r, BLOCK_TOTAL: r},
                _to_total(VALUE),
            )
            for r in table.rows
        ]
    rows_add = all(sum(value(r, c) for c in columns) == value(r, TOTAL) for r in rows)
    columns_add = has_total_row and all(
        sum(value(r, c) for r in rows) == value(TOTAL, c) for c in table.columns
    )
    column_of = {**{c: c for c in columns}, BLOCK_TOTAL: TOTAL}
    if rows_add and columns_add:
        row_of = {**{r: r for r in rows}, BLOCK_TOTAL: TOTAL}
        return [Block(table.name, table.name, tuple(rows), tuple(columns), row_of, column_of)]
    if rows_add:
        return [
            Block(
                f"{table.name}/{r}",
                table.name,
                (r,),
                tuple(columns),
                {r: r, BLOCK_TOTAL: r},
                column_of,
            )
            for r in table.rows
        ]
    return _cell_blocks(table)


def _cell_blocks(table: ReportTable) -> list[Block]:
    """Every cell of a table a block of its own (nothing in it adds up)."""
    return [
        Block(
            f"{table.name}/{r}/{c}",
            table.name,
            (r,),
            (VALUE,),
            {r: r, BLOCK_TOTAL: r},
            _to_total(VALUE, c),
        )
        for r in table.rows
        for c in table.columns
    ]


def _to_total(label: str, column: str = TOTAL) -> dict[str, str]:
    return {label: column, BLOCK_TOTAL: column}


def release_threshold(settings: Settings, asked: int | None = None) -> int:
    """The disclosure threshold of a release: the one asked for, else the configured one.

    Args:
        settings: the deployment's settings (``TIPDATA_DISCLOSURE_THRESHOLD``).
        asked: a threshold given for this release (the command line's ``--threshold``).

    Returns:
        Counts from 1 to this minus one are suppressed.
    """
    return asked if asked is not None else settings.disclosure_threshold
