"""Traceability: from a figure of an internal table to the records and source rows behind it.

``tipdata report explain TABLE ROW COLUMN`` calls :func:`explain` (as the local
operator, ``actor=None``): the cell's
indicator and breakdown are re-run as a list of members (canonical persons,
cases or charges), each with the facts that make it count and the raw source
row each fact came from (source, file, row number, import run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.policy import Actor, require_national
from tipdata.errors import TipdataError
from tipdata.reporting.engine import Member, members
from tipdata.reporting.indicators import Catalogue, default_catalogue
from tipdata.reporting.report import Report
from tipdata.reporting.tip import TIP_TABLES, tip_report
from tipdata.store import Database, metadata


class ExplainError(TipdataError, KeyError):
    """The table or cell does not exist, or was not computed from an indicator."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot explain this cell"


@dataclass(frozen=True)
class SourceRow:
    """A raw source row: where a fact was read from.

    Attributes:
        source_record_id: id of the stored source record.
        source: the source (agency export layout) code.
        record_key: the agency's own record id.
        file_name: the file imported.
        row_number: 1-based data row in that file.
        import_run_id: the import run that last wrote the row.
    """

    source_record_id: int
    source: str
    record_key: str
    file_name: str
    row_number: int
    import_run_id: int


@dataclass(frozen=True)
class Fact:
    """One fact behind a figure: its kind, id, the record it concerns and its source row."""

    kind: str
    id: int
    record_id: int
    source_row: SourceRow | None


@dataclass(frozen=True)
class Unit:
    """One counted unit (canonical person, case or charge) and its facts.

    Attributes:
        key: the unit key; for persons the canonical person id, negative for an
            unlinked record (``-record id``).
        public_id: the canonical person's public id, when linked.
        facts: the facts that make it count.
    """

    key: int
    public_id: str | None
    facts: tuple[Fact, ...]

    @property
    def label(self) -> str:
        """How a list names the unit: the person's public id, ``record N`` for a record no
        person holds yet, else the case or charge id."""
        if self.public_id:
            return self.public_id
        return f"record {-self.key}" if self.key < 0 else str(self.key)


@dataclass(frozen=True)
class Explanation:
    """A figure expanded to its units and source rows.

    Attributes:
        table: table name.
        row: row code.
        column: column code.
        indicator: indicator code.
        where: the breakdown values of the cell.
        value: the de-duplicated figure (number of units).
        naive: the naive sum (number of distinct records).
        units: the units, each with its facts and source rows.
    """

    table: str
    row: str
    column: str
    indicator: str
    where: tuple[tuple[str, str], ...]
    value: int
    naive: int
    units: tuple[Unit, ...]

    @property
    def source_rows(self) -> list[SourceRow]:
        """Every distinct source row behind the figure, in file and row order."""
        rows = {f.source_row for u in self.units for f in u.facts if f.source_row is not None}
        return sorted(rows, key=lambda r: (r.file_name, r.row_number))


def explain(
    db: Database,
    report: Report,
    table: str,
    row: str,
    column: str,
    *,
    actor: Actor | None,
    catalogue: Catalogue | None = None,
) -> Explanation:
    """Expand one cell of an internal report table to its units and source rows.

    A figure spans every agency and province, so the actor needs ``persons:read`` with
    national scope (a row-level scope would silently change the figure). The call is
    audited as ``read`` of the persons (or cases) behind the cell, with the table, row
    and column in the detail.

    Args:
        db: the database the report was computed from.
        report: the report.
        table: table name.
        row: row code or label.
        column: column code or label.
        actor: the reader; None for the local operator (full access, still audited).
        catalogue: the indicator catalogue.

    Returns:
        The explanation; ``value`` and ``naive`` equal the cell's figures.

    Raises:
        AccessDenied: the actor lacks ``persons:read`` with national scope.
        ExplainError: unknown table or cell, or a cell not computed by an indicator.
    """
    if actor is not None:
        require_national(actor, "persons:read")
    catalogue = catalogue or default_catalogue()
    try:
        report_table = report.table(table)
        row_code, column_code = report_table.find(row, column)
    except KeyError as error:
        raise ExplainError(error.args[0]) from None
    source = report_table.sources.get((row_code, column_code))
    if source is None:
        raise ExplainError(
            f"cell [{row} × {column}] of {table!r} is not computed from an indicator "
            "(it comes from raw source rows, e.g. LMIS departures)"
        )
    found = members(db, catalogue[source.indicator], report.start, report.end, dict(source.where))
    units = _units(db, found)
    with db.session() as session:
        audit.record(
            session,
            actor,
            "read",
            "case" if found and found[0].fact_kind == "case" else "person",
            sorted(unit.key for unit in units if unit.key > 0),
            {"table": table, "row": row_code, "column": column_code, "units": len(units)},
        )
    return Explanation(
        table=table,
        row=row_code,
        column=column_code,
        indicator=source.indicator,
        where=source.where,
        value=len(units),
        naive=len({m.record_id for m in found}),
        units=units,
    )


def _units(db: Database, found: Sequence[Member]) -> tuple[Unit, ...]:
    t = metadata.tables
    raw, source, run, person = t["source_record"], t["source"], t["import_run"], t["person"]
    source_ids = sorted({m.source_record_id for m in found if m.source_record_id is not None})
    person_ids = sorted({m.key for m in found if m.key > 0})
    rows: dict[int, SourceRow] = {}
    public: dict[int, str] = {}
    with db.connect() as connection:
        for chunk in _chunks(source_ids):
            query = (
                sa.select(
                    raw.c.id,
                    source.c.code,
                    raw.c.source_key,
                    run.c.file_name,
                    raw.c.row_number,
                    raw.c.import_run_id,
                )
                .select_from(
                    raw.join(source, source.c.id == raw.c.source_id).join(
                        run, run.c.id == raw.c.import_run_id
                    )
                )
                .where(raw.c.id.in_(chunk))
            )
            for values in connection.execute(query):
                rows[values[0]] = SourceRow(*values)
        if found and found[0].fact_kind != "case":
            for chunk in _chunks(person_ids):
                query2 = sa.select(person.c.id, person.c.public_id).where(person.c.id.in_(chunk))
                public.update({pid: str(code) for pid, code in connection.execute(query2)})
    grouped: dict[int, list[Fact]] = {}
    for member in found:
        grouped.setdefault(member.key, []).append(
            Fact(
                member.fact_kind,
                member.fact_id,
                member.record_id,
                rows.get(member.source_record_id) if member.source_record_id else None,
            )
        )
    return tuple(Unit(key, public.get(key), tuple(facts)) for key, facts in grouped.items())


def _chunks(values: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def explain_tip_figure(
    db: Database,
    start: date,
    end: date,
    table: str,
    row: str,
    column: str,
    *,
    actor: Actor | None,
) -> Explanation:
    """One figure of the TIP tables of a period, expanded (see :func:`explain`).

    Only the figure's own table is computed when it is one of :data:`TIP_TABLES`.

    Raises:
        AccessDenied: the actor lacks ``persons:read`` with national scope.
        ExplainError: unknown table or cell, or a cell not computed by an indicator.
    """
    specs = tuple(spec for spec in TIP_TABLES if spec.name == table) or TIP_TABLES
    report = tip_report(db, start, end, specs=specs)
    return explain(db, report, table, row, column, actor=actor)


def explain_period(start: date, end: date) -> str:
    """The period of an explanation, for display."""
    return f"{start.isoformat()} to {end.isoformat()}"
