"""Disclosure control for published count tables: cell suppression and its exact audit.

A table is a 2-D grid of counts with row, column and grand totals. Totals are
cells like the others: a small total is suppressed too. A release is several
tables published together; tables that share a margin (the same province totals
in a "province × sex" and a "province × age group" table) say so with links, so
that a total suppressed in one table is not published in the other.

Three steps, described with their reasons in ``docs/disclosure-control.md``:

1. **Primary suppression**: every cell with ``1 <= n < threshold`` (zeros too if
   asked).
2. **Secondary suppression**: every additive relation (a row with its total, a
   column with its total, a link) that holds exactly one suppressed cell would
   give it away, so the smallest other cell of that relation is suppressed too,
   until no relation holds a single suppressed cell. Then the exact audit runs,
   and for every cell it finds unsafe one more cell in its row or column is
   suppressed, until the audit passes (with everything suppressed it always does).
3. **Audit**: for every suppressed cell, two linear programs (HiGHS, one model per
   audit: :mod:`tipdata.reporting.programs`) find the smallest and largest value the cell
   can take given every published cell and total and counts ``>= 0``. The cell
   is unsafe if that range pins it to one value, or, for a primary cell, shows it
   to be a small non-zero count (the range lies inside ``1 .. threshold - 1``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.sparse import csc_array

from tipdata.errors import TipdataError
from tipdata.reporting.programs import ProgramError, Programs

logger = logging.getLogger(__name__)

CellStatus = Literal["free", "primary", "secondary"]
"""free: published; primary: suppressed because small; secondary: suppressed to protect."""

ShownStatus = Literal["free", "primary", "secondary", "withheld"]
"""A cell's status where it may have left the gate: ``withheld`` is a suppressed cell as
every public form shows it (primary or secondary, which one is not said: telling them
apart would point readers at the small counts)."""


def public_status(status: ShownStatus) -> Literal["free", "withheld"]:
    """The status a public form of a release shows: ``free`` or ``withheld``, never why."""
    return "free" if status == "free" else "withheld"


Axis = Literal["rows", "columns"]

DEFAULT_THRESHOLD = 10
DEFAULT_TOTAL_LABEL = "Total"
_TOLERANCE = 1e-6


class TableError(TipdataError, ValueError):
    """A table or release handed to disclosure control is malformed."""


@dataclass(frozen=True)
class UnsafeCell:
    """A suppressed cell whose value an intruder can recover or narrow down.

    Attributes:
        table: table name.
        row: row label (the total label for the column totals).
        column: column label (the total label for the row totals).
        status: primary or secondary (``withheld`` for a cell of a stored release, which
            keeps no reason).
        lower: smallest value the cell can take given what is published.
        upper: largest value (``math.inf`` when unbounded).
        reason: ``"disclosed"`` (one value possible) or ``"small"`` (a primary
            cell shown to lie in ``1 .. threshold - 1``).
    """

    table: str
    row: str
    column: str
    status: ShownStatus
    lower: float
    upper: float
    reason: Literal["disclosed", "small"]

    def __str__(self) -> str:
        return (
            f"{self.table} [{self.row} × {self.column}] ({self.status}) "
            f"lies in [{_show(self.lower)}, {_show(self.upper)}]: {self.reason}"
        )


class DisclosureError(TipdataError):
    """A release would let a reader recover suppressed cells.

    Attributes:
        unsafe: the unsafe cells, with the interval a reader can infer.
    """

    def __init__(self, unsafe: Sequence[UnsafeCell]) -> None:
        self.unsafe = list(unsafe)
        shown = "; ".join(str(cell) for cell in self.unsafe[:10])
        more = f"; and {len(self.unsafe) - 10} more" if len(self.unsafe) > 10 else ""
        super().__init__(f"unsafe release, {len(self.unsafe)} cell(s): {shown}{more}")


@dataclass(frozen=True)
class Table:
    """A 2-D table of counts; its totals are computed, never given.

    Attributes:
        name: unique name within a release.
        row_labels: labels of the rows (without the total).
        column_labels: labels of the columns (without the total).
        counts: one tuple of non-negative integers per row.
        total_label: label of the total row and column.
    """

    name: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    total_label: str = DEFAULT_TOTAL_LABEL

    def __post_init__(self) -> None:
        if not self.row_labels or not self.column_labels:
            raise TableError(f"table {self.name!r} needs at least one row and one column")
        for labels, what in ((self.row_labels, "row"), (self.column_labels, "column")):
            if len(set(labels)) != len(labels):
                raise TableError(f"table {self.name!r} repeats a {what} label")
            if self.total_label in labels:
                raise TableError(
                    f"table {self.name!r} uses the total label {self.total_label!r} as a {what}"
                )
        if len(self.counts) != len(self.row_labels) or any(
            len(row) != len(self.column_labels) for row in self.counts
        ):
            raise TableError(f"table {self.name!r}: counts do not match the labels' shape")
        for row in self.counts:
            for value in row:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise TableError(f"table {self.name!r}: counts must be integers >= 0", value)

    @classmethod
    def build(
        cls,
        name: str,
        row_labels: Iterable[str],
        column_labels: Iterable[str],
        counts: Iterable[Iterable[int]],
        total_label: str = DEFAULT_TOTAL_LABEL,
    ) -> Table:
        """Build a table from any iterables (lists, generators)."""
        return cls(
            name,
            tuple(row_labels),
            tuple(column_labels),
            tuple(tuple(row) for row in counts),
            total_label,
        )

    @property
    def all_row_labels(self) -> tuple[str, ...]:
        """Row labels followed by the total label."""
        return (*self.row_labels, self.total_label)

    @property
    def all_column_labels(self) -> tuple[str, ...]:
        """Column labels followed by the total label."""
        return (*self.column_labels, self.total_label)

    def with_totals(self) -> list[list[int]]:
        """Return the grid with a total column appended to each row and a total row last."""
        grid = [[*row, sum(row)] for row in self.counts]
        grid.append([sum(column) for column in zip(*grid, strict=True)])
        return grid


@dataclass(frozen=True)
class CellRef:
    """One cell of a table in a release, totals addressed by the total label."""

    table: str
    row: str
    column: str


@dataclass(frozen=True)
class Link:
    """Two cells of a release that hold the same figure (a shared margin)."""

    first: CellRef
    second: CellRef


@dataclass(frozen=True)
class Release:
    """Tables published together and the figures they share."""

    tables: tuple[Table, ...]
    links: tuple[Link, ...] = ()

    @classmethod
    def build(cls, tables: Iterable[Table], links: Iterable[Link] = ()) -> Release:
        """Build a release from any iterables."""
        return cls(tuple(tables), tuple(links))


@dataclass(frozen=True)
class PublishedCell:
    """A cell as published: its value (None when suppressed) and status flag."""

    table: str
    row: str
    column: str
    value: int | None
    status: CellStatus


@dataclass(frozen=True)
class ProtectedTable:
    """A table with a status for every cell, totals included.

    Attributes:
        table: the table and its true counts.
        status: one status per cell of :meth:`Table.with_totals`.
        threshold: the primary-suppression threshold it was protected with.
    """

    table: Table
    status: tuple[tuple[CellStatus, ...], ...]
    threshold: int = DEFAULT_THRESHOLD

    def published(self) -> list[list[int | None]]:
        """Return the grid with totals, suppressed cells as None."""
        return [
            [value if flag == "free" else None for value, flag in zip(row, flags, strict=True)]
            for row, flags in zip(self.table.with_totals(), self.status, strict=True)
        ]

    def cells(self) -> list[PublishedCell]:
        """Return every cell, totals included, with its label and status flag."""
        published = self.published()
        return [
            PublishedCell(self.table.name, row, column, published[i][j], self.status[i][j])
            for i, row in enumerate(self.table.all_row_labels)
            for j, column in enumerate(self.table.all_column_labels)
        ]


@dataclass(frozen=True)
class ProtectedRelease:
    """A release whose tables carry status flags."""

    tables: tuple[ProtectedTable, ...]
    links: tuple[Link, ...] = ()

    def table(self, name: str) -> ProtectedTable:
        """Return the protected table called ``name``."""
        for protected in self.tables:
            if protected.table.name == name:
                return protected
        raise KeyError(name)


# --- public operations ----------------------------------------------------------------


def link_margins(first: Table, first_axis: Axis, second: Table, second_axis: Axis) -> list[Link]:
    """Link the shared margin of two tables, category by category, and their grand totals.

    ``first_axis="rows"`` means the shared categories are the rows of ``first``,
    so its row totals are the shared figures.

    Raises:
        TableError: the two axes do not have the same labels.
    """
    first_labels = first.row_labels if first_axis == "rows" else first.column_labels
    second_labels = second.row_labels if second_axis == "rows" else second.column_labels
    if set(first_labels) != set(second_labels):
        raise TableError(f"tables {first.name!r} and {second.name!r} do not share these labels")

    def margin(table: Table, axis: Axis, label: str) -> CellRef:
        if axis == "rows":
            return CellRef(table.name, label, table.total_label)
        return CellRef(table.name, table.total_label, label)

    links = [
        Link(margin(first, first_axis, label), margin(second, second_axis, label))
        for label in first_labels
    ]
    links.append(
        Link(
            CellRef(first.name, first.total_label, first.total_label),
            CellRef(second.name, second.total_label, second.total_label),
        )
    )
    return links


def protect_table(
    table: Table, *, threshold: int = DEFAULT_THRESHOLD, suppress_zeros: bool = False
) -> ProtectedTable:
    """Apply primary and secondary suppression to one table.

    Args:
        table: the table.
        threshold: counts ``1 <= n < threshold`` are suppressed.
        suppress_zeros: also suppress zeros (primary).

    Returns:
        The table with a status per cell; :func:`audit` finds nothing unsafe in it.
    """
    release = protect_release(Release((table,)), threshold=threshold, suppress_zeros=suppress_zeros)
    return release.tables[0]


def protect_release(
    release: Release,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zeros: bool = False,
    also_suppress: Iterable[CellRef] = (),
) -> ProtectedRelease:
    """Apply primary and secondary suppression to every table of a release together.

    Args:
        release: the tables and their shared figures.
        threshold: counts ``1 <= n < threshold`` are suppressed.
        suppress_zeros: also suppress zeros (primary).
        also_suppress: cells suppressed as secondary from the start (e.g. the cells an
            earlier, overlapping release would give away: :mod:`tipdata.reporting.overlap`).

    Returns:
        The release with a status per cell; :func:`audit` finds nothing unsafe in it.

    Raises:
        TableError: the release is malformed (unknown cell in a link, linked
            cells that differ, a threshold below 1).
    """
    if threshold < 1:
        raise TableError("the suppression threshold must be at least 1", threshold)
    grid = _Grid(release)
    primary = {
        cell
        for cell, value in enumerate(grid.values)
        if (1 <= value < threshold) or (suppress_zeros and value == 0)
    }
    suppressed = set(primary) | {grid.resolve(ref) for ref in also_suppress}
    grid.close_relations(suppressed)
    rounds = 0
    while unsafe := grid.audit(suppressed, primary, threshold):
        rounds += 1
        before = len(suppressed)
        for cell, _lower, _upper, _reason in unsafe:
            extra = grid.complement_for(cell, suppressed)
            if extra is not None:
                suppressed.add(extra)
        if len(suppressed) == before:  # everything is suppressed: cannot happen, but never loop
            raise DisclosureError(audit(grid.protected(primary, suppressed, threshold)))
        grid.close_relations(suppressed)
    logger.debug(
        "suppression: %d primary, %d secondary, %d audit repair rounds",
        len(primary),
        len(suppressed) - len(primary),
        rounds,
    )
    return grid.protected(primary, suppressed, threshold)


def audit(protected: ProtectedTable | ProtectedRelease) -> list[UnsafeCell]:
    """Find every suppressed cell a reader could recover or narrow down to a small count.

    Solves two linear programs per suppressed cell (its minimum and maximum
    subject to every published cell and total, every link and counts ``>= 0``).

    Args:
        protected: a protected table or release (from :func:`protect_table`,
            :func:`protect_release`, or built by hand).

    Returns:
        The unsafe cells, in table, row, column order; empty if the release is safe.
    """
    release = _as_release(protected)
    grid = _Grid(Release(tuple(p.table for p in release.tables), release.links))
    primary: set[int] = set()
    suppressed: set[int] = set()
    for t, protected_table in enumerate(release.tables):
        for i, flags in enumerate(protected_table.status):
            for j, flag in enumerate(flags):
                if flag != "free":
                    cell = grid.cell_id(t, i, j)
                    suppressed.add(cell)
                    if flag == "primary":
                        primary.add(cell)
    threshold = min((p.threshold for p in release.tables), default=DEFAULT_THRESHOLD)
    return [
        UnsafeCell(
            *grid.describe(cell),
            "primary" if cell in primary else "secondary",
            lower,
            upper,
            reason,
        )
        for cell, lower, upper, reason in grid.audit(suppressed, primary, threshold)
    ]


def check_release(protected: ProtectedTable | ProtectedRelease) -> None:
    """Raise if any suppressed cell of ``protected`` is unsafe.

    Raises:
        DisclosureError: listing the unsafe cells and the interval a reader can infer.
    """
    unsafe = audit(protected)
    if unsafe:
        raise DisclosureError(unsafe)


def round_to_base(value: int, base: int = 5) -> int:
    """Round a count to the nearest multiple of ``base`` (halves go up).

    Examples:
        >>> [round_to_base(n) for n in (0, 2, 3, 12, 13)]
        [0, 0, 5, 10, 15]
    """
    if base < 1:
        raise TableError("the rounding base must be at least 1", base)
    return ((value + base // 2) // base) * base


def rounded(protected: ProtectedTable, base: int = 5) -> list[list[int | None]]:
    """Return the published grid with every published cell rounded to ``base``.

    Each cell, totals included, is rounded on its own, so rounded rows need not
    add up to their rounded totals; say so under the table.
    """
    return [
        [None if value is None else round_to_base(value, base) for value in row]
        for row in protected.published()
    ]


# --- internals ------------------------------------------------------------------------


def _as_release(protected: ProtectedTable | ProtectedRelease) -> ProtectedRelease:
    if isinstance(protected, ProtectedTable):
        return ProtectedRelease((protected,))
    return protected


def _show(bound: float) -> str:
    return "∞" if math.isinf(bound) else f"{bound:g}"


class _Grid:
    """Every cell of a release numbered 0..n-1, and the additive relations between them."""

    def __init__(self, release: Release) -> None:
        names = [table.name for table in release.tables]
        if len(set(names)) != len(names):
            raise TableError("table names in a release must be unique")
        self.tables = release.tables
        self.links = release.links
        self.offsets: list[int] = []
        self.values: list[int] = []
        self.is_total: list[bool] = []
        self.table_of: list[int] = []
        # Each relation is a list of (cell, coefficient) whose weighted sum is 0.
        self.relations: list[list[tuple[int, int]]] = []
        for t, table in enumerate(release.tables):
            self.offsets.append(len(self.values))
            grid = table.with_totals()
            rows, columns = len(grid), len(grid[0])
            for i, row in enumerate(grid):
                for j, value in enumerate(row):
                    self.values.append(value)
                    self.is_total.append(i == rows - 1 or j == columns - 1)
                    self.table_of.append(t)
            for i in range(rows):
                line = [(self.cell_id(t, i, j), 1) for j in range(columns - 1)]
                self.relations.append([*line, (self.cell_id(t, i, columns - 1), -1)])
            for j in range(columns):
                line = [(self.cell_id(t, i, j), 1) for i in range(rows - 1)]
                self.relations.append([*line, (self.cell_id(t, rows - 1, j), -1)])
        for link in release.links:
            first, second = self.resolve(link.first), self.resolve(link.second)
            if self.values[first] != self.values[second]:
                raise TableError(f"linked cells {link.first} and {link.second} differ")
            self.relations.append([(first, 1), (second, -1)])
        self.relations_of: list[list[int]] = [[] for _ in self.values]
        for r, relation in enumerate(self.relations):
            for cell, _ in relation:
                self.relations_of[cell].append(r)

    def cell_id(self, t: int, i: int, j: int) -> int:
        return self.offsets[t] + i * (len(self.tables[t].column_labels) + 1) + j

    def describe(self, cell: int) -> tuple[str, str, str]:
        """Table name, row label and column label of a cell."""
        table = self.tables[self.table_of[cell]]
        i, j = divmod(cell - self.offsets[self.table_of[cell]], len(table.column_labels) + 1)
        return table.name, table.all_row_labels[i], table.all_column_labels[j]

    def resolve(self, ref: CellRef) -> int:
        for t, table in enumerate(self.tables):
            if table.name != ref.table:
                continue
            if ref.row not in table.all_row_labels or ref.column not in table.all_column_labels:
                break
            i = table.all_row_labels.index(ref.row)
            j = table.all_column_labels.index(ref.column)
            return self.cell_id(t, i, j)
        raise TableError(f"a link names a cell that does not exist: {ref}")

    def _cost(self, cell: int) -> tuple[bool, bool, int, int]:
        """Preference for a complementary cell: inner cells, then non-zero, then smallest."""
        value = self.values[cell]
        return (self.is_total[cell], value == 0, value, cell)

    def close_relations(self, suppressed: set[int]) -> None:
        """Suppress more cells until no relation holds exactly one suppressed cell."""
        changed = True
        while changed:
            changed = False
            for relation in self.relations:
                hidden = [cell for cell, _ in relation if cell in suppressed]
                if len(hidden) != 1:
                    continue
                candidates = [cell for cell, _ in relation if cell not in suppressed]
                suppressed.add(min(candidates, key=self._cost))
                changed = True

    def complement_for(self, cell: int, suppressed: set[int]) -> int | None:
        """A free cell that widens ``cell``'s range: in its rows/columns, else its table."""
        nearby = {
            other
            for r in self.relations_of[cell]
            for other, _ in self.relations[r]
            if other not in suppressed
        }
        if not nearby:
            nearby = {
                other
                for other in range(len(self.values))
                if other not in suppressed and self.table_of[other] == self.table_of[cell]
            }
        if not nearby:
            nearby = {other for other in range(len(self.values)) if other not in suppressed}
        return min(nearby, key=self._cost) if nearby else None

    def audit(
        self, suppressed: set[int], primary: set[int], threshold: int
    ) -> list[tuple[int, float, float, Literal["disclosed", "small"]]]:
        """Cells whose feasible range breaks the protection rule, with that range."""
        if not suppressed:
            return []
        unknowns = sorted(suppressed)
        column_of = {cell: k for k, cell in enumerate(unknowns)}
        rows: list[list[float]] = []
        rhs: list[float] = []
        for relation in self.relations:
            if not any(cell in column_of for cell, _ in relation):
                continue
            coefficients = [0.0] * len(unknowns)
            constant = 0
            for cell, coefficient in relation:
                if cell in column_of:
                    coefficients[column_of[cell]] += coefficient
                else:
                    constant += coefficient * self.values[cell]
            rows.append(coefficients)
            rhs.append(-constant)
        programs = Programs(
            len(unknowns),
            a_eq=csc_array(np.array(rows).reshape(len(rows), len(unknowns))),
            b_eq=np.array(rhs),
        )
        findings: list[tuple[int, float, float, Literal["disclosed", "small"]]] = []
        for k, cell in enumerate(unknowns):
            objective = np.zeros(len(unknowns))
            objective[k] = 1.0
            lower = self._solve(programs, objective)
            upper = -self._solve(programs, -objective)
            low = math.ceil(lower - _TOLERANCE)
            high = math.inf if math.isinf(upper) else math.floor(upper + _TOLERANCE)
            if low == high:
                findings.append((cell, float(low), float(high), "disclosed"))
            elif cell in primary and low >= 1 and high <= threshold - 1:
                findings.append((cell, float(low), float(high), "small"))
        return findings

    @staticmethod
    def _solve(programs: Programs, objective: np.ndarray) -> float:
        """Minimum of ``objective @ x`` subject to the published relations and ``x >= 0``."""
        try:
            return programs.minimum(objective)
        except ProgramError as exc:
            raise TableError(f"the disclosure audit could not solve a program: {exc}") from exc

    def protected(
        self, primary: set[int], suppressed: set[int], threshold: int
    ) -> ProtectedRelease:
        tables = []
        for t, table in enumerate(self.tables):
            status: list[tuple[CellStatus, ...]] = []
            for i in range(len(table.row_labels) + 1):
                flags: list[CellStatus] = []
                for j in range(len(table.column_labels) + 1):
                    cell = self.cell_id(t, i, j)
                    flags.append(
                        "primary"
                        if cell in primary
                        else "secondary"
                        if cell in suppressed
                        else "free"
                    )
                status.append(tuple(flags))
            tables.append(ProtectedTable(table, tuple(status), threshold))
        return ProtectedRelease(tuple(tables), self.links)
