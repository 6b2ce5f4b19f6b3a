"""The figures document of a release: what readers are served, and what the gate reads back.

:func:`figures_document` turns a :class:`~tipdata.reporting.publish.PublishedReport` into
the JSON document stored with the release (``report_release.figures``) and served to
readers byte for byte, every suppressed cell in it ``withheld`` (primary and secondary
alike: the document is public, see docs/disclosure-control.md);
:func:`published_from_document` reads it back into a ``PublishedReport`` for pages and
the dashboard (no counting), and :func:`released_figures` into what the cross-release audit
(:mod:`tipdata.reporting.overlap`) reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from tipdata.reporting.overlap import Relation, ReleasedFigures
from tipdata.reporting.publish import PublishedCell, PublishedReport, PublishedTable
from tipdata.reporting.published_ranges import LOW_SUFFIX
from tipdata.reporting.report import CellSource, Report, ReportTable
from tipdata.reporting.suppression import ShownStatus, public_status


def figures_document(
    published: PublishedReport,
    *,
    release_id: int,
    report_kind: str,
    period_code: str,
    released_at: datetime,
    notes: Sequence[str] = (),
) -> str:
    """The JSON document of a release's figures, as stored and served byte for byte."""
    report = published.report
    tables = []
    for published_table in published.tables:
        table = published_table.table
        cells = []
        for row in table.rows:
            for column in table.columns:
                shown = published_table.cell(row, column)
                cell: dict[str, object] = {
                    "row": row, "column": column, "value": shown.value, "naive": None,
                    "status": public_status(shown.status),
                }  # fmt: skip
                if shown.ranged:
                    # the range as the gate lets it be shown (None: withheld or suppressed)
                    cell.update(low=shown.low, high=shown.high)
                cells.append(cell)
        tables.append(
            {
                "name": table.name,
                "title": table.title,
                "unit": table.unit,
                "row_header": table.row_header,
                "rows": list(table.rows),
                "columns": list(table.columns),
                "labels": {code: table.label(code) for code in (*table.rows, *table.columns)},
                "definitions": list(table.definitions),
                "cells": cells,
                # what each cell counts (indicator and breakdown): the gate links the cells
                # of every release that count the same thing (docs/disclosure-control.md)
                "sources": [
                    [row, column, source.indicator, [list(pair) for pair in source.where]]
                    for (row, column), source in sorted(table.sources.items())
                ],
            }
        )
    document = {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "kind": "published",
        "period": period_code,
        "release_id": release_id,
        "report_kind": report_kind,
        "title": report.title,
        "released_at": released_at.replace(tzinfo=released_at.tzinfo or UTC).isoformat(),
        "threshold": published.threshold,
        "rounding_base": published.rounding_base,
        "digest": published.digest,
        "notes": [*report.notes, *published.notes, *notes],
        "tables": tables,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def published_from_document(figures: str) -> PublishedReport:
    """Rebuild a :class:`PublishedReport` from a stored figures document (no counting)."""
    document = json.loads(figures)
    tables: list[ReportTable] = []
    published: list[PublishedTable] = []
    for item in document["tables"]:
        table = ReportTable(
            name=item["name"],
            title=item["title"],
            definitions=tuple(item["definitions"]),
            row_header=item.get("row_header", ""),
            rows=tuple(item["rows"]),
            columns=tuple(item["columns"]),
            cells={},
            labels=dict(item.get("labels", {})),
            unit=item["unit"],
            sources={
                (row, column): CellSource(indicator, tuple((k, v) for k, v in where))
                for row, column, indicator, where in item.get("sources", ())
            },
        )
        status: dict[tuple[str, str], PublishedCell] = {
            (cell["row"], cell["column"]): PublishedCell(
                cell["value"],
                _status(cell["status"]),
                cell.get("low"),
                cell.get("high"),
                ranged="low" in cell,
            )
            for cell in item["cells"]
        }
        tables.append(table)
        published.append(PublishedTable(table, status))
    released_at = datetime.fromisoformat(document["released_at"])
    report = Report(
        document.get("title", "TIP report"),
        date.fromisoformat(document["start"]),
        date.fromisoformat(document["end"]),
        tuple(tables),
        released_at,
        tuple(document["notes"]),
    )
    return PublishedReport(
        report, tuple(published), document["threshold"], document["rounding_base"],
        document["digest"],
    )  # fmt: skip


def _status(value: str) -> ShownStatus:
    """A stored cell's status: ``free`` or ``withheld`` (``primary`` / ``secondary`` in
    documents stored before the public forms stopped telling them apart)."""
    if value not in ("free", "withheld", "primary", "secondary"):
        raise ValueError(f"unknown cell status {value!r} in a stored release")
    return value  # type: ignore[return-value]


def released_figures(
    label: str,
    published: PublishedReport,
    relations: Mapping[str, Sequence[tuple[Sequence[str], Sequence[Sequence[str]]]]],
    rounding_base: int | None,
) -> ReleasedFigures:
    """A published report as the cross-release audit reads it.

    The low ends of the ranges a release shows are figures too (the counts under another
    linkage, adding up like the figures): each table with any is audited again as the
    table ``<name>@low`` (:data:`~tipdata.reporting.published_ranges.LOW_SUFFIX`), a low
    end not shown being an unknown like a suppressed cell.
    """
    cells: dict[str, dict[tuple[str, str], tuple[int | None, ShownStatus]]] = {}
    lines: dict[str, list[Relation]] = {
        name: [Relation(_key(total), tuple(_key(m) for m in members)) for total, members in found]
        for name, found in relations.items()
    }
    measures: dict[str, dict[tuple[str, str], str]] = {}
    for t in published.tables:
        name = t.table.name
        cells[name] = {key: (cell.value, cell.status) for key, cell in t.cells.items()}
        measures[name] = {
            key: measure_of(t.table.unit, source)
            for key, source in t.table.sources.items()
            if key in t.cells
        }
        # low ends that all equal their figures add nothing to what the figures say
        if any(cell.low is not None and cell.low != cell.value for cell in t.cells.values()):
            cells[name + LOW_SUFFIX] = {key: _low_end(cell) for key, cell in t.cells.items()}
            lines[name + LOW_SUFFIX] = lines.get(name, [])
            measures[name + LOW_SUFFIX] = {k: m + LOW_SUFFIX for k, m in measures[name].items()}
    return ReleasedFigures(
        label, published.report.start, published.report.end, cells, lines, rounding_base,
        measures,
    )  # fmt: skip


def measure_of(unit: str, source: CellSource) -> str:
    """What a cell counts, the same text wherever the same count is published: its unit,
    indicator and breakdown (``persons:victims_identified|age_group=child|sex=female``).

    Examples:
        >>> measure_of("persons", CellSource("victims_identified", (("sex", "female"),)))
        'persons:victims_identified|sex=female'
    """
    where = "|".join(f"{key}={value}" for key, value in sorted(source.where))
    return f"{unit}:{source.indicator}" + (f"|{where}" if where else "")


def _low_end(cell: PublishedCell) -> tuple[int | None, ShownStatus]:
    """A cell of the ``@low`` table: its low end as shown; a figure with no range (cases,
    charges, departures: no linkage in them) is its own low end; a low end not shown is an
    unknown (suppressed with its figure: the figure's status, else withheld to protect:
    secondary)."""
    if not cell.ranged:
        return cell.value, cell.status
    if cell.low is not None:
        return cell.low, "free"
    return None, "secondary" if cell.status == "free" else cell.status


def _key(cell: Sequence[str]) -> tuple[str, str]:
    row, column = cell
    return row, column
