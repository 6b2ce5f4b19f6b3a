"""TIP-report tables: view, download (XLSX, CSV) and publish with disclosure control; pages and API.

Releases are the public figures. Users who may publish (``reports:publish``, the NTF)
see internal figures for any period — a calendar year (``?year=2008``), a fixed period
(``?period=2008Q1``) or any range such as the US fiscal April–March
(``?start=2008-04-01&end=2009-03-31``) — each de-duplicated value beside the naive sum
of agency records, computed once per period (:mod:`tipdata.web.figures`), and may
release a fixed period. Everyone else with ``reports:read_published`` is served the
stored releases only: the figures document and files stored at publication, byte for
byte (:func:`tipdata.reporting.releases.published_release`); a period nobody released
answers 404 "not published" and is never computed for them.

Publishing runs :func:`tipdata.reporting.releases.release_report`: the gate refuses a
release a reader could recover a suppressed cell from, alone or together with the
earlier releases it overlaps (listing the cells), or suppresses the cells subtraction
would give away (listing them). Downloads and releases are written to the audit log.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from tipdata.access import Actor, can
from tipdata.periods import PeriodError, parse_period
from tipdata.reporting import (
    INTERNAL_PERMISSION,
    PUBLISH_PERMISSION,
    DisclosureError,
    EngineError,
    NotAFixedPeriod,
    NothingReleased,
    NotPublished,
    PublishedPeriod,
    PublishedReport,
    Released,
    Report,
    StoredRelease,
    default_report_period,
    indicator_breakdown,
    list_indicator_values,
    public_status,
    published_periods,
    published_release,
    record_export,
    release_file,
    release_report,
    release_threshold,
    report_period,
    sees_internal_figures,
    write_csv,
    write_xlsx,
)
from tipdata.web.auth import Require, client_address
from tipdata.web.context import WebContext, web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.errors import WebError
from tipdata.web.problems import PROBLEM_RESPONSES, FieldProblem, Problem, problem_response
from tipdata.web.routes.publication import preview_response
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
PeriodQuery = Annotated[
    str | None,
    Query(max_length=12, description="A period code: 2008, 2008Q1, 200803, 2009TIP."),
]
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


class NotPublishedError(WebError):
    """Readers asked for a period nobody released: nothing is computed for them."""

    status = 404
    title = "Not Found"


class BadBreakdown(WebError):
    """No such indicator, or a disaggregation it does not allow."""

    status = 422
    title = "Unprocessable Content"


def _period(
    year: int | None,
    start: date | None,
    end: date | None,
    period: str | None = None,
    default_year: int | None = None,
) -> tuple[date, date]:
    if period is not None:
        try:
            found = parse_period(period)
        except PeriodError as error:
            raise BadPeriod(str(error)) from None
        return found.start, found.end
    if year is None and (start is None or end is None):
        year = default_year if start is None and end is None and default_year else None
        year = year or date.today().year
    try:
        return report_period(year, start, end)
    except ValueError as error:
        raise BadPeriod(str(error)) from None


def _internal(web: WebContext, actor: Actor) -> bool:
    return sees_internal_figures(actor, web.access.policy)


def _release_for(web: WebContext, actor: Actor, start: date, end: date) -> StoredRelease:
    """The stored release of exactly this period, for a reader.

    Raises:
        NotPublishedError: nobody released this period.
    """
    try:
        return published_release(web.system.db, start, end, actor=actor)
    except NotPublished as error:
        raise NotPublishedError(str(error)) from None


def _reader_period(
    web: WebContext,
    actor: Actor,
    year: int | None,
    start: date | None,
    end: date | None,
    period: str | None,
) -> tuple[date, date]:
    """The period a reader asked for; by default the service's (the newest released one).

    Raises:
        NotPublishedError: nothing was asked for and nothing has been released.
    """
    if year is None and period is None and start is None and end is None:
        try:
            return default_report_period(web.system.db, actor, web.access.policy)
        except NothingReleased as error:
            raise NotPublishedError(str(error)) from None
    return _period(year, start, end, period)


def _internal_period(
    web: WebContext, year: int | None, start: date | None, end: date | None, period: str | None
) -> tuple[date, date]:
    """The period the NTF asked for; by default the service's (the newest year with data)."""
    if year is None and period is None and start is None and end is None:
        return default_report_period(web.system.db, None)
    return _period(year, start, end, period)


