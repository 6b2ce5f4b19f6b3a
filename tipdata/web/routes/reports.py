"""TIP-report tables: view, download (XLSX, CSV) and publish with disclosure control; pages and API.

A period is a calendar year (``?year=2008``) or any range such as the US fiscal
April–March (``?start=2008-04-01&end=2009-03-31``). Users who may publish
(``reports:publish``, the NTF) see the internal figures, each de-duplicated value
beside the naive sum of agency records, and may release them; everyone else with
``reports:read_published`` sees and downloads only the disclosure-controlled
figures. Publishing runs :func:`tipdata.reporting.publish.publish`: if the release
would let a reader recover a suppressed cell it fails and lists the unsafe cells.
Downloads and releases are written to the audit log.

Figures come from :func:`tipdata.reporting.tip.tip_report` (cached per period, see
:mod:`tipdata.web.figures`); files from :mod:`tipdata.reporting.render`.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from tipdata.access import audit
from tipdata.access.policy import Actor, can
from tipdata.reporting.engine import EngineError
from tipdata.reporting.indicator_values import (
    INTERNAL_PERMISSION,
    indicator_breakdown,
    indicator_values,
)
from tipdata.reporting.publish import PublishedReport
from tipdata.reporting.releases import release_report
from tipdata.reporting.render.spreadsheet import write_csv, write_xlsx
from tipdata.reporting.report import Report
from tipdata.reporting.suppression import DisclosureError
from tipdata.reporting.tip import report_period
from tipdata.web.auth import Require, client_address
from tipdata.web.context import WebContext, web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.errors import WebError
from tipdata.web.problems import PROBLEM_RESPONSES, FieldProblem, Problem, problem_response
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(
    prefix="/api/v1/reports",
    tags=["reports"],
    responses={
        **PROBLEM_RESPONSES,
        422: {"model": Problem, "description": "Invalid period, or an unsafe release."},
    },
)

YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="Calendar year.")]
StartQuery = Annotated[date | None, Query(description="First day (with end), e.g. 2008-04-01.")]
EndQuery = Annotated[date | None, Query(description="Last day (with start), e.g. 2009-03-31.")]
FileFormat = Literal["xlsx", "csv"]
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class BadPeriod(WebError):
    """The period asked for is missing or inverted."""

    status = 422
    title = "Unprocessable Content"


class BadBreakdown(WebError):
    """No such indicator, or a disaggregation it does not allow."""

    status = 422
    title = "Unprocessable Content"


def _period(year: int | None, start: date | None, end: date | None) -> tuple[date, date]:
    if year is None and (start is None or end is None):
        year = date.today().year
    if start is not None and end is not None and (end - start).days > 731:
        raise BadPeriod("A report covers at most two years.")
    try:
        return report_period(year, start, end)
    except ValueError as error:
        raise BadPeriod(str(error)) from None


def _figures(
    web: WebContext, actor: Actor, start: date, end: date
) -> tuple[Report, PublishedReport | None]:
    """The report, and its published form for users who may not see internal figures.

    Raises:
        DisclosureError: a reader of published figures asked for an unsafe release.
    """
    if can(actor, "reports:publish", web.access.policy):
        return web.figures.report(web.system.db, start, end), None
    threshold = web.system.settings.disclosure_threshold
    published = web.figures.published(web.system.db, start, end, threshold)
    return published.report, published


def _query(start: date, end: date) -> str:
    return f"start={start.isoformat()}&end={end.isoformat()}"


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
) -> HTMLResponse:
    """The TIP tables of a period, with downloads and (for the NTF) the publish form."""
    web = web_context(request)
    first, last = _period(year, start, end)
    try:
        report, published = _figures(web, actor, first, last)
    except DisclosureError as error:
        return _page(request, actor, first, last, None, None, unsafe=error)
    return _page(request, actor, first, last, report, published)


@router.get("/reports/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request,
    actor: Annotated[Actor, Require(INTERNAL_PERMISSION)],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
    indicator: Annotated[str | None, Query(max_length=60)] = None,
    by: Annotated[str | None, Query(max_length=60)] = None,
) -> HTMLResponse:
    """Every indicator of the catalogue for a period (internal figures, beside naive sums);
    with ``indicator`` and ``by``, that indicator broken down by that disaggregation."""
    first, last = _period(year, start, end)
    db = web_context(request).system.db
    values = indicator_values(db, first, last, actor=actor)
    breakdown = None
    if indicator is not None and by is not None:
        try:
            breakdown = indicator_breakdown(db, indicator, by, first, last, actor=actor)
        except EngineError as error:
            raise BadBreakdown(str(error)) from None
    context = {
        "start": first,
        "end": last,
        "query": _query(first, last),
        "values": values,
        "breakdown": breakdown,
    }
    return render(request, "indicators.html", context)


def _page(
    request: Request,
    actor: Actor,
    start: date,
    end: date,
    report: Report | None,
    published: PublishedReport | None,
    *,
    unsafe: DisclosureError | None = None,
    released: PublishedReport | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    web = web_context(request)
    return render(
        request,
        "reports.html",
        {
            "start": start,
            "end": end,
            "query": _query(start, end),
            "report": report,
            "published": published,
            "internal": published is None and report is not None,
            "may_publish": can(actor, "reports:publish", web.access.policy),
            "threshold": web.system.settings.disclosure_threshold,
            "unsafe": unsafe.unsafe if unsafe else [],
            "released": released,
        },
        status_code=status_code,
    )


@router.post("/reports/publish", response_class=HTMLResponse)
def publish_form(
    request: Request,
    actor: Annotated[Actor, Require("reports:publish")],
    _csrf: CsrfChecked,
    start: Annotated[date, Form()],
    end: Annotated[date, Form()],
) -> HTMLResponse:
    """Release the period's figures; an unsafe release is refused, listing the cells."""
    web = web_context(request)
    first, last = _period(None, start, end)
    report = web.figures.report(web.system.db, first, last)
    try:
        released = _release(request, actor, report)
    except DisclosureError as error:
        return _page(request, actor, first, last, report, None, unsafe=error, status_code=422)
    return _page(request, actor, first, last, report, None, released=released)


