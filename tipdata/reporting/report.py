"""Reports as data: tables of de-duplicated figures with their naive sums and their origin.

A :class:`Report` is a list of :class:`ReportTable`; every cell holds the
de-duplicated figure and the naive sum of agency records
(:class:`~tipdata.reporting.engine.Cell`) and, where an indicator computed it,
the :class:`CellSource` that ``report explain`` expands back to records.
Tables are declared with :class:`Crosstab` (one indicator, rows by one
breakdown, columns by another) or :class:`IndicatorRows` (one row per indicator).
Renderers, publication and explanation all read this one structure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from tipdata.reporting.engine import (
    UNDATED_WHERE,
    ZERO,
    Cell,
    FactCache,
    MarginRanges,
    Margins,
    evaluate_margins,
    evaluate_margins_with_ranges,
)
from tipdata.reporting.indicators import Catalogue, Indicator
from tipdata.reporting.uncertainty import Alternatives, FigureRange, alternatives_from_pairs
from tipdata.store import Database

TOTAL = "Total"
_NO_PAIRS = alternatives_from_pairs(())

LABELS: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "unknown": "Unknown",
    "child": "Child (under 18)",
    "adult": "Adult (18+)",
    "sexual_exploitation": "Sex trafficking",
    "forced_labour": "Labour trafficking",
    "government": "Government",
    "ngo": "NGO",
    "international": "International organisation",
    "court": "Court",
    "working_group": "Working group",
}
"""Readable labels of common codes; other codes are shown as they are."""

_ORDER: dict[str, tuple[str, ...]] = {
    "sex": ("female", "male", "other", "unknown"),
    "age_group": ("child", "adult", "unknown"),
    "victim_age_group": ("child", "adult", "unknown"),
}


@dataclass(frozen=True)
class CellSource:
    """Where a cell comes from: an indicator, the period and the breakdown values.

    Attributes:
        indicator: indicator code.
        where: (disaggregation, value) pairs that select the cell; empty for a total.
    """

    indicator: str
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReportTable:
    """One table of a report.

    Attributes:
        name: identifier (``victims_by_sex_age``), used by ``report explain``.
        title: heading.
        definitions: what the figures mean, printed under the table.
        row_header: heading of the label column.
        rows: row codes, the total last when present.
        columns: column codes, the total last when present.
        cells: figure per (row, column).
        sources: origin per (row, column), for explanation.
        labels: readable label per code (codes are shown where missing).
        unit: what a figure counts (persons, cases, charges, records).
        not_recorded: cells shown as "not recorded", with the note why.
        ranges: per (row, column), the figure's range over the linkage review queue
            (:mod:`tipdata.reporting.uncertainty`), where computed.
    """

    name: str
    title: str
    definitions: tuple[str, ...]
    row_header: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    sources: Mapping[tuple[str, str], CellSource] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    unit: str = "persons"
    not_recorded: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """Cells no imported source can produce, each with its note naming the source and
    the missing field (:mod:`tipdata.reporting.coverage`): shown as "not recorded"."""
    ranges: Mapping[tuple[str, str], FigureRange] = field(default_factory=dict)

    def cell(self, row: str, column: str) -> Cell:
        """The cell at (row, column); zero where nothing was counted."""
        return self.cells.get((row, column), ZERO)

    def label(self, code: str) -> str:
        """The readable label of a row or column code."""
        return self.labels.get(code) or LABELS.get(code) or code

    def find(self, row: str, column: str) -> tuple[str, str]:
        """Resolve a row and column given by code or by label.

        Raises:
            KeyError: no such row or column.
        """
        return self._resolve(row, self.rows, "row"), self._resolve(column, self.columns, "column")

    def _resolve(self, wanted: str, codes: Sequence[str], what: str) -> str:
        for code in codes:
            if wanted in (code, self.label(code)) or wanted.casefold() == code.casefold():
                return code
        raise KeyError(f"table {self.name!r} has no {what} {wanted!r}; {what}s: {', '.join(codes)}")


@dataclass(frozen=True)
class Report:
    """A report: tables over one period.

    Attributes:
        title: title of the report.
        start: first day of the period.
        end: last day of the period.
        tables: the tables in order.
        generated_at: when the figures were computed.
        notes: remarks on the whole report (data gaps, linkage state).
        extras: other renderable content (e.g. a provincial completeness grid).
    """

    title: str
    start: date
    end: date
    tables: tuple[ReportTable, ...]
    generated_at: datetime
    notes: tuple[str, ...] = ()

    def table(self, name: str) -> ReportTable:
        """The table called ``name``.

        Raises:
            KeyError: naming the tables there are.
        """
        for table in self.tables:
            if table.name == name:
                return table
        names = ", ".join(t.name for t in self.tables)
        raise KeyError(f"no table {name!r} in the report; tables: {names}")


class TableSpec(Protocol):
    """Anything that builds a report table from the database."""

    @property
    def name(self) -> str:
        """The table name."""
        ...

    def build(
        self,
        db: Database,
        catalogue: Catalogue,
        start: date,
        end: date,
        *,
        alternatives: Alternatives | None = None,
        cache: FactCache | None = None,
    ) -> ReportTable:
        """Compute the table for the period (with ``alternatives``: each person count's
        range over the linkage review queue, in :attr:`ReportTable.ranges`; with
        ``cache``: reusing the facts other tables of the report read)."""
        ...


def _evaluate(
    db: Database,
    indicator: Indicator,
    start: date,
    end: date,
    by: Sequence[str],
    alternatives: Alternatives | None,
    *,
    undated: bool = False,
    cache: FactCache | None = None,
) -> tuple[Margins, MarginRanges]:
    """The margins of ``by``, with their ranges when ``alternatives`` are given."""
    if alternatives is None and cache is None:
        return evaluate_margins(db, indicator, start, end, by, undated=undated), {}
    margins, ranges = evaluate_margins_with_ranges(
        db, indicator, start, end, by, alternatives or _NO_PAIRS, undated=undated, cache=cache
    )
    return margins, ranges if alternatives is not None else {}


def _ordered(found: set[str], dimension: str | None, preferred: Sequence[str] = ()) -> list[str]:
    order = list(preferred) or list(_ORDER.get(dimension or "", ()))
    first = [code for code in order if code in found]
    rest = sorted(found - set(first), key=lambda c: (c == "unknown", c))
    return first + rest


@dataclass(frozen=True)
class Crosstab:
    """One indicator broken down by a row and (optionally) a column disaggregation.

    Attributes:
        name: table name.
        title: heading.
        indicator: indicator code.
        rows: the row disaggregation.
        columns: the column disaggregation, or None for a single total column.
        definitions: extra sentences after the indicator's own definition.
        row_order: codes shown first, in this order (also shown when zero).
        column_order: likewise for columns.
    """

    name: str
    title: str
    indicator: str
    rows: str
    columns: str | None = None
    definitions: tuple[str, ...] = ()
    row_order: tuple[str, ...] = ()
    column_order: tuple[str, ...] = ()

    def build(
        self,
        db: Database,
        catalogue: Catalogue,
        start: date,
        end: date,
        *,
        alternatives: Alternatives | None = None,
        cache: FactCache | None = None,
    ) -> ReportTable:
        """Compute the table: cells, row and column totals and the grand total."""
        indicator = catalogue[self.indicator]
        cells: dict[tuple[str, str], Cell] = {}
        sources: dict[tuple[str, str], CellSource] = {}
        # one query for the cells and every margin (see evaluate_margins)
        by = [self.rows] if self.columns is None else [self.rows, self.columns]
        margins, found = _evaluate(db, indicator, start, end, by, alternatives, cache=cache)
        ranges: dict[tuple[str, str], FigureRange] = {}
        for (row,), figure_range in found.get((self.rows,), {}).items():
            ranges[(row, TOTAL)] = figure_range
        if self.columns is not None:
            for (column,), figure_range in found.get((self.columns,), {}).items():
                ranges[(TOTAL, column)] = figure_range
            for (row, column), figure_range in found.get((self.rows, self.columns), {}).items():
                ranges[(row, column)] = figure_range
        if () in found:
            ranges[(TOTAL, TOTAL)] = found[()][()]
        total = margins[()].get((), ZERO)
        by_row = margins[(self.rows,)]
        row_codes = _ordered(
            {k[0] for k in by_row} | set(self.row_order), self.rows, self.row_order
        )
        for (row,), cell in by_row.items():
            cells[(row, TOTAL)] = cell
        for row in row_codes:
            sources[(row, TOTAL)] = CellSource(self.indicator, ((self.rows, row),))
        column_codes: list[str] = []
        if self.columns is not None:
            by_column = margins[(self.columns,)]
            column_codes = _ordered(
                {k[0] for k in by_column} | set(self.column_order), self.columns, self.column_order
            )
            for (column,), cell in by_column.items():
                cells[(TOTAL, column)] = cell
            for (row, column), cell in margins[(self.rows, self.columns)].items():
                cells[(row, column)] = cell
            for row in row_codes:
                for column in column_codes:
                    sources[(row, column)] = CellSource(
                        self.indicator, ((self.rows, row), (self.columns, column))
                    )
            for column in column_codes:
                sources[(TOTAL, column)] = CellSource(self.indicator, ((self.columns, column),))
        cells[(TOTAL, TOTAL)] = total
        sources[(TOTAL, TOTAL)] = CellSource(self.indicator)
        definitions = (f"{indicator.name}: {indicator.definition}", *self.definitions)
        if indicator.methodology:
            definitions = (*definitions, indicator.methodology)
        return ReportTable(
            name=self.name,
            title=self.title,
            definitions=definitions,
            row_header=self.rows.replace("_", " ").capitalize(),
            rows=(*row_codes, TOTAL),
            columns=(*column_codes, TOTAL),
            cells=cells,
            sources=sources,
            unit=indicator.unit,
            ranges=ranges,
        )


def sex_by_age_group(name: str, title: str, indicator: str) -> Crosstab:
    """The table the TIP and UNODC questionnaires both ask for: female/male × child/adult."""
    return Crosstab(
        name, title, indicator, rows="sex", columns="age_group",
        row_order=("female", "male"), column_order=("child", "adult"),
    )  # fmt: skip


@dataclass(frozen=True)
class IndicatorRows:
    """One row per indicator, optionally broken down by a column disaggregation.

    Attributes:
        name: table name.
        title: heading.
        indicators: indicator codes, one row each.
        columns: the column disaggregation (or None for totals only).
        column_of: a different disaggregation for some indicators whose values
            share the column codes (``{"investigations": "case_exploitation_type"}``).
        definitions: extra sentences.
        column_order: codes shown first (and shown when zero).
    """

    name: str
    title: str
    indicators: tuple[str, ...]
    columns: str | None = None
    column_of: Mapping[str, str] = field(default_factory=dict)
    definitions: tuple[str, ...] = ()
    column_order: tuple[str, ...] = ()

    def build(
        self,
        db: Database,
        catalogue: Catalogue,
        start: date,
        end: date,
        *,
        alternatives: Alternatives | None = None,
        cache: FactCache | None = None,
    ) -> ReportTable:
        """Compute the table: each indicator's breakdown and its total."""
        cells: dict[tuple[str, str], Cell] = {}
        sources: dict[tuple[str, str], CellSource] = {}
        labels: dict[str, str] = {}
        ranges: dict[tuple[str, str], FigureRange] = {}
        found: set[str] = set(self.column_order)
        definitions: list[str] = []
        for code in self.indicators:
            indicator = catalogue[code]
            labels[code] = indicator.name
            definitions.append(f"{indicator.name}: {indicator.definition}")
            sources[(code, TOTAL)] = CellSource(code)
            dimension = self.column_of.get(code, self.columns or "")
            by = [dimension] if self.columns is not None else []
            margins, figure_ranges = _evaluate(
                db, indicator, start, end, by, alternatives, cache=cache
            )
            cells[(code, TOTAL)] = margins[()].get((), ZERO)
            if () in figure_ranges:
                ranges[(code, TOTAL)] = figure_ranges[()][()]
            if self.columns is None:
                continue
            for (column,), cell in margins[(dimension,)].items():
                cells[(code, column)] = cell
                found.add(column)
            for (column,), figure_range in figure_ranges.get((dimension,), {}).items():
                ranges[(code, column)] = figure_range
        column_codes = _ordered(found, self.columns, self.column_order) if self.columns else []
        for code in self.indicators:
            dimension = self.column_of.get(code, self.columns or "")
            for column in column_codes:
                sources[(code, column)] = CellSource(code, ((dimension, column),))
        return ReportTable(
            name=self.name,
            title=self.title,
            definitions=(*definitions, *self.definitions),
            row_header="Indicator",
            rows=tuple(self.indicators),
            columns=(*column_codes, TOTAL),
            cells=cells,
            sources=sources,
            labels=labels,
            unit=catalogue[self.indicators[0]].unit,
            ranges=ranges,
        )


