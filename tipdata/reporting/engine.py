"""The indicator engine: one SQL query per figure, the same on SQLite and PostgreSQL.

An indicator (:mod:`tipdata.reporting.indicators`) becomes a query in three steps:

1. **Facts.** Each part of the numerator selects facts (events, charges or
   cases) in the period, with the columns every breakdown needs: the unit key
   (the canonical person, case or charge), the record behind the fact, the
   agency that recorded it, its date and month, and the person's age at that date.
2. **Persons.** For a count of persons, each canonical person's attributes (sex,
   nationality, province of origin, exploitation type, destination) are resolved
   once over *all* the records linked to it, and its age is its youngest age
   over the facts counted, so a person falls in exactly one cell of each person
   breakdown.
3. **Count.** ``COUNT(DISTINCT unit key)`` is the de-duplicated figure;
   ``COUNT(DISTINCT record)`` is the naive figure, the sum of what each agency
   counts, shown beside it so the overlap between agencies is visible.

Until linkage has set ``person_record.person_id``, an unlinked record is its own
person (key ``-record id``), so figures fall back to record counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa

from tipdata.errors import TipdataError
from tipdata.reporting.indicators import (
    FACT_DIMENSIONS,
    PERSON_DIMENSIONS,
    FactQuery,
    Indicator,
)
from tipdata.reporting.kanonymity import AGE_BANDS
from tipdata.reporting.uncertainty import Alternatives, FigureRange, answers_of
from tipdata.store import Database, metadata

UNKNOWN = "unknown"
UNDATED_WHERE = ("date", "not recorded")
"""The (key, value) a cell's ``where`` holds when it counts the facts with no date: the
"date not recorded" line of a report (:func:`members` reads it)."""
ADULT_AGE = 18

_FACT_COLUMNS: tuple[tuple[str, type[sa.types.TypeEngine[Any]]], ...] = (
    ("k", sa.Integer),
    ("record_id", sa.Integer),
    ("person_id", sa.Integer),
    ("fact_kind", sa.String),
    ("fact_id", sa.Integer),
    ("source_record_id", sa.Integer),
    ("fact_date", sa.Date),
    ("age", sa.Integer),
    ("agency", sa.String),
    ("agency_kind", sa.String),
    ("month", sa.Integer),
    ("event_type", sa.String),
    ("law_article", sa.String),
    ("sentence_range", sa.String),
    ("outcome", sa.String),
    ("victim_age_group", sa.String),
    ("kind", sa.String),
    ("case_exploitation_type", sa.String),
    ("case_destination", sa.String),
    ("case_province", sa.String),
)

SENTENCE_RANGES: tuple[tuple[str, int | None], ...] = (
    ("no prison term", 1),
    ("under 1 year", 12),
    ("1 to under 5 years", 60),
    ("5 to under 10 years", 120),
    ("10 to under 15 years", 180),
    ("15 years and over", None),
)
"""Sentence ranges by total prison term in months (suspended part included): label, upper bound."""


class EngineError(TipdataError, ValueError):
    """An indicator was asked for a breakdown or filter it does not allow."""


@dataclass(frozen=True)
class Cell:
    """One figure: the de-duplicated value and the naive sum of agency records.

    Attributes:
        value: distinct units (canonical persons, cases or charges).
        naive: distinct agency records behind them (what adding up the agencies'
            own counts gives); ``naive - value`` is the overlap.
    """

    value: int
    naive: int

    @property
    def overlap(self) -> int:
        """Records that count a unit another record already counts."""
        return self.naive - self.value


ZERO = Cell(0, 0)


@dataclass(frozen=True)
class Member:
    """A unit behind a figure and one fact that makes it count.

    Attributes:
        key: the unit key (canonical person id; ``-record id`` for an unlinked
            record; case id; charge id).
        record_id: the person record (persons), case or charge.
        fact_kind: ``event``, ``charge`` or ``case``.
        fact_id: the id of the fact in its table.
        source_record_id: the raw source row the fact came from.
    """

    key: int
    record_id: int
    fact_kind: str
    fact_id: int
    source_record_id: int | None


def evaluate(
    db: Database,
    indicator: Indicator,
    start: date,
    end: date,
    by: Sequence[str] = (),
    *,
    undated: bool = False,
) -> dict[tuple[str, ...], Cell]:
    """Compute an indicator for a period, broken down by some disaggregations.

    Args:
        db: the database.
        indicator: the indicator.
        start: first day of the period.
        end: last day of the period (inclusive).
        by: disaggregations (each must be allowed by the indicator); empty for the total.
        undated: count the facts with no date instead (the "date not recorded" line;
            ``start`` and ``end`` are then not used).

    Returns:
        One cell per combination of values found, keyed by the values in ``by``
        order (``()`` for the total; an empty period gives ``{(): Cell(0, 0)}``).

    Raises:
        EngineError: a disaggregation the indicator does not allow.
    """
    _check_by(indicator, by)
    rows = _rows(indicator, indicator.numerator.any_of, start, end, by, undated=undated)
    dims = [rows.c[f"d_{name}"] for name in by]
    query = sa.select(
        *dims,
        sa.func.count(sa.distinct(rows.c.k)),
        sa.func.count(sa.distinct(rows.c.record_id)),
    ).group_by(*dims)
    with db.connect() as connection:
        result = {
            tuple(
                _label(name, value) for name, value in zip(by, row[: len(by)], strict=True)
            ): Cell(int(row[-2]), int(row[-1]))
            for row in connection.execute(query)
        }
    if not by and not result:
        result[()] = ZERO
    return result


Margins = dict[tuple[str, ...], dict[tuple[str, ...], Cell]]
"""Per subset of the breakdowns (``()`` for the total), the cells by their values."""
MarginRanges = dict[tuple[str, ...], dict[tuple[str, ...], FigureRange]]
"""The range of each cell of :data:`Margins` over the linkage review queue."""


def evaluate_margins(
    db: Database,
    indicator: Indicator,
    start: date,
    end: date,
    by: Sequence[str],
    *,
    undated: bool = False,
) -> Margins:
    """Compute an indicator broken down by ``by`` and by every subset of it, in two queries.

    A table needs its cells and its margins (row totals, column totals, the grand
    total): each is :func:`evaluate` over a subset of the breakdowns. Here the facts
    (unit key, record, age, fact dimensions) are read once, the persons' attributes
    once, and they are joined and counted in Python: the figures are those
    :func:`evaluate` gives for each subset, without one query per subset and without
    the join of facts to persons in SQL, for which SQLite at scale 10 could choose a
    nested loop of one full scan per fact (a minute for one table).

    Args:
        db: the database.
        indicator: the indicator.
        start: first day of the period.
        end: last day of the period (inclusive).
        by: the disaggregations of the fullest breakdown.
        undated: count the facts with no date instead (see :func:`evaluate`).

    Returns:
        For each subset of ``by`` (as a tuple in ``by`` order, ``()`` for the total),
        the cells :func:`evaluate` returns for it.

    Raises:
        EngineError: a disaggregation the indicator does not allow.
    """
    return _margins(db, indicator, start, end, by, undated, None)[0]


def evaluate_margins_with_ranges(
    db: Database,
    indicator: Indicator,
    start: date,
    end: date,
    by: Sequence[str],
    alternatives: Alternatives,
    *,
    undated: bool = False,
    cache: FactCache | None = None,
) -> tuple[Margins, MarginRanges]:
    """:func:`evaluate_margins`, and each cell's range over the linkage review queue.

    A cell counting persons (``unit: persons``) gets the range of its distinct persons
    under the pending review pairs (:meth:`Alternatives.distinct_range`): the count if
    none of the pairs were a match (the figure), if every one were, and the model's
    expected count. Cases and charges are not person keys: their cells get no range.

    Args:
        db: the database.
        indicator: the indicator.
        start: first day of the period.
        end: last day of the period (inclusive).
        by: the disaggregations of the fullest breakdown.
        alternatives: the pending review pairs (see
            :func:`~tipdata.reporting.uncertainty.load_alternatives`).
        undated: count the facts with no date instead (see :func:`evaluate`).
        cache: the facts already read for this report (:class:`FactCache`).

    Returns:
        The margins and, for person counts, the range of every cell (else empty).
    """
    margins, ranges = _margins(db, indicator, start, end, by, undated, alternatives, cache)
    return margins, ranges or {}


FactRows = tuple[Sequence[Any], dict[int, dict[str, Any]], dict[str, Any]]
"""The facts of an indicator (unit key, record, person, age, fact values), the persons'
attributes (when a breakdown is of persons) and the dimension filters."""


class FactCache(dict[tuple[Any, ...], FactRows]):
    """The facts :func:`evaluate_margins_with_ranges` read, kept for one report.

    Seven TIP tables count ``victims_identified`` by some attribute of the persons (sex and
    age, age band, nationality, exploitation, destination, province): with one cache for
    the report (:func:`tipdata.reporting.report.build_tables` makes it) the facts and the
    persons' attributes are read once for all of them. Never kept beyond one report: the
    data may change after it.
    """


def _read_facts(
    db: Database,
    indicator: Indicator,
    start: date,
    end: date,
    by: Sequence[str],
    undated: bool,
    fact_names: Sequence[str],
    with_people: bool,
) -> FactRows:
    """Read the facts of ``indicator`` with ``fact_names``, and the persons' attributes."""
    facts, _wanted, dimension_filters = _facts(
        indicator, indicator.numerator.any_of, start, end, by, undated=undated,
        also_want=("age_group",) if with_people else (),
    )  # fmt: skip
    fact_columns = [
        facts.c[name] if name == "month" else sa.func.coalesce(facts.c[name], UNKNOWN)
        for name in fact_names
    ]
    query = sa.select(
        facts.c.k, facts.c.record_id, facts.c.person_id, facts.c.age, *fact_columns
    ).distinct()
    people: dict[int, dict[str, Any]] = {}
    with db.connect() as connection:
        fact_rows = connection.execute(query).all()
        if with_people:
            people = _read_person_attributes(
                connection,
                {row[2] for row in fact_rows if row[2] is not None},
                {row[1] for row in fact_rows if row[2] is None},
            )
            # end the transaction with the temporary table dropped (SQLite's driver runs
            # CREATE outside the transaction: a rollback would bring the table back)
            connection.commit()
    return fact_rows, people, dimension_filters


