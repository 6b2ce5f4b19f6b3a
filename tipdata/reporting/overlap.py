"""The release gate across releases: a new release audited against every earlier one it overlaps.

Suppression inside one release (:mod:`tipdata.reporting.suppression`) is undone when a
reader holds two releases whose periods overlap or nest: the year 2008 minus the year
without 1 January is 1 January, and a small count on one day is a disclosure. This module
extends the exact interval audit to the union of the released tables.

The periods of the releases are cut into *atoms*, the pieces of time between any two
period boundaries (for 2008 and 2008-Q1: Q1 and April–December). Every cell of a table
becomes one unknown per atom, a count ``>= 0``; what a reader knows becomes constraints:

* each published cell of each release: the sum of its atoms equals the published value
  (or lies in the rounding interval when the release was rounded);
* each additive relation of a released table (cells adding up to their total) holds in
  every atom of that release's period, as it does for counts of people or cases.

Two linear programs per cell then give the range a reader can infer for

* every suppressed cell of every release (unsafe if the range pins it, or shows a
  primary cell, or a cell a stored release shows only as ``withheld``, to be a small
  non-zero count), and
* every cell of every atom that is not itself a released period — a period nobody
  published, recovered by subtraction (unsafe if its range lies inside
  ``1 .. threshold - 1``: a small count for a piece of time nobody released).

Distinct-person counts are not exactly additive across periods (a person identified in
January and in March is one person in the quarter), and two releases may have been
computed on different data; the published constraints can then contradict each other.
The audit first finds the smallest total adjustment of the published values that makes
them consistent (the reader's best reading) and allows that much in every program.

Releases of every kind are audited together: each cell may carry a *measure* (what it
counts: unit, indicator and breakdown), and cells with the same measure, in any table of
any release (the TIP report's ``victims_by_sex_age`` and SDG 16.2.2's ``sdg_victims``),
are one count in every atom. The tables linked this way are audited as one group
(:func:`table_groups`); a table with no measures is audited with the tables of its name.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
from scipy.sparse import csc_array
from scipy.sparse import vstack as scipy_vstack

from tipdata.reporting.programs import ProgramError, Programs
from tipdata.reporting.suppression import ShownStatus, TableError, UnsafeCell

logger = logging.getLogger(__name__)

CellKey = tuple[str, str]
"""(row, column) of a report table, totals included."""

_TOLERANCE = 1e-6

SMALL_PROTECTED: frozenset[ShownStatus] = frozenset({"primary", "withheld"})
"""Suppressed cells that must not be shown to be a small non-zero count: primary ones,
and every cell of a stored release, which says only ``withheld`` (the public form keeps
no reason). A secondary cell holds 0 or at least the threshold, so its range, which
holds its value, never lies inside ``1 .. threshold - 1`` on consistent figures: the
rule costs a stored secondary cell nothing."""


@dataclass(frozen=True)
class Relation:
    """Cells of one table that add up to another cell of the same table."""

    total: CellKey
    members: tuple[CellKey, ...]


@dataclass(frozen=True)
class ReleasedFigures:
    """One release as the cross-release audit reads it.

    Attributes:
        label: how findings name it (``release 3 (2008)``, ``this release``).
        start: first day of its period.
        end: last day.
        cells: table -> (row, column) -> (published value or None, status).
        relations: table -> the additive relations of its published cells.
        rounding_base: base of the published values, or None (exact).
        measures: table -> (row, column) -> what the cell counts
            (:func:`~tipdata.reporting.release_figures.measure_of`); cells of any table
            and any release with the same measure are one count. A cell with none is a
            count of its own table only.
    """

    label: str
    start: date
    end: date
    cells: Mapping[str, Mapping[CellKey, tuple[int | None, ShownStatus]]]
    relations: Mapping[str, Sequence[Relation]] = field(default_factory=dict)
    rounding_base: int | None = None
    measures: Mapping[str, Mapping[CellKey, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class OverlapCell(UnsafeCell):
    """A cell a reader recovers by combining overlapping releases.

    Attributes:
        where: the suppressed cell's release, or the unpublished piece of time.
    """

    where: str = ""

    def __str__(self) -> str:
        low = f"{self.lower:g}"
        high = "∞" if math.isinf(self.upper) else f"{self.upper:g}"
        what = "disclosed" if self.reason == "disclosed" else "a small count"
        return (
            f"{self.table} [{self.row} × {self.column}] of {self.where} lies in "
            f"[{low}, {high}] across overlapping releases: {what}"
        )


def overlaps(first: tuple[date, date], second: tuple[date, date]) -> bool:
    """Whether two periods (first and last day) share at least one day."""
    return first[0] <= second[1] and second[0] <= first[1]


def atoms(periods: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """The pieces of time between any two boundaries of ``periods`` that some period covers.

    Examples:
        >>> year = (date(2008, 1, 1), date(2008, 12, 31))
        >>> later = (date(2008, 1, 2), date(2008, 12, 31))
        >>> [(a.isoformat(), b.isoformat()) for a, b in atoms([year, later])]
        [('2008-01-01', '2008-01-01'), ('2008-01-02', '2008-12-31')]
    """
    periods = list(periods)
    cuts = sorted({start for start, _ in periods} | {end + timedelta(days=1) for _, end in periods})
    pieces = [(a, b - timedelta(days=1)) for a, b in itertools.pairwise(cuts)]
    return [p for p in pieces if any(s <= p[0] and p[1] <= e for s, e in periods)]


def audit_overlaps(releases: Sequence[ReleasedFigures], threshold: int) -> list[OverlapCell]:
    """Every cell a reader holding all ``releases`` can recover or narrow to a small count.

    Args:
        releases: the releases a reader holds (the new one among them); their periods
            should overlap one another (others add nothing). They may be of different
            kinds (a TIP report, SDG 16.2.2): cells that count the same thing
            (:attr:`ReleasedFigures.measures`) are one count wherever they are published.
        threshold: counts ``1 <= n < threshold`` are small.

    Returns:
        The unsafe cells, suppressed cells of a release first, then cells of unpublished
        pieces of time; empty when the union of the releases is safe.
    """
    if len(releases) < 2:
        return []
    pieces = atoms((r.start, r.end) for r in releases)
    found: list[OverlapCell] = []
    for group in table_groups(releases):
        found.extend(_audit_group(group, releases, pieces, threshold))
    return found


def table_groups(releases: Sequence[ReleasedFigures]) -> list[tuple[str, ...]]:
    """The tables audited together: a table alone, or with every table (of any release)
    that shares a measure with it, and so on (the linked tables of the union)."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    first_table: dict[str, str] = {}
    for release in releases:
        for name in release.cells:
            root(name)
            for measure in release.measures.get(name, {}).values():
                other = first_table.setdefault(measure, name)
                parent[root(name)] = root(other)
    groups: dict[str, list[str]] = {}
    for name in sorted(parent):
        groups.setdefault(root(name), []).append(name)
    return [tuple(names) for names in groups.values()]


