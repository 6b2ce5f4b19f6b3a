"""A pivot table of the provincial reports: rows × columns × filters over data elements and
their disaggregations, as DHIS2's data visualizer offers it.

Dimensions (:data:`DIMENSIONS`): the data element, the province, the bi-week, the year,
and each category of the data set (sex, age group). The figures are the received reports
(submitted or accepted; ``accepted_only`` for the NTF's accepted figures), summed.

A report's value is split by a category only where the province entered (or entered
enough parts to derive) every option's value (:meth:`DataSet.value`): a report that
gave only a total shows under ``not broken down`` for that category, never spread over
its options nor read as 0. An element without that category (cases investigated) shows
under ``not broken down`` too.

Scope: a provincial user's pivot is always of their own province (the filter is forced
by :func:`pivot`, whatever was asked). :func:`cell_reports` lists the reports and
values behind one cell ("explain this figure"), within the same scope.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from tipdata.access.permissions import Permission
from tipdata.access.policy import Acting, Policy, authorize
from tipdata.errors import TipdataError
from tipdata.model.enums import ReportStatus
from tipdata.provincial.datasets import TOTAL, DataSet
from tipdata.provincial.transitions import READ_PERMISSION, own_province
from tipdata.provincial.workflow import Workflow, default_workflow
from tipdata.store.reports import ProvincialReport, ProvincialReportValue

NOT_BROKEN_DOWN = "not_broken_down"
"""The option of a category for a value not split by it."""

BASE_DIMENSIONS = ("data_element", "province", "period", "year")
"""Dimensions every data set has; its categories (``sex``, ``age``) are added."""

MAX_PERIODS = 27 * 30
"""At most this many periods in one pivot (thirty years of bi-weeks)."""


class PivotError(TipdataError):
    """A pivot asked for an unknown dimension or option."""


@dataclass(frozen=True)
class PivotRequest:
    """What the user asked: the dimensions on rows and columns, and the filters.

    Attributes:
        rows: the dimension on rows.
        columns: the dimension on columns (may be None: one column of totals).
        filters: dimension → the options kept (an absent dimension keeps all).
        accepted_only: only reports the NTF accepted.
    """

    rows: str
    columns: str | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    accepted_only: bool = False


@dataclass(frozen=True)
class Fact:
    """One report's value at one combination of the dimensions."""

    report_id: int
    province: str
    period: str
    element: str
    options: Mapping[str, str]
    value: int

    def get(self, dimension: str) -> str:
        """This fact's option of a dimension."""
        if dimension == "data_element":
            return self.element
        if dimension == "province":
            return self.province
        if dimension == "period":
            return self.period
        if dimension == "year":
            return self.period[:4]
        return self.options[dimension]


@dataclass(frozen=True)
class Pivot:
    """The pivot table.

    Attributes:
        request: what was asked (the province filter forced for a provincial user).
        row_keys: the row options, in order.
        column_keys: the column options, in order (``["total"]`` without columns).
        cells: (row, column) → sum; an absent pair has no received value.
        reports: the number of reports read.
    """

    request: PivotRequest
    row_keys: tuple[str, ...]
    column_keys: tuple[str, ...]
    cells: Mapping[tuple[str, str], int]
    reports: int

    def row_total(self, row: str) -> int | None:
        """The sum of a row (None when it has no value)."""
        values = [self.cells[(row, c)] for c in self.column_keys if (row, c) in self.cells]
        return sum(values) if values else None

    def column_total(self, column: str) -> int | None:
        """The sum of a column (None when it has no value)."""
        values = [self.cells[(r, column)] for r in self.row_keys if (r, column) in self.cells]
        return sum(values) if values else None

    @property
    def total(self) -> int | None:
        """The sum of every cell (None when there is none)."""
        return sum(self.cells.values()) if self.cells else None