def _margins(
    db: Database,
    indicator: Indicator,
    start: date,
    end: date,
    by: Sequence[str],
    undated: bool,
    alternatives: Alternatives | None,
    cache: FactCache | None = None,
) -> tuple[Margins, MarginRanges | None]:
    """The margins of :func:`evaluate_margins`; with ``alternatives``, their ranges too."""
    _check_by(indicator, by)
    wanted = set(by)
    for part in indicator.numerator.any_of:
        wanted |= set(part.dimension_filters())
    person_wanted = wanted & PERSON_DIMENSIONS
    fact_names = sorted(wanted - PERSON_DIMENSIONS)
    # every table of persons by their attributes reads the same facts (ages included)
    key = (indicator.code, start, end, undated, tuple(fact_names), bool(person_wanted))
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = _read_facts(db, indicator, start, end, by, undated, fact_names, bool(person_wanted))
        if cache is not None:
            cache[key] = found
    fact_rows, people, dimension_filters = found
    youngest: dict[int, int] = {}
    for key, _record, _person, age, *_values in fact_rows:
        if age is not None and (key not in youngest or age < youngest[key]):
            youngest[key] = age
    subsets = [tuple(i for i in range(len(by)) if mask >> i & 1) for mask in range(2 ** len(by))]
    bucket = _Bucketing(by, fact_names, subsets, bool(person_wanted), dimension_filters)
    keys, records = bucket.cells(fact_rows, people, youngest)
    result: Margins = {}
    for subset in subsets:
        result[tuple(by[i] for i in subset)] = {
            cell: Cell(len(units), len(records[subset][cell]))
            for cell, units in keys[subset].items()
        }
    if not result[()]:
        result[()] = {(): ZERO}
    if alternatives is None or indicator.unit != "persons":
        return result, None
    earliest = indicator.counting.dated_by == "earliest"
    return result, _ranges(bucket, keys, fact_rows, people, youngest, alternatives, earliest)


