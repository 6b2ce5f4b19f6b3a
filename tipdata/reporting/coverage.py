"""Coverage per figure: which imported sources feed a figure and whether they record what
it needs.

A figure counts facts (events, charges, cases) of the sources imported. A breakdown or
filter that reads a field of the fact (the ages of the case's victims, the article of a
charge) can only be computed from sources that record that field. The rules are data
(``coverage.yaml``, :class:`CoverageRule`): per breakdown, the field it needs and where
it is stored. Whether a source records a field is read from what was stored from it (a
source whose rows never fill the field does not record it), so a data officer's own
mapping is judged like the built-in ones.

:func:`apply_coverage` marks each cell of a report whose facts come from a source lacking
a needed field as **not recorded**, with a note naming the source and the field
(``ReportTable.not_recorded``); :func:`coverage_table` is the report's table per source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import Field

from tipdata.codelists.datafiles import CodelistModel, parse_model, read_yaml
from tipdata.reporting.engine import UNDATED_WHERE, Cell, fact_sources
from tipdata.reporting.indicators import Catalogue, Indicator
from tipdata.reporting.report import CellSource, ReportTable
from tipdata.store import Database, metadata

RULES_FILE = Path(__file__).parent / "coverage.yaml"
NOT_RECORDED = "not recorded"


class CoverageRule(CodelistModel):
    """What a breakdown needs a source of the facts to record.

    Attributes:
        field: the field in words (used in the note).
        table: the table the field is stored in (rows linked by ``source_record_id``).
        where: only rows with these column values (``{role: victim}``).
        any_of: columns, one of which must be filled.
    """

    field: str
    table: str
    where: dict[str, str] = Field(default_factory=dict)
    any_of: list[str] = Field(min_length=1)


class _RulesFile(CodelistModel):
    rules: dict[str, CoverageRule]


@cache
def coverage_rules() -> Mapping[str, CoverageRule]:
    """The coverage rules by breakdown name, from ``coverage.yaml`` (loaded once)."""
    document = read_yaml(RULES_FILE)
    parsed = parse_model(_RulesFile, document.data, path=RULES_FILE, line_of=document.line_of)
    return parsed.rules


@dataclass(frozen=True)
class SourceFields:
    """What one imported source records, as read from the rows stored from it.

    Attributes:
        code: the source code.
        name: its name.
        rows: source rows stored.
        recorded: per rule name, rows of the rule's table that fill the field.
        kept: per rule name, rows of the rule's table (filled or not).
    """

    code: str
    name: str
    rows: int
    recorded: Mapping[str, int]
    kept: Mapping[str, int]

    def lacks(self, rule: str) -> bool:
        """The source records none of the rule's field."""
        return self.recorded.get(rule, 0) == 0


def source_fields(db: Database) -> dict[str, SourceFields]:
    """Every imported source with the rows that fill each rule's field."""
    t = metadata.tables
    source, run, raw = t["source"], t["import_run"], t["source_record"]
    rules = coverage_rules()
    found: dict[str, dict[str, Any]] = {}
    with db.connect() as connection:
        query = (
            sa.select(source.c.code, source.c.name, sa.func.count(raw.c.id))
            .select_from(
                source.join(run, run.c.source_id == source.c.id).join(
                    raw, raw.c.import_run_id == run.c.id
                )
            )
            .group_by(source.c.code, source.c.name)
        )
        for code, name, rows in connection.execute(query):
            found[code] = {"name": name, "rows": int(rows), "recorded": {}, "kept": {}}
        for rule_name, rule in rules.items():
            table = t[rule.table]
            conditions = [
                sa.type_coerce(table.c[column], sa.String) == value
                for column, value in rule.where.items()
            ]
            filled = sa.or_(*(table.c[column].is_not(None) for column in rule.any_of))
            query = (
                sa.select(
                    source.c.code,
                    sa.func.count(),
                    sa.func.sum(sa.case((filled, 1), else_=0)),
                )
                .select_from(
                    table.join(raw, raw.c.id == table.c.source_record_id)
                    .join(run, run.c.id == raw.c.import_run_id)
                    .join(source, source.c.id == run.c.source_id)
                )
                .where(*conditions)
                .group_by(source.c.code)
            )
            for code, kept, recorded in connection.execute(query):
                if code in found:
                    found[code]["kept"][rule_name] = int(kept)
                    found[code]["recorded"][rule_name] = int(recorded or 0)
    return {
        code: SourceFields(code, v["name"], v["rows"], v["recorded"], v["kept"])
        for code, v in found.items()
    }


