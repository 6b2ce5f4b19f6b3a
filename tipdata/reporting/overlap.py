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
  primary cell to be a small non-zero count), and
* every cell of every atom that is not itself a released period — a period nobody
  published, recovered by subtraction (unsafe if its range lies inside
  ``1 .. threshold - 1``: a small count for a piece of time nobody released).

Distinct-person counts are not exactly additive across periods (a person identified in
January and in March is one person in the quarter), and two releases may have been
computed on different data; the published constraints can then contradict each other.
The audit first finds the smallest total adjustment of the published values that makes
them consistent (the reader's best reading) and allows that much in every program.

Tables are audited one at a time (the links between tables sharing a figure, which the
one-release audit uses, are left out here).
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

from tipdata.reporting.programs import ProgramError, Programs
from tipdata.reporting.suppression import CellStatus, TableError, UnsafeCell

logger = logging.getLogger(__name__)

CellKey = tuple[str, str]
"""(row, column) of a report table, totals included."""

_TOLERANCE = 1e-6


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
    """

    label: str
    start: date
    end: date
    cells: Mapping[str, Mapping[CellKey, tuple[int | None, CellStatus]]]
    relations: Mapping[str, Sequence[Relation]] = field(default_factory=dict)
    rounding_base: int | None = None


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
            should overlap one another (others add nothing).
        threshold: counts ``1 <= n < threshold`` are small.

    Returns:
        The unsafe cells, suppressed cells of a release first, then cells of unpublished
        pieces of time; empty when the union of the releases is safe.
    """
    if len(releases) < 2:
        return []
    pieces = atoms((r.start, r.end) for r in releases)
    names = sorted({name for r in releases for name in r.cells})
    found: list[OverlapCell] = []
    for name in names:
        found.extend(_audit_table(name, releases, pieces, threshold))
    return found


def _rounding_interval(value: int, base: int | None) -> tuple[float, float]:
    """The true values a published value can stand for (halves round up)."""
    if not base or base <= 1:
        return float(value), float(value)
    return float(max(value - base // 2, 0)), float(value + base - 1 - base // 2)


def _audit_table(
    name: str,
    releases: Sequence[ReleasedFigures],
    pieces: Sequence[tuple[date, date]],
    threshold: int,
) -> list[OverlapCell]:
    holding = [r for r in releases if name in r.cells]
    if len(holding) < 2:
        return []
    keys = sorted({key for r in holding for key in r.cells[name]})
    key_index = {key: k for k, key in enumerate(keys)}
    inside = [
        [a for a, (s, e) in enumerate(pieces) if r.start <= s and e <= r.end] for r in holding
    ]
    used = sorted({a for atoms_of in inside for a in atoms_of})
    atom_index = {a: i for i, a in enumerate(used)}
    n_x = len(used) * len(keys)

    def var(atom: int, key: CellKey) -> int:
        return atom_index[atom] * len(keys) + key_index[key]

    # published cells: lower <= sum of atoms (+ slack) <= upper; one slack pair per cell
    bounds_rows: list[tuple[list[int], float, float]] = []
    for release, atoms_of in zip(holding, inside, strict=True):
        published = release.cells[name]
        for key in keys:
            value, status = published.get(key, (0, "free"))  # a row left out counted nothing
            if status != "free" or value is None:
                continue
            low, high = _rounding_interval(value, release.rounding_base)
            bounds_rows.append(([var(a, key) for a in atoms_of], low, high))
    # additive relations, in every atom of the period of a release that states them
    relation_rows: set[tuple[tuple[int, ...], int]] = set()
    for release, atoms_of in zip(holding, inside, strict=True):
        for relation in release.relations.get(name, ()):
            if relation.total not in key_index or any(m not in key_index for m in relation.members):
                continue
            for a in atoms_of:
                members = tuple(sorted(var(a, m) for m in relation.members))
                relation_rows.add((members, var(a, relation.total)))
    n_s = 2 * len(bounds_rows)
    n = n_x + n_s
    a_ub = np.zeros((2 * len(bounds_rows), n))
    b_ub = np.zeros(2 * len(bounds_rows))
    for i, (columns, low, high) in enumerate(bounds_rows):
        plus, minus = n_x + 2 * i, n_x + 2 * i + 1
        for column in columns:
            a_ub[2 * i, column] = 1.0  # sum + s+ - s- <= high
            a_ub[2 * i + 1, column] = -1.0  # -(sum + s+ - s-) <= -low
        a_ub[2 * i, plus], a_ub[2 * i, minus] = 1.0, -1.0
        a_ub[2 * i + 1, plus], a_ub[2 * i + 1, minus] = -1.0, 1.0
        b_ub[2 * i], b_ub[2 * i + 1] = high, -low
    ordered = sorted(relation_rows)
    a_eq = np.zeros((len(ordered), n))
    for i, (members, total) in enumerate(ordered):
        for member in members:
            a_eq[i, member] += 1.0
        a_eq[i, total] -= 1.0
    b_eq = np.zeros(len(ordered))
    # the reader's best reading: the least adjustment that makes the releases consistent
    slack_cost = np.zeros(n)
    slack_cost[n_x:] = 1.0
    consistent = Programs(n, a_ub=csc_array(a_ub), b_ub=b_ub, a_eq=csc_array(a_eq), b_eq=b_eq)
    adjustment = _solve(consistent, slack_cost)
    if adjustment > _TOLERANCE:
        logger.info("table %s: releases disagree by %g in total", name, adjustment)
    budget = np.zeros((1, n))
    budget[0, n_x:] = 1.0
    # one model for every program below: only the objective changes (HiGHS's hot start)
    programs = Programs(
        n,
        a_ub=csc_array(np.vstack([a_ub, budget])),
        b_ub=np.append(b_ub, adjustment + _TOLERANCE),
        a_eq=csc_array(a_eq),
        b_eq=b_eq,
    )

    def value_range(columns: Sequence[int], need_upper: bool = True) -> tuple[float, float]:
        objective = np.zeros(n)
        objective[list(columns)] = 1.0
        low = _solve(programs, objective)
        if not need_upper:
            return low, math.inf
        high = -_solve(programs, -objective)
        return low, high

    found: list[OverlapCell] = []
    # 1. suppressed cells of every release
    for release, atoms_of in zip(holding, inside, strict=True):
        for key, (_value, status) in sorted(release.cells[name].items()):
            if status == "free":
                continue
            lower, upper = value_range([var(a, key) for a in atoms_of])
            low, high = _rounded(lower, upper)
            if low == high:
                found.append(_finding(name, key, status, low, high, "disclosed", release.label))
            elif status == "primary" and low >= 1 and high <= threshold - 1:
                found.append(_finding(name, key, status, low, high, "small", release.label))
    # 2. cells of the pieces of time nobody released
    released_periods = {(r.start, r.end) for r in holding}
    for a in used:
        if pieces[a] in released_periods:
            continue
        ceiling = _cheap_ceiling(a, holding, inside, name)
        start, end = pieces[a]
        where = f"{start.isoformat()} to {end.isoformat()} (not released)"
        for key in keys:
            if ceiling(key) < 1:
                continue  # some release covering it published 0: nothing to recover
            lower, _ = value_range([var(a, key)], need_upper=False)
            if math.ceil(lower - _TOLERANCE) < 1:
                continue
            lower, upper = value_range([var(a, key)])
            low, high = _rounded(lower, upper)
            if low >= 1 and high <= threshold - 1:
                reason: Literal["disclosed", "small"] = "disclosed" if low == high else "small"
                found.append(_finding(name, key, "primary", low, high, reason, where))
    return found


def _cheap_ceiling(
    atom: int,
    holding: Sequence[ReleasedFigures],
    inside: Sequence[Sequence[int]],
    name: str,
) -> Callable[[CellKey], float]:
    """An upper bound of a cell in one atom: the least published value of a release holding it."""
    covering = [r for r, atoms_of in zip(holding, inside, strict=True) if atom in atoms_of]

    def ceiling(key: CellKey) -> float:
        best = math.inf
        for release in covering:
            value, status = release.cells[name].get(key, (0, "free"))
            if status == "free" and value is not None:
                best = min(best, _rounding_interval(value, release.rounding_base)[1])
        return best

    return ceiling


def _rounded(lower: float, upper: float) -> tuple[float, float]:
    low = float(math.ceil(lower - _TOLERANCE))
    high = math.inf if math.isinf(upper) else float(math.floor(upper + _TOLERANCE))
    return low, high


def _finding(
    table: str,
    key: CellKey,
    status: CellStatus,
    low: float,
    high: float,
    reason: Literal["disclosed", "small"],
    where: str,
) -> OverlapCell:
    return OverlapCell(table, key[0], key[1], status, low, high, reason, where)


def _solve(programs: Programs, objective: np.ndarray) -> float:
    """Minimum of ``objective @ x`` subject to the audit's constraints and ``x >= 0``."""
    try:
        return programs.minimum(objective)
    except ProgramError as exc:
        raise TableError(f"the cross-release audit could not solve a program: {exc}") from exc