CellSets = dict[tuple[int, ...], dict[tuple[str, ...], set[int]]]
"""Per subset of the breakdowns (as indices), per cell, a set of units or records."""

_LARGEST_KNOWN = frozenset({"sex", "nationality", "province"})
"""Person attributes resolved to the greatest known value over a person's records (the
others, exploitation type and destination, to the smallest), as :func:`_attributes_of`."""


@dataclass(frozen=True)
class _Bucketing:
    """Puts each fact's unit into one cell of every margin, its person's attributes resolved."""

    by: Sequence[str]
    fact_names: Sequence[str]
    subsets: Sequence[tuple[int, ...]]
    person_wanted: bool
    dimension_filters: Mapping[str, Any]

    def cells(
        self,
        fact_rows: Iterable[Sequence[Any]],
        people: Mapping[int, Mapping[str, Any]],
        youngest: Mapping[int, int],
        unit_of: Mapping[int, int] | None = None,
        first_month: Mapping[int, Any] | None = None,
    ) -> tuple[CellSets, CellSets]:
        """The units and the records of each cell.

        ``unit_of`` maps a unit key to the unit it counts as (a merge under an alternative
        answer to the review queue); ``people``, ``youngest`` and ``first_month`` are then
        keyed by that unit.
        """
        keys: CellSets = {s: {} for s in self.subsets}
        records: CellSets = {s: {} for s in self.subsets}
        for key, record_id, _person, _age, *values in fact_rows:
            unit = key if unit_of is None else unit_of.get(key, key)
            raw = dict(zip(self.fact_names, values, strict=True))
            if first_month is not None and "month" in raw:
                raw["month"] = first_month.get(unit, raw["month"])
            if self.person_wanted:
                person = people.get(unit)
                if person is None:
                    continue
                raw.update(person)
                raw["age_group"] = _age_group_of(youngest.get(unit))
                raw["age_band"] = _age_band_of(youngest.get(unit))
            if not all(_passes(n, raw[n], value) for n, value in self.dimension_filters.items()):
                continue
            labels = tuple(_label(name, raw[name]) for name in self.by)
            for subset in self.subsets:
                cell = tuple(labels[i] for i in subset)
                keys[subset].setdefault(cell, set()).add(unit)
                records[subset].setdefault(cell, set()).add(record_id)
        return keys, records


def _ranges(
    bucket: _Bucketing,
    keys: CellSets,
    fact_rows: Sequence[Sequence[Any]],
    people: Mapping[int, Mapping[str, Any]],
    youngest: Mapping[int, int],
    alternatives: Alternatives,
    earliest: bool,
) -> MarginRanges:
    """Each cell's range over every answer to the review queue, merged persons resolved anew.

    Under an answer (some pending pairs a match) the persons a pair joins become one person
    whose attributes are resolved over both, as the engine resolves a linked person's:
    the greatest known sex, nationality and province, the smallest exploitation type and
    destination, the youngest age and, for a unit counted by its earliest fact, the
    earliest month. So a merge can move a person between rows (a record of unknown age
    joining one of known age leaves the "unknown" row and enters a known one), not only
    lower a count, and a cell's extremes need not be at "no pair a match" or "every pair".

    The pending pairs fall into groups joined through shared persons (most groups are one
    pair); a group changes only its own persons, so a cell's smallest and largest values
    are the sums over the groups of each group's smallest and largest contribution over
    every subset of its pairs (:meth:`~tipdata.reporting.uncertainty.Alternatives.groups`), plus the
    persons no pending pair touches. The expected value is the mean over the draws.
    """
    touched = alternatives.touched
    moved = [row for row in fact_rows if row[0] in touched]
    fixed = {
        subset: {cell: len(units - touched) for cell, units in cells.items()}
        for subset, cells in keys.items()
    }
    low: dict[tuple[int, ...], dict[tuple[str, ...], int]] = {s: {} for s in bucket.subsets}
    high: dict[tuple[int, ...], dict[tuple[str, ...], int]] = {s: {} for s in bucket.subsets}
    rows_of: dict[int, list[Sequence[Any]]] = {}
    for row in moved:
        rows_of.setdefault(row[0], []).append(row)
    for pairs, group_keys in alternatives.groups:
        rows = [row for key in group_keys for row in rows_of.get(key, ())]
        if not rows:
            continue
        seen: list[CellSets] = [
            _cells_merged(bucket, rows, people, youngest, mapping, earliest)
            for mapping in answers_of(pairs)
        ]
        for subset in bucket.subsets:
            cells = set().union(*(answer[subset] for answer in seen))
            for cell in cells:
                counts = [len(answer[subset].get(cell, ())) for answer in seen]
                low[subset][cell] = low[subset].get(cell, 0) + min(counts)
                high[subset][cell] = high[subset].get(cell, 0) + max(counts)
    drawn: list[CellSets] = []
    if moved:
        drawn = [
            _cells_merged(bucket, moved, people, youngest, draw, earliest)
            for draw in alternatives.draws
        ]
    result: MarginRanges = {}
    for subset in bucket.subsets:
        name = tuple(bucket.by[i] for i in subset)
        now_cells = keys[subset]
        ranges: dict[tuple[str, ...], FigureRange] = {}
        for cell in set(now_cells) | set(high[subset]):
            # a cell only an answer fills is kept where its row and column exist
            if cell not in now_cells and not all(
                (label,) in keys[(i,)] for i, label in zip(subset, cell, strict=True)
            ):
                continue
            now = len(now_cells.get(cell, ()))
            base = fixed[subset].get(cell, 0)
            values = [base + len(draw[subset].get(cell, ())) for draw in drawn]
            expected = sum(values) / len(values) if values else float(now)
            ranges[cell] = FigureRange(
                base + low[subset].get(cell, 0),
                base + high[subset].get(cell, 0),
                round(expected, 2),
            )
        result[name] = ranges
    result[()].setdefault((), FigureRange(0, 0, 0.0))
    return result