def dimensions(data_set: DataSet) -> dict[str, tuple[str, ...] | None]:
    """Each dimension with its fixed options (None: the options come from the data).

    Examples:
        >>> from tipdata.provincial.datasets import load_data_set
        >>> dimensions(load_data_set("PWG_BIWEEKLY"))["sex"]
        ('female', 'male', 'not_broken_down')
    """
    found: dict[str, tuple[str, ...] | None] = {
        "data_element": tuple(e.code for e in data_set.elements),
        "province": tuple(unit.code for unit in data_set.org_units()),
        "period": None,
        "year": None,
    }
    for element in data_set.elements:
        for category in data_set.categories_of(element.code):
            found.setdefault(category.code, (*category.options, NOT_BROKEN_DOWN))
    return found


def facts(
    session: Session,
    request: PivotRequest,
    *,
    workflow: Workflow | None = None,
) -> Iterator[Fact]:
    """Every received report's values split by the categories the request uses."""
    flow = workflow or default_workflow()
    data_set = flow.data_set
    used = {request.rows, *([request.columns] if request.columns else []), *request.filters}
    categories = [d for d in dimensions(data_set) if d not in BASE_DIMENSIONS]
    statuses = (
        [ReportStatus.ACCEPTED]
        if request.accepted_only
        else sorted({ReportStatus.SUBMITTED, ReportStatus.ACCEPTED})
    )
    query = (
        sa.select(
            ProvincialReport.id,
            ProvincialReport.province_code,
            ProvincialReport.period_code,
            ProvincialReportValue.data_element_code,
            ProvincialReportValue.disaggregation,
            ProvincialReportValue.value,
        )
        .join(ProvincialReportValue, ProvincialReportValue.report_id == ProvincialReport.id)
        .where(
            ProvincialReport.data_set_code == data_set.code,
            ProvincialReport.status.in_(statuses),
            ProvincialReportValue.value.is_not(None),
        )
        .order_by(ProvincialReport.id)
    )
    for dimension, column in (
        ("province", ProvincialReport.province_code),
        ("period", ProvincialReport.period_code),
        ("data_element", ProvincialReportValue.data_element_code),
    ):
        if dimension in request.filters:
            query = query.where(column.in_(request.filters[dimension]))
    reports: dict[int, tuple[str, str, dict[tuple[str, str], int | None]]] = {}
    for report_id, province, period, element, disaggregation, value in session.execute(query):
        reports.setdefault(report_id, (province, period, {}))[2][(element, disaggregation)] = value
    for report_id, (province, period, values) in reports.items():
        for element in sorted({key[0] for key in values}):
            yield from _split(
                data_set, report_id, province, period, element, values, categories, used
            )


def _split(
    data_set: DataSet,
    report_id: int,
    province: str,
    period: str,
    element: str,
    values: Mapping[tuple[str, str], int | None],
    categories: Sequence[str],
    used: set[str],
) -> Iterator[Fact]:
    """One element of one report as facts over the categories in ``used``."""
    own = data_set.categories_of(element)
    split = [c for c in own if c.code in used]
    unsplit = {c: NOT_BROKEN_DOWN for c in categories if c not in {s.code for s in split}}
    combos = list(itertools.product(*(c.options for c in split)))
    if split:
        order = [c.code for c in own]
        found = []
        for combo in combos:
            chosen = dict(zip((c.code for c in split), combo, strict=True))
            name = "_".join(chosen[code] for code in order if code in chosen)
            found.append((chosen, data_set.value(values, (element, name))))
        if all(value is not None for _chosen, value in found):
            for chosen, value in found:
                assert value is not None
                yield Fact(report_id, province, period, element, {**unsplit, **chosen}, value)
            return
    total = data_set.value(values, (element, TOTAL))
    if total is not None:
        every = {c: NOT_BROKEN_DOWN for c in categories}
        yield Fact(report_id, province, period, element, every, total)


def scoped(request: PivotRequest, actor: Acting) -> PivotRequest:
    """The request as the actor may have it: a provincial user's own province only.

    Raises:
        AccessDenied: the actor may not read provincial reports.
    """
    authorize(actor, READ_PERMISSION)
    own = own_province(actor)
    if own is None:
        return request
    filters = dict(request.filters)
    filters["province"] = (own,)
    return PivotRequest(request.rows, request.columns, filters, request.accepted_only)