def missing_fields(
    sources: Sequence[str], needs: Sequence[str], fields: Mapping[str, SourceFields]
) -> list[tuple[str, str]]:
    """(source code, field) for every needed field a contributing source does not record."""
    rules = coverage_rules()
    return [
        (code, rules[need].field)
        for need in needs
        if need in rules
        for code in sources
        if code in fields and fields[code].lacks(need)
    ]


def note_of(missing: Sequence[tuple[str, str]], fields: Mapping[str, SourceFields]) -> str:
    """The note of a cell that is not recorded: which source lacks which field."""
    parts = [f"{fields[code].name} ({code}) does not record {field}" for code, field in missing]
    return f"{NOT_RECORDED}: " + "; ".join(parts)


def _needs(indicator: Indicator, source: CellSource) -> list[str]:
    names = [name for name, _value in source.where if (name, _value) != UNDATED_WHERE]
    for part in indicator.numerator.any_of:
        names += list(part.dimension_filters())
    return list(dict.fromkeys([*names, *indicator.needs]))


def apply_coverage(
    db: Database,
    tables: Sequence[ReportTable],
    catalogue: Catalogue,
    start: date,
    end: date,
    *,
    fields: Mapping[str, SourceFields] | None = None,
) -> list[ReportTable]:
    """The tables with every cell a contributing source cannot produce marked not recorded.

    Args:
        db: the database.
        tables: the report's tables.
        catalogue: the indicator catalogue.
        start: first day of the period.
        end: last day (inclusive).
        fields: what each source records (:func:`source_fields`), when already read.

    Returns:
        The tables, each with ``not_recorded`` filled (cell -> note).
    """
    fields = source_fields(db) if fields is None else fields
    contributing: dict[tuple[str, bool], list[str]] = {}
    result: list[ReportTable] = []
    for table in tables:
        marks: dict[tuple[str, str], str] = {}
        for key, source in table.sources.items():
            indicator = catalogue[source.indicator]
            needs = _needs(indicator, source)
            if not any(need in coverage_rules() for need in needs):
                continue
            undated = UNDATED_WHERE in source.where
            if (source.indicator, undated) not in contributing:
                contributing[(source.indicator, undated)] = fact_sources(
                    db, indicator, start, end, undated=undated
                )
            missing = missing_fields(contributing[(source.indicator, undated)], needs, fields)
            if missing:
                marks[key] = note_of(missing, fields)
        result.append(dataclasses.replace(table, not_recorded=marks) if marks else table)
    return result


def coverage_table(
    db: Database, *, fields: Mapping[str, SourceFields] | None = None
) -> ReportTable:
    """The coverage of each imported source: its rows, and the rows filling each field.

    A source that stores rows of a field's kind (victims, charges, cases) but fills the
    field in none of them is marked "not recorded" there; figures needing that field
    from that source say so. ``fields``: :func:`source_fields`, when already read (it
    scans every stored row: a report reads it once for this table and for
    :func:`apply_coverage`).
    """
    fields = source_fields(db) if fields is None else fields
    rules = coverage_rules()
    cells: dict[tuple[str, str], Cell] = {}
    marks: dict[tuple[str, str], str] = {}
    for code, source in fields.items():
        cells[(code, "rows")] = Cell(source.rows, source.rows)
        for name, rule in rules.items():
            recorded = source.recorded.get(name, 0)
            cells[(code, name)] = Cell(recorded, source.kept.get(name, 0))
            if source.kept.get(name, 0) and not recorded:
                marks[(code, name)] = f"{NOT_RECORDED}: {source.name} does not record {rule.field}"
    labels = {name: rule.field for name, rule in rules.items()}
    labels["rows"] = "Source rows"
    labels.update({code: source.name for code, source in fields.items()})
    return ReportTable(
        name="coverage_by_source",
        title="Coverage: what each imported source records",
        definitions=(
            "Per source: its stored rows, and per field the rows that record it (in grey: "
            "the rows of that kind, e.g. victims for victim age). A field a source never "
            "records is marked not recorded: figures that need it from that source are "
            "shown as not recorded, not as 0.",
        ),
        row_header="Source",
        rows=tuple(sorted(fields)),
        columns=("rows", *rules),
        cells=cells,
        labels=labels,
        unit="records",
        not_recorded=marks,
    )


__all__ = [
    "NOT_RECORDED",
    "CoverageRule",
    "SourceFields",
    "apply_coverage",
    "coverage_rules",
    "coverage_table",
    "missing_fields",
    "source_fields",
]