def _rounding_interval(value: int, base: int | None) -> tuple[float, float]:
    """The true values a published value can stand for (halves round up)."""
    if not base or base <= 1:
        return float(value), float(value)
    return float(max(value - base // 2, 0)), float(value + base - 1 - base // 2)


TableCell = tuple[str, str, str]
"""(table, row, column)."""


def _audit_group(
    names: Sequence[str],
    releases: Sequence[ReleasedFigures],
    pieces: Sequence[tuple[date, date]],
    threshold: int,
) -> list[OverlapCell]:
    holding = [r for r in releases if any(name in r.cells for name in names)]
    if len(holding) < 2:
        return []
    keys: list[TableCell] = sorted(
        {
            (name, row, column)
            for r in holding
            for name in names
            for row, column in r.cells.get(name, {})
        }
    )
    key_index = {key: k for k, key in enumerate(keys)}
    inside = [
        [a for a, (s, e) in enumerate(pieces) if r.start <= s and e <= r.end] for r in holding
    ]
    used = sorted({a for atoms_of in inside for a in atoms_of})
    atom_index = {a: i for i, a in enumerate(used)}
    n_x = len(used) * len(keys)

    def var(atom: int, key: TableCell) -> int:
        return atom_index[atom] * len(keys) + key_index[key]

    # the cells that count the same thing, in any release: one count in every atom
    same: dict[str, list[TableCell]] = {}
    for release in holding:
        for name in names:
            for (row, column), measure in release.measures.get(name, {}).items():
                cell = (name, row, column)
                if cell in key_index and cell not in same.setdefault(measure, []):
                    same[measure].append(cell)
    measure_of = {cell: m for m, cells in same.items() for cell in cells}

    # published cells: lower <= sum of atoms (+ slack) <= upper; one slack pair per cell
    bounds_rows: list[tuple[list[int], float, float]] = []
    for release, atoms_of in zip(holding, inside, strict=True):
        for name in names:
            if name not in release.cells:
                continue
            published = release.cells[name]
            for cell in keys:
                if cell[0] != name:
                    continue
                # a row left out counted nothing
                value, status = published.get(cell[1:], (0, "free"))
                if status != "free" or value is None:
                    continue
                low, high = _rounding_interval(value, release.rounding_base)
                bounds_rows.append(([var(a, cell) for a in atoms_of], low, high))
    # additive relations, in every atom of the period of a release that states them
    equal_rows: set[tuple[tuple[int, ...], int]] = set()
    for release, atoms_of in zip(holding, inside, strict=True):
        for name in names:
            for relation in release.relations.get(name, ()):
                total = (name, *relation.total)
                members_of = [(name, row, column) for row, column in relation.members]
                if total not in key_index or any(m not in key_index for m in members_of):
                    continue
                for a in atoms_of:
                    members = tuple(sorted(var(a, m) for m in members_of))
                    equal_rows.add((members, var(a, total)))
    for linked in same.values():
        for first, other in itertools.pairwise(linked):
            for a in used:
                equal_rows.add(((var(a, first),), var(a, other)))
    n_s = 2 * len(bounds_rows)
    n = n_x + n_s
    ub_rows: list[int] = []
    ub_cols: list[int] = []
    ub_vals: list[float] = []
    b_ub = np.zeros(2 * len(bounds_rows))
    for i, (variables, low, high) in enumerate(bounds_rows):
        plus, minus = n_x + 2 * i, n_x + 2 * i + 1
        for variable in variables:
            ub_rows += [2 * i, 2 * i + 1]  # sum + s+ - s- <= high; -(sum + s+ - s-) <= -low
            ub_cols += [variable, variable]
            ub_vals += [1.0, -1.0]
        ub_rows += [2 * i, 2 * i, 2 * i + 1, 2 * i + 1]
        ub_cols += [plus, minus, plus, minus]
        ub_vals += [1.0, -1.0, -1.0, 1.0]
        b_ub[2 * i], b_ub[2 * i + 1] = high, -low
    ordered = sorted(equal_rows)
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    eq_vals: list[float] = []
    for i, (member_vars, total_var) in enumerate(ordered):
        for member_var in member_vars:
            eq_rows.append(i)
            eq_cols.append(member_var)
            eq_vals.append(1.0)
        eq_rows.append(i)
        eq_cols.append(total_var)
        eq_vals.append(-1.0)
    b_eq = np.zeros(len(ordered))
    sparse_eq = csc_array((eq_vals, (eq_rows, eq_cols)), shape=(len(ordered), n))
    sparse_ub0 = csc_array((ub_vals, (ub_rows, ub_cols)), shape=(len(b_ub), n))
    # the reader's best reading: the least adjustment that makes the releases consistent
    slack_cost = np.zeros(n)
    slack_cost[n_x:] = 1.0
    adjustment = _solve(
        Programs(n, a_ub=sparse_ub0, b_ub=b_ub, a_eq=sparse_eq, b_eq=b_eq), slack_cost
    )
    if adjustment > _TOLERANCE:
        logger.info("tables %s: releases disagree by %g in total", ", ".join(names), adjustment)
    budget = np.zeros((1, n))
    budget[0, n_x:] = 1.0
    sparse_ub = csc_array(scipy_vstack([sparse_ub0, csc_array(budget)]))
    b_ub = np.append(b_ub, adjustment + _TOLERANCE)

    # one model for every program below: only the objective changes (HiGHS's hot start)
    programs = Programs(n, a_ub=sparse_ub, b_ub=b_ub, a_eq=sparse_eq, b_eq=b_eq)

    def value_range(columns: Sequence[int], need_upper: bool = True) -> tuple[float, float]:
        objective = np.zeros(n)
        objective[list(columns)] = 1.0
        low = _solve(programs, objective)
        if not need_upper:
            return low, math.inf
        high = -_solve(programs, -objective)
        return low, high

    found: list[OverlapCell] = []
    # 1. suppressed cells of every release (a count suppressed in two tables: once)
    for release, atoms_of in zip(holding, inside, strict=True):
        seen: set[str] = set()
        for name in names:
            for (row, column), (_value, status) in sorted(release.cells.get(name, {}).items()):
                cell = (name, row, column)
                if status == "free" or measure_of.get(cell, str(cell)) in seen:
                    continue
                seen.add(measure_of.get(cell, str(cell)))
                lower, upper = value_range([var(a, cell) for a in atoms_of])
                low, high = _rounded(lower, upper)
                if low == high:
                    found.append(_finding(cell, status, low, high, "disclosed", release.label))
                elif status in SMALL_PROTECTED and low >= 1 and high <= threshold - 1:
                    found.append(_finding(cell, status, low, high, "small", release.label))
    # 2. cells of the pieces of time nobody released
    released_periods = {(r.start, r.end) for r in holding}
    for a in used:
        if pieces[a] in released_periods:
            continue
        ceiling = _cheap_ceiling(a, holding, inside)
        start, end = pieces[a]
        where = f"{start.isoformat()} to {end.isoformat()} (not released)"
        checked: set[str] = set()
        for cell in keys:
            measure = measure_of.get(cell, str(cell))
            if measure in checked:
                continue
            checked.add(measure)
            if min(ceiling(c) for c in same.get(measure, [cell])) < 1:
                continue  # some release covering it published 0: nothing to recover
            lower, _ = value_range([var(a, cell)], need_upper=False)
            if math.ceil(lower - _TOLERANCE) < 1:
                continue
            lower, upper = value_range([var(a, cell)])
            low, high = _rounded(lower, upper)
            if low >= 1 and high <= threshold - 1:
                reason: Literal["disclosed", "small"] = "disclosed" if low == high else "small"
                found.append(_finding(cell, "primary", low, high, reason, where))
    return found


def _cheap_ceiling(
    atom: int,
    holding: Sequence[ReleasedFigures],
    inside: Sequence[Sequence[int]],
) -> Callable[[TableCell], float]:
    """An upper bound of a cell in one atom: the least published value of a release holding it."""
    covering = [r for r, atoms_of in zip(holding, inside, strict=True) if atom in atoms_of]

    def ceiling(cell: TableCell) -> float:
        best = math.inf
        name, row, column = cell
        for release in covering:
            if name not in release.cells:
                continue
            value, status = release.cells[name].get((row, column), (0, "free"))
            if status == "free" and value is not None:
                best = min(best, _rounding_interval(value, release.rounding_base)[1])
        return best

    return ceiling


def _rounded(lower: float, upper: float) -> tuple[float, float]:
    low = float(math.ceil(lower - _TOLERANCE))
    high = math.inf if math.isinf(upper) else float(math.floor(upper + _TOLERANCE))
    return low, high


def _finding(
    cell: TableCell,
    status: ShownStatus,
    low: float,
    high: float,
    reason: Literal["disclosed", "small"],
    where: str,
) -> OverlapCell:
    return OverlapCell(cell[0], cell[1], cell[2], status, low, high, reason, where)


def _solve(programs: Programs, objective: np.ndarray) -> float:
    """Minimum of ``objective @ x`` subject to the audit's constraints and ``x >= 0``."""
    try:
        return programs.minimum(objective)
    except ProgramError as exc:
        raise TableError(f"the cross-release audit could not solve a program: {exc}") from exc