def check_request(request: PivotRequest, data_set: DataSet) -> None:
    """Refuse an unknown dimension or a fixed option that does not exist.

    Raises:
        PivotError: naming the dimension or option.
    """
    known = dimensions(data_set)
    for dimension in (request.rows, request.columns, *request.filters):
        if dimension is not None and dimension not in known:
            raise PivotError(f"no dimension {dimension!r}; choose one of {', '.join(known)}")
    if request.columns == request.rows:
        raise PivotError("rows and columns must be different dimensions")
    for dimension, options in request.filters.items():
        allowed = known[dimension]
        wrong = [o for o in options if allowed is not None and o not in allowed]
        if wrong:
            raise PivotError(f"{dimension} has no option {wrong[0]!r}")


def pivot(
    session: Session,
    actor: Acting,
    request: PivotRequest,
    *,
    workflow: Workflow | None = None,
) -> Pivot:
    """Sum the received reports' values into a rows × columns table.

    Args:
        session: an open session.
        actor: who asks: a provincial user sees only their own province.
        request: rows, columns and filters.
        workflow: the data set.

    Raises:
        PivotError: an unknown dimension or option.
        AccessDenied: the actor may not read provincial reports.
    """
    flow = workflow or default_workflow()
    check_request(request, flow.data_set)
    request = scoped(request, actor)
    known = dimensions(flow.data_set)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    rows: set[str] = set()
    columns: set[str] = set()
    report_ids: set[int] = set()
    for fact in facts(session, request, workflow=flow):
        if any(fact.get(d) not in kept for d, kept in request.filters.items()):
            continue
        row = fact.get(request.rows)
        column = fact.get(request.columns) if request.columns else TOTAL
        cells[(row, column)] += fact.value
        rows.add(row)
        columns.add(column)
        report_ids.add(fact.report_id)
    return Pivot(
        request=request,
        row_keys=_ordered(rows, known.get(request.rows)),
        column_keys=_ordered(columns, known.get(request.columns) if request.columns else None)
        or (TOTAL,),
        cells=dict(cells),
        reports=len(report_ids),
    )


def _ordered(found: set[str], fixed: tuple[str, ...] | None) -> tuple[str, ...]:
    if fixed is None:
        return tuple(sorted(found))
    return tuple(option for option in fixed if option in found)


@dataclass(frozen=True)
class CellReport:
    """A report behind a pivot cell and its value there."""

    report_id: int
    province: str
    period: str
    value: int


def cell_reports(
    session: Session,
    actor: Acting,
    request: PivotRequest,
    row: str,
    column: str,
    *,
    workflow: Workflow | None = None,
) -> list[CellReport]:
    """The reports behind one cell of a pivot and what each adds to it (explain the figure).

    Raises:
        PivotError, AccessDenied: as :func:`pivot`.
    """
    flow = workflow or default_workflow()
    check_request(request, flow.data_set)
    request = scoped(request, actor)
    by_report: dict[int, CellReport] = {}
    for fact in facts(session, request, workflow=flow):
        if any(fact.get(d) not in kept for d, kept in request.filters.items()):
            continue
        if fact.get(request.rows) != row:
            continue
        if request.columns and fact.get(request.columns) != column:
            continue
        earlier = by_report.get(fact.report_id)
        total = fact.value + (earlier.value if earlier else 0)
        by_report[fact.report_id] = CellReport(fact.report_id, fact.province, fact.period, total)
    return sorted(by_report.values(), key=lambda r: (r.period, r.province))


@dataclass(frozen=True)
class PivotCell:
    """One pivot figure explained: the reports behind it and the figure they add up to."""

    reports: tuple[CellReport, ...]
    total: int