def _cells_merged(
    bucket: _Bucketing,
    rows: Sequence[Sequence[Any]],
    people: Mapping[int, Mapping[str, Any]],
    youngest: Mapping[int, int],
    mapping: Mapping[int, int],
    earliest: bool,
) -> CellSets:
    """The cells of ``rows``' units once ``mapping`` merged them (attributes resolved anew)."""
    groups: dict[int, list[int]] = {}
    for key in {row[0] for row in rows}:
        groups.setdefault(mapping.get(key, key), []).append(key)
    merged_people: dict[int, dict[str, Any]] = {}
    merged_youngest: dict[int, int] = {}
    for unit, members_ in groups.items():
        found = [people[k] for k in members_ if k in people]
        if found:
            merged_people[unit] = _merged_attributes(found)
        ages = [youngest[k] for k in members_ if k in youngest]
        if ages:
            merged_youngest[unit] = min(ages)
    first_month: dict[int, Any] | None = None
    if earliest and "month" in bucket.fact_names:
        position = 4 + list(bucket.fact_names).index("month")
        first_month = {}
        for row in rows:
            unit, month = mapping.get(row[0], row[0]), row[position]
            if month is not None and (unit not in first_month or month < first_month[unit]):
                first_month[unit] = month
    keys, _records = bucket.cells(rows, merged_people, merged_youngest, mapping, first_month)
    return keys


