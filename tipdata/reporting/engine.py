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

The counting (this module) is apart from the fact queries of steps 1 and 2
(:mod:`tipdata.reporting.facts`), which it re-exports where other modules use them
(:func:`person_key`, :func:`age_at`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from tipdata.reporting.cell_ranges import Bucketing, MarginRanges, cell_ranges
from tipdata.reporting.facts import (
    SENTENCE_RANGES,
    UNKNOWN,
    EngineError,
    _dimension_equals,
    _facts,
    _label,
    _read_person_attributes,
    _rows,
    age_at,
    person_key,
)
from tipdata.reporting.indicators import (
    FACT_DIMENSIONS,
    PERSON_DIMENSIONS,
    Indicator,
)
from tipdata.reporting.uncertainty import Alternatives
from tipdata.store import Database, metadata

UNDATED_WHERE = ("date", "not recorded")
"""The (key, value) a cell's ``where`` holds when it counts the facts with no date: the
"date not recorded" line of a report (:func:`members` reads it)."""


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
    bucket = Bucketing(by, fact_names, subsets, bool(person_wanted), dimension_filters)
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
    return result, cell_ranges(bucket, keys, fact_rows, people, youngest, alternatives, earliest)


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


def _check_by(indicator: Indicator, by: Sequence[str]) -> None:
    for name in by:
        if name not in indicator.disaggregations:
            raise EngineError(
                f"indicator {indicator.code!r} cannot be broken down by {name!r}; "
                f"allowed: {', '.join(indicator.disaggregations) or 'none'}"
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