def _release(request: Request, actor: Actor, report: Report) -> PublishedReport:
    """Publish with the configured threshold, write the files and store the release.

    The release (tables, threshold, digest, a SHA-256 per file, who, when) is listed by
    ``tipdata report releases``; its files go under ``<home>/reports/releases``.

    Raises:
        DisclosureError: the release is unsafe; nothing is written or recorded.
    """
    web = web_context(request)
    released = release_report(
        web.system.db,
        report,
        web.system.settings.home / "reports" / "releases",
        actor=actor,
        threshold=web.system.settings.disclosure_threshold,
    )
    return released.published


def _download(
    request: Request, actor: Actor, start: date, end: date, file_format: FileFormat
) -> Response:
    """The tables as a file: internal for the NTF, published for everyone else (audited)."""
    web = web_context(request)
    report, published = _figures(web, actor, start, end)
    kind = "internal" if published is None else "published"
    stem = f"tip-{start.isoformat()}-{end.isoformat()}-{kind}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}.{file_format}"
        writer = write_xlsx if file_format == "xlsx" else write_csv
        content = writer(report, path, published=published).read_bytes()
    with web.system.db.session() as session:
        audit.record(
            session, actor, "export", "tip_report", [],
            {"start": start.isoformat(), "end": end.isoformat(), "format": file_format,
             "kind": kind},
            client_address(request),
        )  # fmt: skip
    return Response(
        content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{file_format}"'},
    )


@router.get("/reports/tip.{file_format}")
def download_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    file_format: FileFormat,
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
) -> Response:
    """Download the TIP tables of a period as XLSX or CSV; an unsafe release is refused.

    The refusal is the reports page (422) listing the cells a reader could recover.
    """
    first, last = _period(year, start, end)
    try:
        return _download(request, actor, first, last, file_format)
    except DisclosureError as error:
        return _page(request, actor, first, last, None, None, unsafe=error, status_code=422)