def pivot_cell(
    session: Session,
    actor: Acting,
    request: PivotRequest,
    row: str,
    column: str,
    *,
    workflow: Workflow | None = None,
) -> PivotCell:
    """The reports behind one cell of a pivot (:func:`cell_reports`) and their sum, the cell.

    Raises:
        PivotError, AccessDenied: as :func:`pivot`.
    """
    found = cell_reports(session, actor, request, row, column, workflow=workflow)
    return PivotCell(tuple(found), sum(report.value for report in found))


def to_csv(table: Pivot, label: Mapping[str, str] | None = None) -> bytes:
    """The pivot as CSV (UTF-8 with a byte-order mark, for spreadsheet programs)."""
    names = label or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _lines(table, names):
        writer.writerow(["" if v is None else v for v in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Pivot, label: Mapping[str, str] | None = None) -> bytes:
    """The pivot as an XLSX workbook of one sheet, header in bold, columns sized."""
    names = label or {}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "pivot"
    for line in _lines(table, names):
        sheet.append(list(line))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 50)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _lines(table: Pivot, names: Mapping[str, str]) -> Iterator[list[str | int | None]]:
    request = table.request
    head = f"{names.get(request.rows, request.rows)}"
    yield [head, *(names.get(c, c) for c in table.column_keys), names.get("total", "total")]
    for row in table.row_keys:
        yield [
            names.get(row, row),
            *(table.cells.get((row, c)) for c in table.column_keys),
            table.row_total(row),
        ]
    yield [
        names.get("total", "total"),
        *(table.column_total(c) for c in table.column_keys),
        table.total,
    ]


def offered_dimensions(
    actor: Acting, *, policy: Policy | None = None, workflow: Workflow | None = None
) -> dict[str, tuple[str, ...] | None]:
    """The dimensions and options offered to the actor: :func:`dimensions`, with a
    provincial user's own province as the only province (no other to offer)."""
    flow = workflow or default_workflow()
    options = dimensions(flow.data_set)
    own = own_province(actor, policy)
    if own is not None:
        options["province"] = (own,)
    return options


MAP_PERMISSION: Permission = "reports:accept"
"""The map of every province is the NTF's (those who accept reports)."""


@dataclass(frozen=True)
class ProvinceFigures:
    """One data element per province, for the map.

    Attributes:
        element: the data element shown (the one asked for, else the data set's first).
        table: the pivot behind it (provinces as rows).
        values: province → the element's sum (None: no received value).
        lowest: the smallest value shown (None when there is none).
        highest: the largest.
    """

    element: str
    table: Pivot
    values: dict[str, int | None]
    lowest: int | None
    highest: int | None


def province_figures(
    session: Session,
    actor: Acting,
    *,
    data_element: str | None = None,
    year: str | None = None,
    policy: Policy | None = None,
    workflow: Workflow | None = None,
) -> ProvinceFigures:
    """One data element of the received reports per province, in a year or over all years.

    Raises:
        PivotError: an unknown data element or year.
        AccessDenied: the actor may not accept reports (``reports:accept``).
    """
    authorize(actor, MAP_PERMISSION, policy=policy)
    flow = workflow or default_workflow()
    element = data_element or flow.data_set.elements[0].code
    filters: dict[str, tuple[str, ...]] = {"data_element": (element,)}
    if year:
        filters["year"] = (year,)
    table = pivot(session, actor, PivotRequest("province", None, filters), workflow=flow)
    values = {code: table.row_total(code) for code in table.row_keys}
    known = sorted(v for v in values.values() if v is not None)
    return ProvinceFigures(
        element, table, values, known[0] if known else None, known[-1] if known else None
    )


__all__ = [
    "MAP_PERMISSION",
    "NOT_BROKEN_DOWN",
    "CellReport",
    "Pivot",
    "PivotCell",
    "PivotError",
    "PivotRequest",
    "ProvinceFigures",
    "cell_reports",
    "dimensions",
    "offered_dimensions",
    "pivot",
    "pivot_cell",
    "province_figures",
    "to_csv",
    "to_xlsx",
]