def _merged_attributes(found: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One person's attributes over several persons' (unknown never beats known)."""
    merged: dict[str, Any] = {}
    for name in found[0]:
        known = [str(p[name]) for p in found if p.get(name, UNKNOWN) != UNKNOWN]
        if not known:
            merged[name] = UNKNOWN
        else:
            merged[name] = max(known) if name in _LARGEST_KNOWN else min(known)
    return merged


def evaluate_rate(
    db: Database, indicator: Indicator, start: date, end: date, by: Sequence[str] = ()
) -> dict[tuple[str, ...], float | None]:
    """Numerator over denominator times the factor, per breakdown (None where the denominator is 0).

    Raises:
        EngineError: the indicator has no denominator, or a breakdown it does not allow.
    """
    if indicator.denominator is None:
        raise EngineError(f"indicator {indicator.code!r} has no denominator")
    numerator = evaluate(db, indicator, start, end, by)
    rows = _rows(indicator, indicator.denominator.any_of, start, end, by)
    dims = [rows.c[f"d_{name}"] for name in by]
    query = sa.select(*dims, sa.func.count(sa.distinct(rows.c.k))).group_by(*dims)
    with db.connect() as connection:
        denominator = {
            tuple(_label(n, v) for n, v in zip(by, row[: len(by)], strict=True)): int(row[-1])
            for row in connection.execute(query)
        }
    return {
        key: (numerator.get(key, ZERO).value / count * indicator.factor if count else None)
        for key, count in denominator.items()
    }


def members(
    db: Database,
    indicator: Indicator,
    start: date,
    end: date,
    where: Mapping[str, str] | None = None,
    *,
    undated: bool = False,
) -> list[Member]:
    """List the units behind one figure, with every fact that makes each count.

    Args:
        db: the database.
        indicator: the indicator.
        start: first day of the period.
        end: last day of the period (inclusive).
        where: the cell: disaggregation -> value (as :func:`evaluate` labels them).
        undated: the members of the "date not recorded" line instead.

    Returns:
        Members ordered by key and fact; ``len({m.key for m in ...})`` is the
        figure's value and ``len({m.record_id ...})`` its naive sum.
    """
    where = dict(where or {})
    if where.pop(UNDATED_WHERE[0], None) == UNDATED_WHERE[1]:
        undated = True
    by = list(where)
    _check_by(indicator, by)
    rows = _rows(indicator, indicator.numerator.any_of, start, end, by, undated=undated)
    conditions = [_dimension_equals(rows.c[f"d_{name}"], name, where[name]) for name in by]
    query = (
        sa.select(
            rows.c.k, rows.c.record_id, rows.c.fact_kind, rows.c.fact_id, rows.c.source_record_id
        )
        .where(*conditions)
        .distinct()
        .order_by(rows.c.k, rows.c.fact_kind, rows.c.fact_id)
    )
    with db.connect() as connection:
        return [Member(*row) for row in connection.execute(query)]


def fact_sources(
    db: Database, indicator: Indicator, start: date, end: date, *, undated: bool = False
) -> list[str]:
    """The codes of the sources whose facts count towards an indicator in a period.

    The facts are those the numerator selects before any breakdown or filter on a
    resolved value (a source whose arrests cannot be told child or adult still has
    arrests that would count), so coverage can ask whether each records what is needed.
    """
    facts, _wanted, _filters = _facts(
        indicator, indicator.numerator.any_of, start, end, (), undated=undated
    )
    t = metadata.tables
    raw, run, source = t["source_record"], t["import_run"], t["source"]
    query = (
        sa.select(source.c.code)
        .select_from(
            facts.join(raw, raw.c.id == facts.c.source_record_id)
            .join(run, run.c.id == raw.c.import_run_id)
            .join(source, source.c.id == run.c.source_id)
        )
        .distinct()
        .order_by(source.c.code)
    )
    with db.connect() as connection:
        return [code for (code,) in connection.execute(query)]


# --- query building -------------------------------------------------------------------


def _check_by(indicator: Indicator, by: Sequence[str]) -> None:
    for name in by:
        if name not in indicator.disaggregations:
            raise EngineError(
                f"indicator {indicator.code!r} cannot be broken down by {name!r}; "
                f"allowed: {', '.join(indicator.disaggregations) or 'none'}"
            )


def _rows(
    indicator: Indicator,
    parts: Sequence[FactQuery],
    start: date,
    end: date,
    by: Sequence[str],
    *,
    undated: bool = False,
) -> sa.Subquery:
    """Facts joined with resolved dimensions: columns k, record_id, fact ids, d_<dimension>."""
    facts, wanted, dimension_filters = _facts(indicator, parts, start, end, by, undated=undated)
    person_wanted = wanted & PERSON_DIMENSIONS
    expressions: dict[str, sa.ColumnElement[Any]] = {}
    from_clause: sa.FromClause = facts
    if person_wanted:
        attrs = _person_attributes(facts)
        ages = (
            sa.select(facts.c.k, sa.func.min(facts.c.age).label("age"))
            .group_by(facts.c.k)
            .subquery("ages")
        )
        from_clause = facts.join(attrs, attrs.c.k == facts.c.k).join(ages, ages.c.k == facts.c.k)
        age = ages.c.age
        expressions.update(
            sex=sa.func.coalesce(attrs.c.sex, UNKNOWN),
            nationality=sa.func.coalesce(attrs.c.nationality, UNKNOWN),
            province=sa.func.coalesce(attrs.c.province, UNKNOWN),
            exploitation_type=sa.func.coalesce(attrs.c.exploitation_type, UNKNOWN),
            destination=sa.func.coalesce(attrs.c.destination, UNKNOWN),
            age_group=sa.case((age.is_(None), UNKNOWN), (age < ADULT_AGE, "child"), else_="adult"),
            age_band=_age_band(age),
        )
    for name in wanted - PERSON_DIMENSIONS:
        column = facts.c[name]
        expressions[name] = column if name == "month" else sa.func.coalesce(column, UNKNOWN)
    conditions = [
        _dimension_filter(expressions[name], name, value)
        for name, value in dimension_filters.items()
    ]
    return (
        sa.select(
            facts.c.k,
            facts.c.record_id,
            facts.c.fact_kind,
            facts.c.fact_id,
            facts.c.source_record_id,
            *(expressions[name].label(f"d_{name}") for name in sorted(wanted)),
        )
        .select_from(from_clause)
        .where(*conditions)
        .subquery("rows")
    )


def _facts(
    indicator: Indicator,
    parts: Sequence[FactQuery],
    start: date,
    end: date,
    by: Sequence[str],
    *,
    undated: bool = False,
    also_want: Iterable[str] = (),
) -> tuple[sa.CTE, set[str], dict[str, Any]]:
    """The facts CTE of the parts, the dimensions it must resolve and the dimension filters.

    ``also_want`` names breakdowns whose costly columns are computed although not asked
    for (so that one read of the facts serves several tables: see :class:`FactCache`).

    The counting rules of the indicator (:class:`~tipdata.reporting.indicators.Counting`)
    apply here: ``dated_by: earliest`` keeps the units whose earliest fact over all time
    falls in the period (their facts in the period, the month of that earliest fact);
    ``undated`` selects the facts with no date (with ``earliest``: the units none of
    whose facts has a date).
    """
    wanted = set(by)
    dimension_filters: dict[str, Any] = {}
    for part in parts:
        # dimension filters apply to the resolved breakdowns, so to every part alike
        dimension_filters.update(part.dimension_filters())
    wanted |= set(dimension_filters)
    if wanted & PERSON_DIMENSIONS and indicator.unit != "persons":
        raise EngineError(f"{sorted(wanted & PERSON_DIMENSIONS)} are breakdowns of persons")
    earliest = indicator.counting.dated_by == "earliest"
    period: Period = "all" if earliest else ("undated" if undated else (start, end))
    computed = wanted | set(also_want)
    selects = [_part_facts(indicator, part, period, computed) for part in parts]
    # a CTE used several times is computed once (SQLite 3.35+, PostgreSQL 12+)
    union = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    if not earliest:
        return union.cte("facts"), wanted, dimension_filters
    every = union.cte("every_fact")
    first = (
        sa.select(every.c.k, sa.func.min(every.c.fact_date).label("first_date"))
        .group_by(every.c.k)
        .subquery("first_fact")
    )
    month = _year(first.c.first_date) * 100 + sa.cast(
        sa.extract("month", first.c.first_date), sa.Integer
    )
    columns = [
        (month if name == "month" else every.c[name]).label(name) for name, _ in _FACT_COLUMNS
    ]
    if undated:
        condition: sa.ColumnElement[bool] = first.c.first_date.is_(None)
    else:
        condition = sa.and_(
            first.c.first_date.between(start, end), every.c.fact_date.between(start, end)
        )
    facts = (
        sa.select(*columns)
        .select_from(every.join(first, first.c.k == every.c.k))
        .where(condition)
        .cte("facts")
    )
    return facts, wanted, dimension_filters


def _passes(name: str, raw: Any, value: Any) -> bool:
    """Python twin of :func:`_dimension_filter` for a resolved value (NULL never passes)."""
    if raw is None:
        return False
    if isinstance(value, dict):
        return raw not in {_storage_value(name, v) for v in value["not"]}
    return raw in {_storage_value(name, v) for v in value}


def _age_group_of(age: int | None) -> str:
    """Python twin of the ``age_group`` expression of :func:`_rows`."""
    if age is None:
        return UNKNOWN
    return "child" if age < ADULT_AGE else "adult"


def _age_band_of(age: int | None) -> str:
    """Python twin of :func:`_age_band`."""
    if age is None:
        return UNKNOWN
    for low, high in AGE_BANDS:
        if high is not None and age <= high:
            return f"{low}-{high}"
        if high is None and age >= low:
            return f"{low}+"
    return UNKNOWN


def _dimension_filter(expression: Any, name: str, value: Any) -> sa.ColumnElement[bool]:
    if isinstance(value, dict):
        return sa.not_(expression.in_([_storage_value(name, v) for v in value["not"]]))
    return expression.in_([_storage_value(name, v) for v in value])


def _dimension_equals(expression: Any, name: str, label: str) -> sa.ColumnElement[bool]:
    if name == "month":
        if label == UNKNOWN:
            return expression.is_(None)
        return expression == _storage_value(name, label)
    return expression == label


def _storage_value(name: str, value: Any) -> Any:
    if name == "month":
        year, month = str(value).split("-")
        return int(year) * 100 + int(month)
    return str(value)


def _label(name: str, value: Any) -> str:
    if name == "month":
        return UNKNOWN if value is None else f"{int(value) // 100:04d}-{int(value) % 100:02d}"
    return str(value)


def _age_band(age: Any) -> sa.ColumnElement[str]:
    whens: list[tuple[Any, str]] = [(age.is_(None), UNKNOWN)]
    for low, high in AGE_BANDS:
        label = f"{low}+" if high is None else f"{low}-{high}"
        if high is not None:
            whens.append((age <= high, label))
        else:
            whens.append((age >= low, label))
    return sa.case(*whens, else_=UNKNOWN)


def _year(column: Any) -> Any:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _month_day(column: Any) -> Any:
    return sa.cast(sa.extract("month", column), sa.Integer) * 100 + sa.cast(
        sa.extract("day", column), sa.Integer
    )


def age_at(record: sa.FromClause, day: Any) -> sa.ColumnElement[int]:
    """SQL for a person record's age in completed years at ``day``.

    From an age at a reference date, that age plus the calendar years since; from a
    birth year (also filled from an encrypted date of birth), the difference of years
    (which can be one year high). NULL when nothing is known or ``day`` is NULL.
    """
    c = record.c
    # The date of birth is encrypted at rest (tipdata.access.keys.PROTECTED_COLUMNS);
    # ingestion fills birth_year from it, which serves here.
    return sa.case(
        (
            c.age_years.is_not(None),
            c.age_years + sa.func.coalesce(_year(day) - _year(c.age_reference_date), 0),
        ),
        (c.birth_year.is_not(None), _year(day) - c.birth_year),
        else_=None,
    )


def person_key(record: sa.FromClause, person: sa.FromClause) -> sa.ColumnElement[int]:
    """SQL for the canonical person of a record: its (surviving) person, else ``-record id``."""
    return sa.case(
        (record.c.person_id.is_(None), -record.c.id),
        else_=sa.func.coalesce(person.c.merged_into_id, record.c.person_id),
    )


def _null(type_: type[sa.types.TypeEngine[Any]]) -> sa.ColumnElement[Any]:
    return sa.cast(sa.null(), type_)


def _text(column: Any) -> Any:
    """An enum column as its stored text: a type change in Python only, no SQL CAST, so
    filters on it can use the column's indexes (enums are VARCHAR on every dialect)."""
    return sa.type_coerce(column, sa.String)


Period = tuple[date, date] | Literal["all", "undated"]
"""The facts a part selects: dated in (start, end), all of them, or those with no date."""


def _part_facts(
    indicator: Indicator, part: FactQuery, period: Period, wanted: set[str]
) -> sa.Select[Any]:
    """The facts of one part of a count, in the period, with the common fact columns.

    Costly columns (ages, the youngest victim of the case) are computed only when a
    breakdown or filter in ``wanted`` needs them; the others are NULL.
    """
    t = metadata.tables
    unit = indicator.unit
    agency = t["agency"].alias("fact_agency")
    values: dict[str, Any]
    fact_date: Any
    if part.source == "events":
        event, record, person = t["event"], t["person_record"].alias("r"), t["person"].alias("p")
        fact_date = event.c.event_date
        values = {
            "k": person_key(record, person),
            "record_id": record.c.id,
            "person_id": record.c.person_id,
            "fact_kind": sa.literal("event", sa.String),
            "fact_id": event.c.id,
            "source_record_id": event.c.source_record_id,
            "age": age_at(record, fact_date),
            "event_type": _text(event.c.event_type),
            "victim_age_group": _victim_age_group(event.c.case_id, fact_date),
        }
        from_clause: sa.FromClause = (
            event.join(record, record.c.id == event.c.person_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
            # the agency credited with the event: the row's own agency where the mapping
            # reads one (a network's joint file naming the shelter), else the file's owner
            .join(agency, agency.c.id == event.c.agency_id)
        )
        conditions = _event_filters(part.source_filters(), event, record, agency)
    elif part.source == "charges":
        charge, record, person = t["charge"], t["person_record"].alias("r"), t["person"].alias("p")
        case, article, law = t["case"], t["law_article"], t["law"]
        fact_date = charge.c.verdict_date
        by_person = unit == "persons"
        values = {
            "k": person_key(record, person)
            if by_person
            else _charge_key(indicator.counting.once_per, charge, record, person),
            "record_id": record.c.id if by_person else charge.c.id,
            "person_id": record.c.person_id if by_person else _null(sa.Integer),
            "fact_kind": sa.literal("charge", sa.String),
            "fact_id": charge.c.id,
            "source_record_id": charge.c.source_record_id,
            "age": age_at(record, fact_date),
            "law_article": sa.func.coalesce(
                law.c.code + sa.literal(" art. ") + article.c.article,
                sa.literal("as written: ") + charge.c.article_text,
            ),
            "sentence_range": _sentence_range(charge.c.sentence_months),
            "outcome": _text(charge.c.outcome),
            "victim_age_group": _victim_age_group(charge.c.case_id, fact_date),
        }
        from_clause = (
            charge.join(record, record.c.id == charge.c.suspect_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
            .join(case, case.c.id == charge.c.case_id)
            .outerjoin(article, article.c.id == charge.c.law_article_id)
            .outerjoin(law, law.c.id == article.c.law_id)
            .join(agency, agency.c.id == charge.c.owner_agency_id)
        )
        conditions = _charge_filters(part.source_filters(), charge, case)
    else:
        case, exploitation, types = t["case"], t["case_exploitation"], t["exploitation_type"]
        event = t["event"]
        first_event = (
            sa.select(sa.func.min(event.c.event_date))
            .where(event.c.case_id == case.c.id)
            .scalar_subquery()
        )
        fact_date = sa.func.coalesce(case.c.opened_date, first_event)
        values = {
            "k": case.c.id,
            "record_id": case.c.id,
            "person_id": _null(sa.Integer),
            "fact_kind": sa.literal("case", sa.String),
            "fact_id": case.c.id,
            "source_record_id": case.c.source_record_id,
            "kind": _text(case.c.kind),
            "case_exploitation_type": sa.func.coalesce(
                types.c.parent_code, exploitation.c.exploitation_type
            ),
            "case_destination": case.c.destination_country,
            "case_province": case.c.province_code,
        }
        from_clause = (
            case.join(agency, agency.c.id == case.c.owner_agency_id)
            .outerjoin(exploitation, exploitation.c.case_id == case.c.id)
            .outerjoin(types, types.c.code == exploitation.c.exploitation_type)
        )
        conditions = []
        if "kind" in part.filters:
            conditions.append(_text(case.c.kind).in_(part.filters["kind"]))
    values.update(
        fact_date=fact_date,
        agency=agency.c.code,
        agency_kind=_text(agency.c.kind),
        month=_year(fact_date) * 100 + sa.cast(sa.extract("month", fact_date), sa.Integer),
    )
    in_period: list[sa.ColumnElement[bool]] = []
    if period == "undated":
        in_period.append(fact_date.is_(None))
    elif period != "all":
        in_period.append(fact_date.between(*period))
    costly = {"age": bool(wanted & {"age_group", "age_band"}), "victim_age_group": False}
    costly["victim_age_group"] = "victim_age_group" in wanted
    columns = [
        (values[name] if name in values and costly.get(name, True) else _null(type_)).label(name)
        for name, type_ in _FACT_COLUMNS
    ]
    return sa.select(*columns).select_from(from_clause).where(*in_period, *conditions)


def _charge_key(
    once_per: Sequence[str], charge: sa.Table, record: sa.FromClause, person: sa.FromClause
) -> sa.ColumnElement[int]:
    """The unit key of a charge: its id, or the smallest id of the charges it is one with.

    ``once_per`` names what makes two charge rows one charge (see
    :class:`~tipdata.reporting.indicators.Counting`): the canonical defendant, the article
    (resolved, else as written, ignoring case and spaces), the judgment (court case and
    verdict date). A court register with one row per victim repeats a defendant's charge
    once per victim; those rows become one.
    """
    if not once_per:
        return charge.c.id
    partition: list[Any] = []
    if "defendant" in once_per:
        partition.append(person_key(record, person))
    if "article" in once_per:
        written = sa.func.lower(
            sa.func.replace(sa.func.coalesce(charge.c.article_text, ""), " ", "")
        )
        partition.append(
            sa.case(
                (charge.c.law_article_id.is_not(None), sa.cast(charge.c.law_article_id, sa.String)),
                else_=sa.literal("as written: ") + written,
            )
        )
    if "judgment" in once_per:
        partition += [charge.c.case_id, charge.c.verdict_date]
    return sa.func.min(charge.c.id).over(partition_by=partition)


def _agency_codes(column: Any, codes: Iterable[str]) -> sa.ColumnElement[bool]:
    exact = [code for code in codes if not code.endswith("*")]
    prefixes = [code[:-1] for code in codes if code.endswith("*")]
    tests = [column.in_(exact)] if exact else []
    tests += [column.like(prefix + "%") for prefix in prefixes]
    return sa.or_(*tests)


def _event_filters(
    filters: Mapping[str, Any], event: sa.Table, record: sa.FromClause, agency: sa.FromClause
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    for name, value in filters.items():
        if name == "role":
            conditions.append(_text(record.c.role).in_(value))
        elif name == "event_type":
            conditions.append(_text(event.c.event_type).in_(value))
        elif name == "agency":
            conditions.append(_agency_codes(agency.c.code, value))
        elif name == "agency_kind":
            conditions.append(_text(agency.c.kind).in_(value))
        elif name == "place_like":
            place = sa.func.lower(sa.func.coalesce(event.c.place, ""))
            conditions.append(sa.or_(*(place.like(f"%{str(w).lower()}%") for w in value)))
    return conditions


def _charge_filters(
    filters: Mapping[str, Any], charge: sa.Table, case: sa.Table
) -> list[sa.ColumnElement[bool]]:
    sentence = sa.func.coalesce(charge.c.sentence_months, 0)
    suspended = sa.func.coalesce(charge.c.suspended_months, 0)
    flags: dict[str, sa.ColumnElement[bool]] = {
        "suspended": suspended > 0,
        "fine_only": sa.and_(sentence == 0, sa.func.coalesce(charge.c.fine_riel, 0) > 0),
        "compensation": sa.func.coalesce(charge.c.compensation_riel, 0) > 0,
        "custodial": sentence - suspended > 0,
    }
    conditions: list[sa.ColumnElement[bool]] = []
    for name, value in filters.items():
        if name == "outcome":
            conditions.append(_text(charge.c.outcome).in_(value))
        elif name in flags:
            conditions.append(flags[name] if value else sa.not_(flags[name]))
        elif name == "offence_like":
            text = sa.func.lower(
                sa.func.coalesce(case.c.description, "")
                + " "
                + sa.func.coalesce(charge.c.article_text, "")
            )
            conditions.append(sa.or_(*(text.like(f"%{str(w).lower()}%") for w in value)))
    return conditions


def _sentence_range(months: Any) -> sa.ColumnElement[str]:
    whens: list[tuple[Any, str]] = [(sa.func.coalesce(months, 0) == 0, SENTENCE_RANGES[0][0])]
    for label, upper in SENTENCE_RANGES[1:]:
        whens.append((months < upper, label) if upper is not None else (months >= 0, label))
    return sa.case(*whens, else_=UNKNOWN)


def _victim_age_group(case_id: Any, day: Any) -> sa.ColumnElement[str]:
    """child if a victim in the case was under 18 at ``day``; adult if all known ages are 18+."""
    t = metadata.tables
    link, victim = t["case_person"], t["person_record"].alias("victim")
    youngest = (
        sa.select(sa.func.min(age_at(victim, day)))
        .select_from(link.join(victim, victim.c.id == link.c.person_record_id))
        .where(link.c.case_id == case_id, _text(link.c.role) == "victim")
        .scalar_subquery()
    )
    return sa.case((youngest.is_(None), UNKNOWN), (youngest < ADULT_AGE, "child"), else_="adult")


def _person_attributes(facts: sa.CTE) -> sa.Subquery:
    """Each counted person's attributes, resolved over all the records linked to it.

    Where records disagree, the greatest known value wins (sex, nationality,
    province) or the smallest code (exploitation type, destination); unknown
    values never beat known ones. Linkage review is where disagreements are fixed.
    """
    linked = metadata.tables["person_record"].alias("linked")
    counted_ids = sa.union(
        sa.select(linked.c.id).where(
            linked.c.person_id.in_(
                sa.select(facts.c.person_id).where(facts.c.person_id.is_not(None))
            )
        ),
        sa.select(facts.c.record_id).where(facts.c.person_id.is_(None)),
    ).subquery("counted")
    return _attributes_of(counted_ids)


def _read_person_attributes(
    connection: sa.Connection, person_ids: set[int], record_ids: set[int]
) -> dict[int, dict[str, Any]]:
    """:func:`_person_attributes` for facts already read: the persons and unlinked records
    are passed in temporary tables, so the facts are not computed a second time."""
    counted = sa.Table(
        "counted_unit",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("is_person", sa.Boolean, primary_key=True),
        prefixes=["TEMPORARY"],
    )
    counted.create(connection)
    try:
        rows = [{"id": i, "is_person": True} for i in person_ids]
        rows += [{"id": i, "is_person": False} for i in record_ids]
        if rows:
            connection.execute(counted.insert(), rows)
        linked = metadata.tables["person_record"].alias("linked")
        counted_ids = sa.union(
            sa.select(linked.c.id).join(
                counted, sa.and_(counted.c.is_person, counted.c.id == linked.c.person_id)
            ),
            sa.select(counted.c.id).where(sa.not_(counted.c.is_person)),
        ).subquery("counted")
        attrs = _attributes_of(counted_ids)
        names = ("sex", "nationality", "province", "exploitation_type", "destination")
        return {
            row[0]: {
                name: UNKNOWN if value is None else value
                for name, value in zip(names, row[1:], strict=True)
            }
            for row in connection.execute(sa.select(attrs.c.k, *(attrs.c[n] for n in names)))
        }
    finally:
        counted.drop(connection)


def _attributes_of(counted_ids: sa.Subquery) -> sa.Subquery:
    """The attributes of the persons of the person records ``counted_ids`` (column ``id``)."""
    t = metadata.tables
    record, person = t["person_record"].alias("ar"), t["person"].alias("ap")
    link, case = t["case_person"].alias("acp"), t["case"].alias("ac")
    exploitation, types = t["case_exploitation"].alias("ace"), t["exploitation_type"].alias("aet")
    key = person_key(record, person)
    sex = _text(record.c.sex)
    return (
        sa.select(
            key.label("k"),
            sa.func.max(sa.case((sex.in_(["female", "male", "other"]), sex))).label("sex"),
            sa.func.max(record.c.nationality).label("nationality"),
            sa.func.max(record.c.province_code).label("province"),
            sa.func.min(
                sa.func.coalesce(types.c.parent_code, exploitation.c.exploitation_type)
            ).label("exploitation_type"),
            sa.func.min(case.c.destination_country).label("destination"),
        )
        .select_from(
            counted_ids.join(record, record.c.id == counted_ids.c.id)
            .outerjoin(person, person.c.id == record.c.person_id)
            .outerjoin(link, link.c.person_record_id == record.c.id)
            .outerjoin(case, case.c.id == link.c.case_id)
            .outerjoin(exploitation, exploitation.c.case_id == case.c.id)
            .outerjoin(types, types.c.code == exploitation.c.exploitation_type)
        )
        .group_by(key)
        .subquery("attrs")
    )


__all__ = [
    "FACT_DIMENSIONS",
    "SENTENCE_RANGES",
    "UNDATED_WHERE",
    "UNKNOWN",
    "Cell",
    "EngineError",
    "FactCache",
    "Member",
    "age_at",
    "evaluate",
    "evaluate_margins",
    "evaluate_margins_with_ranges",
    "evaluate_rate",
    "fact_sources",
    "members",
    "person_key",
]