def _query(start: date, end: date) -> str:
    return f"start={start.isoformat()}&end={end.isoformat()}"


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
    period: PeriodQuery = None,
) -> HTMLResponse:
    """The TIP tables of a period: internal for the NTF (with the publish form), the stored
    release for everyone else (a "not published" message for a period nobody released)."""
    web = web_context(request)
    if _internal(web, actor):
        first, last = _internal_period(web, year, start, end, period)
        return _page(request, actor, first, last, web.figures.report(web.system.db, first, last))
    periods = published_periods(web.system.db, actor=actor)
    try:
        first, last = _reader_period(web, actor, year, start, end, period)
        stored = _release_for(web, actor, first, last)
    except NotPublishedError as error:
        return _page(
            request, actor, date.today(), date.today(), None, periods=periods,
            not_published=str(error), status_code=404,
        )  # fmt: skip
    published = stored.published()
    return _page(
        request, actor, first, last, published.report, published, periods=periods,
        release=stored,
    )  # fmt: skip


@router.get("/reports/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request,
    actor: Annotated[Actor, Require(INTERNAL_PERMISSION)],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
    period: PeriodQuery = None,
    indicator: Annotated[str | None, Query(max_length=60)] = None,
    by: Annotated[str | None, Query(max_length=60)] = None,
) -> HTMLResponse:
    """Every indicator of the catalogue for a period (internal figures, beside naive sums);
    with ``indicator`` and ``by``, that indicator broken down by that disaggregation."""
    web = web_context(request)
    first, last = _internal_period(web, year, start, end, period)
    db = web.system.db
    values = web.figures.national(
        db, first, last, "indicators", lambda: list_indicator_values(db, first, last, actor=actor)
    )
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
    published: PublishedReport | None = None,
    *,
    unsafe: DisclosureError | None = None,
    released: Released | None = None,
    periods: list[PublishedPeriod] | None = None,
    release: StoredRelease | None = None,
    not_published: str | None = None,
    refused: str | None = None,
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
            "may_publish": can(actor, PUBLISH_PERMISSION, web.access.policy),
            "threshold": release_threshold(web.system.settings),
            "unsafe": unsafe.unsafe if unsafe else [],
            "released": released.release if released else None,
            "periods": periods,
            "release": release.info if release else None,
            "not_published": not_published,
            "refused": refused,
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
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> HTMLResponse:
    """Release the period's figures once confirmed on the preview (without ``confirm=yes``
    the preview is shown and nothing is released); an unsafe release is refused, listing
    the cells."""
    web = web_context(request)
    first, last = _period(None, start, end)
    if confirm != "yes":
        return preview_response(request, actor, first, last)
    report = web.figures.report(web.system.db, first, last)
    try:
        released = _release(request, actor, report)
    except DisclosureError as error:
        return _page(request, actor, first, last, report, unsafe=error, status_code=422)
    except NotAFixedPeriod as error:
        return _page(request, actor, first, last, report, refused=str(error), status_code=422)
    return _page(request, actor, first, last, report, released=released)


def _release(request: Request, actor: Actor, report: Report) -> Released:
    """Publish with the configured threshold and periods, write the files, store the release.

    The release (tables, threshold, digest, the figures, each file, who, when) is listed
    by ``tipdata report releases``; its files also go under ``<home>/reports/releases``.

    Raises:
        NotAFixedPeriod: the period is not one of the fixed periods released.
        DisclosureError: the release is unsafe; nothing is written or recorded.
    """
    web = web_context(request)
    settings = web.system.settings
    return release_report(
        web.system.db,
        report,
        settings.home / "reports" / "releases",
        actor=actor,
        threshold=release_threshold(settings),
        period_types=settings.release_period_types,
    )


def _internal_download(
    request: Request, actor: Actor, start: date, end: date, file_format: FileFormat
) -> Response:
    """The NTF's internal tables as a file (audited), written once per period and data
    version and kept beside the figures (:meth:`~tipdata.web.figures.FigureCache.report_file`)."""
    web = web_context(request)
    stem = f"tip-{start.isoformat()}-{end.isoformat()}-internal"
    content = web.figures.report_file(
        web.system.db, start, end, file_format, lambda report: internal_file(report, file_format)
    )
    return _file(request, actor, start, end, file_format, stem, content, {"kind": "internal"})