# --- API ---------------------------------------------------------------------------------


class CellOut(BaseModel):
    """One figure of a table: value (None when suppressed or not recorded), naive sum
    (internal only), status (``not_recorded`` with the note naming the missing field)."""

    row: str
    column: str
    value: int | None
    naive: int | None = None
    status: str = "free"
    note: str | None = None


class TableOut(BaseModel):
    """One TIP table."""

    name: str
    title: str
    unit: str
    rows: list[str]
    columns: list[str]
    definitions: list[str]
    cells: list[CellOut]


class ReportOut(BaseModel):
    """The TIP tables of a period: internal (with naive sums) or published."""

    start: date
    end: date
    kind: Literal["internal", "published"]
    notes: list[str]
    tables: list[TableOut]


class ReleaseOut(BaseModel):
    """A release that passed disclosure control."""

    start: date
    end: date
    threshold: int
    digest: str


def _report_out(report: Report, published: PublishedReport | None) -> ReportOut:
    tables = []
    for table in report.tables:
        cells = []
        for row in table.rows:
            for column in table.columns:
                if (row, column) in table.not_recorded:
                    cells.append(
                        CellOut(
                            row=row,
                            column=column,
                            value=None,
                            status="not_recorded",
                            note=table.not_recorded[(row, column)],
                        )
                    )
                elif published is None:
                    cell = table.cell(row, column)
                    cells.append(
                        CellOut(row=row, column=column, value=cell.value, naive=cell.naive)
                    )
                else:
                    shown = published.table(table.name).cell(row, column)
                    cells.append(
                        CellOut(row=row, column=column, value=shown.value, status=shown.status)
                    )
        tables.append(
            TableOut(
                name=table.name,
                title=table.title,
                unit=table.unit,
                rows=list(table.rows),
                columns=list(table.columns),
                definitions=list(table.definitions),
                cells=cells,
            )
        )
    return ReportOut(
        start=report.start,
        end=report.end,
        kind="internal" if published is None else "published",
        notes=list(report.notes),
        tables=tables,
    )


def _unsafe_problem(request: Request, error: DisclosureError) -> JSONResponse:
    errors = [
        FieldProblem(location=f"{c.table}[{c.row} × {c.column}]", message=str(c))
        for c in error.unsafe
    ]
    detail = f"Unsafe release: {len(error.unsafe)} cell(s) could be recovered; see errors."
    return problem_response(request, 422, detail, errors=errors)


@api_router.get("/tip", summary="TIP tables of a period", response_model=ReportOut)
def tip_api(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
) -> Response | ReportOut:
    """Every table; internal figures with naive sums for the NTF, published ones otherwise."""
    first, last = _period(year, start, end)
    try:
        report, published = _figures(web_context(request), actor, first, last)
    except DisclosureError as error:
        return _unsafe_problem(request, error)
    return _report_out(report, published)


@api_router.get(
    "/tip.{file_format}",
    summary="Download the TIP tables (XLSX or CSV)",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}, "text/csv": {}}}},
)
def tip_download_api(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    file_format: FileFormat,
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
) -> Response:
    """The file as the page's download gives it."""
    first, last = _period(year, start, end)
    try:
        return _download(request, actor, first, last, file_format)
    except DisclosureError as error:
        return _unsafe_problem(request, error)


@api_router.post("/tip/publish", summary="Publish a period's figures", response_model=ReleaseOut)
def publish_api(
    request: Request,
    actor: Annotated[Actor, Require("reports:publish")],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
) -> Response | ReleaseOut:
    """Release with disclosure control; 422 listing the unsafe cells if it is not safe."""
    web = web_context(request)
    first, last = _period(year, start, end)
    report = web.figures.report(web.system.db, first, last)
    try:
        released = _release(request, actor, report)
    except DisclosureError as error:
        return _unsafe_problem(request, error)
    return ReleaseOut(start=first, end=last, threshold=released.threshold, digest=released.digest)