@dataclass(frozen=True)
class UndatedRows:
    """The "date not recorded" line: per indicator, the units whose facts have no date.

    A fact with no date belongs to no period, so no period's figure counts it (it would
    otherwise appear in every year); this table counts it once, on its own line. For an
    indicator dated by its earliest fact, a unit counts here only when none of its
    facts has a date.

    Attributes:
        name: table name.
        title: heading.
        indicators: indicator codes, one row each.
        definitions: extra sentences.
    """

    name: str
    title: str
    indicators: tuple[str, ...]
    definitions: tuple[str, ...] = ()

    def build(
        self,
        db: Database,
        catalogue: Catalogue,
        start: date,
        end: date,
        *,
        alternatives: Alternatives | None = None,
        cache: FactCache | None = None,
    ) -> ReportTable:
        """Count each indicator's undated facts (the period is not used)."""
        cells: dict[tuple[str, str], Cell] = {}
        sources: dict[tuple[str, str], CellSource] = {}
        labels: dict[str, str] = {}
        ranges: dict[tuple[str, str], FigureRange] = {}
        for code in self.indicators:
            indicator = catalogue[code]
            labels[code] = indicator.name
            margins, figure_ranges = _evaluate(
                db, indicator, start, end, [], alternatives, undated=True, cache=cache
            )
            cells[(code, TOTAL)] = margins[()].get((), ZERO)
            if () in figure_ranges:
                ranges[(code, TOTAL)] = figure_ranges[()][()]
            sources[(code, TOTAL)] = CellSource(code, (UNDATED_WHERE,))
        return ReportTable(
            name=self.name,
            title=self.title,
            definitions=(
                "Facts with no date recorded: they belong to no period and are counted "
                "in no period's figures; all years together.",
                *self.definitions,
            ),
            row_header="Indicator",
            rows=tuple(self.indicators),
            columns=(TOTAL,),
            cells=cells,
            sources=sources,
            labels=labels,
            unit=catalogue[self.indicators[0]].unit,
            ranges=ranges,
        )


def build_tables(
    db: Database,
    catalogue: Catalogue,
    specs: Sequence[TableSpec],
    start: date,
    end: date,
    *,
    alternatives: Alternatives | None = None,
) -> list[ReportTable]:
    """Build every table of a report, in order (with ``alternatives``: with ranges).

    The tables share one :class:`~tipdata.reporting.engine.FactCache`: the facts of an
    indicator are read once for every table counting it by the persons' attributes.
    """
    cache = FactCache()
    return [
        spec.build(db, catalogue, start, end, alternatives=alternatives, cache=cache)
        for spec in specs
    ]