def internal_file(report: Report, file_format: FileFormat) -> bytes:
    """The bytes of an internal report's CSV or XLSX file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"internal.{file_format}"
        writer = write_xlsx if file_format == "xlsx" else write_csv
        return writer(report, path).read_bytes()


def _published_download(
    request: Request, actor: Actor, start: date, end: date, file_format: FileFormat
) -> Response:
    """The file stored with the period's release, byte for byte (audited).

    Raises:
        NotPublishedError: nobody released this period.
    """
    web = web_context(request)
    stored = _release_for(web, actor, start, end)
    try:
        _name, _media, content = release_file(
            web.system.db, stored.info.release_id, file_format, actor=actor
        )
    except NotPublished as error:
        raise NotPublishedError(str(error)) from None
    stem = f"tip-{start.isoformat()}-{end.isoformat()}-published"
    detail: dict[str, str | int] = {"kind": "published", "release": stored.info.release_id}
    return _file(request, actor, start, end, file_format, stem, content, detail)


def _file(
    request: Request,
    actor: Actor,
    start: date,
    end: date,
    file_format: FileFormat,
    stem: str,
    content: bytes,
    detail: dict[str, str | int],
) -> Response:
    web = web_context(request)
    record_export(web.system.db, actor, start, end, file_format, detail, client_address(request))
    return Response(
        content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{file_format}"'},
    )


def _download(
    request: Request,
    actor: Actor,
    file_format: FileFormat,
    year: int | None,
    start: date | None,
    end: date | None,
    period: str | None,
) -> Response:
    web = web_context(request)
    if _internal(web, actor):
        first, last = _internal_period(web, year, start, end, period)
        return _internal_download(request, actor, first, last, file_format)
    first, last = _reader_period(web, actor, year, start, end, period)
    return _published_download(request, actor, first, last, file_format)


@router.get("/reports/tip.{file_format}")
def download_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    file_format: FileFormat,
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
    period: PeriodQuery = None,
) -> Response:
    """Download the TIP tables of a period as XLSX or CSV: internal for the NTF, the
    released file for everyone else (404 "not published" for a period nobody released)."""
    return _download(request, actor, file_format, year, start, end, period)


# --- API ---------------------------------------------------------------------------------


class CellOut(BaseModel):
    """One figure of a table: value (None when suppressed or not recorded), naive sum
    (internal only), status (``not_recorded`` with the note naming the missing field).

    A person count also carries its range over the linkage review queue: ``low`` (every
    pending review pair a match), ``high`` (none) and ``expected`` (the model's expected
    count). A stored release carries ``low`` and ``high`` as the gate let them be shown.
    """

    row: str
    column: str
    value: int | None
    naive: int | None = None
    status: str = "free"
    note: str | None = None
    low: int | None = None
    high: int | None = None
    expected: float | None = None


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
    """The TIP tables of a period: internal (with naive sums) or a stored release.

    A release is served as the JSON document stored when it was published, byte for byte;
    it also carries ``period``, ``release_id``, ``released_at``, ``threshold``,
    ``rounding_base``, ``digest`` and per table ``row_header`` and ``labels``.
    """

    start: date
    end: date
    kind: Literal["internal", "published"]
    notes: list[str]
    tables: list[TableOut]
    period: str | None = None
    release_id: int | None = None
    released_at: str | None = None
    digest: str | None = None


class PublishedPeriodOut(BaseModel):
    """A released period readers can ask for."""

    period: str
    start: date
    end: date
    release_id: int


class ReleaseOut(BaseModel):
    """A release that passed disclosure control (alone and against earlier releases)."""

    release_id: int
    period: str | None
    start: date
    end: date
    threshold: int
    digest: str
    overlap_suppressed: list[str]
    """Cells suppressed because an earlier release overlaps this period."""


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
                    found = table.ranges.get((row, column))
                    cells.append(
                        CellOut(
                            row=row,
                            column=column,
                            value=cell.value,
                            naive=cell.naive,
                            low=found.low if found else None,
                            high=found.high if found else None,
                            expected=found.expected if found else None,
                        )
                    )
                else:
                    shown = published.table(table.name).cell(row, column)
                    cells.append(
                        CellOut(
                            row=row,
                            column=column,
                            value=shown.value,
                            status=public_status(shown.status),
                            low=shown.low,
                            high=shown.high,
                        )
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


@api_router.get(
    "/tip",
    summary="TIP tables of a period",
    response_model=ReportOut,
    responses={404: {"model": Problem, "description": "Not published (readers)."}},
)
async def tip_api(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
    period: PeriodQuery = None,
) -> Response | ReportOut:
    """Every table: internal figures with naive sums for the NTF (any period); for everyone
    else the stored release of exactly that period, byte for byte, or 404 not published.

    A coroutine: a reader's answer is one indexed query (:func:`published_release`, about
    0.1 ms) and bytes kept in memory, served on the event loop without the hop to a worker
    thread, which on a loaded machine waits for the scheduler twice; the NTF's computation
    runs in a worker thread."""
    web = web_context(request)
    if _internal(web, actor):
        return await run_in_threadpool(_internal_report, web, year, start, end, period)
    first, last = _reader_period(web, actor, year, start, end, period)
    return stored_response(request, _release_for(web, actor, first, last))


def _internal_report(
    web: WebContext, year: int | None, start: date | None, end: date | None, period: str | None
) -> ReportOut:
    """The NTF's figures of a period as the API gives them (computed once per period)."""
    first, last = _internal_period(web, year, start, end, period)
    return _report_out(web.figures.report(web.system.db, first, last), None)


