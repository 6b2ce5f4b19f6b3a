"""Each cell of an indicator table and its range over the review queue, counted in Python.

:func:`tipdata.reporting.engine.evaluate_margins` reads an indicator's facts once and
counts every margin here (:class:`Bucketing`: each fact's unit into one cell of every
breakdown, its person's attributes resolved). :func:`cell_ranges` gives each cell its range
over every answer the reviewers can give to the pending pairs: a merge resolves the merged
person's attributes anew, so it can move a person between rows, not only lower a count
(see docs/statistics.md, "Uncertainty per figure").
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tipdata.reporting.facts import ADULT_AGE, UNKNOWN, _label, _storage_value
from tipdata.reporting.kanonymity import AGE_BANDS
from tipdata.reporting.uncertainty import Alternatives, FigureRange

MarginRanges = dict[tuple[str, ...], dict[tuple[str, ...], FigureRange]]
"""The range of each cell of :data:`Margins` over the linkage review queue."""

CellSets = dict[tuple[int, ...], dict[tuple[str, ...], set[int]]]
"""Per subset of the breakdowns (as indices), per cell, a set of units or records."""

_LARGEST_KNOWN = frozenset({"sex", "nationality", "province"})
"""Person attributes resolved to the greatest known value over a person's records (the
others, exploitation type and destination, to the smallest), as :func:`_attributes_of`."""


@dataclass(frozen=True)
class Bucketing:
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

        A row's labels depend on its unit alone when only persons' attributes are broken
        down, on its fact values alone when no person's is: they are then worked out once
        per unit (or per values), and the sets of the cells they fall in once per labels,
        so each further row costs two set insertions per margin (a million rows at scale 10).
        """
        keys: CellSets = {s: {} for s in self.subsets}
        records: CellSets = {s: {} for s in self.subsets}
        tests = [(name, *_allowed(name, value)) for name, value in self.dimension_filters.items()]
        monthly = first_month is not None and "month" in self.fact_names
        by_unit = self.person_wanted and not self.fact_names
        by_values = not self.person_wanted and not monthly
        labels_of: dict[Any, tuple[str, ...] | None] = {}
        targets_of: dict[tuple[str, ...], list[tuple[set[int], set[int]]]] = {}
        for key, record_id, _person, _age, *values in fact_rows:
            unit = key if unit_of is None else unit_of.get(key, key)
            if by_unit or by_values:
                memo = unit if by_unit else tuple(values)
                if memo in labels_of:
                    labels = labels_of[memo]
                else:
                    labels = self._labels(unit, values, people, youngest, first_month, tests)
                    labels_of[memo] = labels
            else:
                labels = self._labels(unit, values, people, youngest, first_month, tests)
            if labels is None:
                continue
            targets = targets_of.get(labels)
            if targets is None:
                targets = []
                for subset in self.subsets:
                    cell = tuple(labels[i] for i in subset)
                    targets.append(
                        (
                            keys[subset].setdefault(cell, set()),
                            records[subset].setdefault(cell, set()),
                        )
                    )
                targets_of[labels] = targets
            for units, cell_records in targets:
                units.add(unit)
                cell_records.add(record_id)
        return keys, records

    def _labels(
        self,
        unit: int,
        values: Sequence[Any],
        people: Mapping[int, Mapping[str, Any]],
        youngest: Mapping[int, int],
        first_month: Mapping[int, Any] | None,
        tests: Sequence[tuple[str, frozenset[Any], bool]],
    ) -> tuple[str, ...] | None:
        """A row's labels in ``by`` order, or None when the row counts nowhere (filtered
        out, or its person has no attributes)."""
        raw = dict(zip(self.fact_names, values, strict=True))
        if first_month is not None and "month" in raw:
            raw["month"] = first_month.get(unit, raw["month"])
        if self.person_wanted:
            person = people.get(unit)
            if person is None:
                return None
            raw.update(person)
            raw["age_group"] = _age_group_of(youngest.get(unit))
            raw["age_band"] = _age_band_of(youngest.get(unit))
        for name, allowed, negated in tests:
            value = raw[name]
            if value is None or (value in allowed) == negated:
                return None
        return tuple(_label(name, raw[name]) for name in self.by)


def cell_ranges(
    bucket: Bucketing,
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
    with_facts: set[int] = set()
    if alternatives.parts:
        # a split person's facts count under their parts (its merge undone in an answer)
        split = alternatives.split_persons
        with_facts = {row[0] for row in moved if row[0] in split}
        moved = [(alternatives.rekey(row[0], row[1]), *row[1:]) for row in moved]
        part_youngest: dict[int, int] = {}
        for key, _record, _person, age, *_values in moved:
            if key in alternatives.person_of_part and age is not None:
                part_youngest[key] = min(age, part_youngest.get(key, age))
        people = ChainMap(dict(alternatives.part_people), dict(people))
        youngest = ChainMap(part_youngest, dict(youngest))
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
            _cells_merged(bucket, rows, people, youngest, mapping, earliest, group_keys)
            for mapping in alternatives.answers(pairs)
        ]
        for subset in bucket.subsets:
            cells = set().union(*(answer[subset] for answer in seen))
            for cell in cells:
                counts = [len(answer[subset].get(cell, ())) for answer in seen]
                low[subset][cell] = low[subset].get(cell, 0) + min(counts)
                high[subset][cell] = high[subset].get(cell, 0) + max(counts)
    # the parts of the split persons counted here, facts or not, lend a merge attributes
    also = [part for part, person in alternatives.person_of_part.items() if person in with_facts]
    drawn: list[CellSets] = []
    if moved:
        drawn = [
            _cells_merged(bucket, moved, people, youngest, draw, earliest, also)
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
    bucket: Bucketing,
    rows: Sequence[Sequence[Any]],
    people: Mapping[int, Mapping[str, Any]],
    youngest: Mapping[int, int],
    mapping: Mapping[int, int],
    earliest: bool,
    also: Iterable[int] = (),
) -> CellSets:
    """The cells of ``rows``' units once ``mapping`` merged them (attributes resolved anew).

    ``also``: the other keys an answer may merge with them (a split person's part with no
    fact here still lends the merged person its attributes, as the person has them today).
    """
    groups: dict[int, list[int]] = {}
    for key in {row[0] for row in rows} | set(also):
        groups.setdefault(mapping.get(key, key), []).append(key)
    merged_people: dict[int, dict[str, Any]] = {}
    merged_youngest: dict[int, int] = {}
    for unit, members_ in groups.items():
        found = [people[k] for k in members_ if k in people]
        if len(found) == 1:  # as merged_attributes gives it, without the comparisons
            merged_people[unit] = {n: v if v == UNKNOWN else str(v) for n, v in found[0].items()}
        elif found:
            merged_people[unit] = merged_attributes(found)
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


def merged_attributes(found: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One person's attributes over several persons' (unknown never beats known)."""
    merged: dict[str, Any] = {}
    for name in found[0]:
        known = [str(p[name]) for p in found if p.get(name, UNKNOWN) != UNKNOWN]
        if not known:
            merged[name] = UNKNOWN
        else:
            merged[name] = max(known) if name in _LARGEST_KNOWN else min(known)
    return merged


def _allowed(name: str, value: Any) -> tuple[frozenset[Any], bool]:
    """Python twin of :func:`_dimension_filter`: the stored values named, and whether they
    are the ones excluded (a resolved value of NULL never passes)."""
    if isinstance(value, dict):
        return frozenset(_storage_value(name, v) for v in value["not"]), True
    return frozenset(_storage_value(name, v) for v in value), False


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