def stored_response(request: Request, stored: StoredRelease) -> Response:
    """The stored figures as sent: the very bytes stored at publication, gzip-compressed
    once per release when the client accepts it (decoded, the same bytes), 304 when the
    client already holds them (``If-None-Match`` with the release's entity tag)."""
    headers = {"ETag": stored.etag, "Vary": "Accept-Encoding"}
    if stored.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        return Response(stored.gzipped, media_type="application/json", headers=headers)
    return Response(stored.body, media_type="application/json", headers=headers)


@api_router.get("/tip/releases", summary="The released periods")
def releases_api(
    request: Request, actor: Annotated[Actor, Require("reports:read_published")]
) -> list[PublishedPeriodOut]:
    """Every period with a release, newest first: the periods readers can ask for."""
    periods = published_periods(web_context(request).system.db, actor=actor)
    return [
        PublishedPeriodOut(period=p.code, start=p.start, end=p.end, release_id=p.release_id)
        for p in periods
    ]


@api_router.get(
    "/tip.{file_format}",
    summary="Download the TIP tables (XLSX or CSV)",
    response_class=Response,
    responses={
        200: {"content": {MEDIA_TYPES["xlsx"]: {}, "text/csv": {}}},
        404: {"model": Problem, "description": "Not published (readers)."},
    },
)
def tip_download_api(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    file_format: FileFormat,
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
    period: PeriodQuery = None,
) -> Response:
    """The file as the page's download gives it (the released file for readers)."""
    return _download(request, actor, file_format, year, start, end, period)


@api_router.post("/tip/publish", summary="Publish a period's figures", response_model=ReleaseOut)
def publish_api(
    request: Request,
    actor: Annotated[Actor, Require("reports:publish")],
    year: YearQuery = None,
    start: StartQuery = None,
    end: EndQuery = None,
    period: PeriodQuery = None,
) -> Response | ReleaseOut:
    """Release a fixed period with disclosure control, audited against the earlier releases
    it overlaps; 422 listing the unsafe cells if it is not safe, or if the period is not
    one of the fixed periods released."""
    web = web_context(request)
    first, last = _period(year, start, end, period)
    report = web.figures.report(web.system.db, first, last)
    try:
        released = _release(request, actor, report)
    except DisclosureError as error:
        return _unsafe_problem(request, error)
    except NotAFixedPeriod as error:
        return problem_response(request, 422, str(error))
    info = released.release
    return ReleaseOut(
        release_id=info.release_id,
        period=info.period_code,
        start=first,
        end=last,
        threshold=info.threshold,
        digest=info.digest,
        overlap_suppressed=list(info.overlap_suppressed),
    )
