"""Publication pages: the preview before a release, the releases with their downloads, and
"explain this figure" for any cell of the TIP tables.

* ``GET /reports/publish/preview``: the cells the release gate would withhold and why,
  with the confirmation form (``POST /reports/publish`` with ``confirm=yes``,
  :mod:`tipdata.web.routes.reports`); nothing is released by looking.
* ``GET /reports/releases``: the released periods with their files (readers), or every
  release with who made it, when, its digest and files (publishers and auditors);
  ``GET /reports/releases/{id}.{csv|xlsx}``: a release's file as it was released (audited).
* ``GET /admin/audit/releases``: the auditor's record of every release (``audit:read``):
  who released which period when, under which threshold, the digest of its figures and
  the SHA-256 of each file, and which later release replaced it. No figures and no files:
  the auditor checks that a file someone holds is the one released (its SHA-256) and
  finds the release in the audit log; reading figures is ``reports:read_published``.
* ``GET /reports/explain``: one figure's rule (the table's definitions), and for a user
  who may trace national figures to persons (``persons:read``, national scope) its
  persons or cases and the source rows behind them (:func:`tipdata.reporting.explain.explain`,
  audited). A reader's figure is the stored release's, never a computation.

The gate is :mod:`tipdata.reporting.releases` and :mod:`tipdata.reporting.release_preview`;
these routes call it and present what it says.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tipdata.access import Actor, can
from tipdata.casefiles import PERSON_READ_PERMISSION
from tipdata.reporting import (
    DisclosureError,
    ExplainError,
    NotAFixedPeriod,
    NotPublished,
    explain_figure,
    list_releases,
    may_trace_figures,
    preview_release,
    published_periods,
    published_release,
    record_export,
    release_file,
    release_threshold,
    replaced_releases,
    sees_every_release,
    sees_internal_figures,
)
from tipdata.web.auth import Require, client_address
from tipdata.web.context import web_context
from tipdata.web.errors import WebError
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
MAX_UNITS_SHOWN = 200
"""At most this many persons (or cases) of a figure are listed; the page says how many more."""


class NotFound(WebError):
    """No such release, table or cell."""

    status = 404
    title = "Not Found"


@router.get("/reports/publish/preview", response_class=HTMLResponse)
def preview_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:publish")],
    start: date,
    end: date,
) -> HTMLResponse:
    """What a release of the period would withhold, and the form that confirms it."""
    return preview_response(request, actor, start, end)


def preview_response(
    request: Request, actor: Actor, start: date, end: date, status_code: int = 200
) -> HTMLResponse:
    """The preview page of a period (also shown when a publication came unconfirmed)."""
    web = web_context(request)
    settings = web.system.settings
    report = web.figures.report(web.system.db, start, end)
    context: dict[str, object] = {
        "start": start,
        "end": end,
        "threshold": release_threshold(settings),
        "preview": None,
        "unsafe": [],
        "refused": None,
    }
    try:
        context["preview"] = preview_release(
            web.system.db,
            report,
            actor=actor,
            threshold=release_threshold(settings),
            period_types=settings.release_period_types,
        )
    except DisclosureError as error:
        context["unsafe"] = error.unsafe
    except NotAFixedPeriod as error:
        context["refused"] = str(error)
    return render(request, "publish_preview.html", context, status_code=status_code)


@router.get("/reports/releases", response_class=HTMLResponse)
def releases_page(
    request: Request, actor: Annotated[Actor, Require("reports:read_published")]
) -> HTMLResponse:
    """The released periods and their downloads; every release for publishers and auditors."""
    web = web_context(request)
    db = web.system.db
    full = sees_every_release(actor, web.access.policy)
    return render(
        request,
        "releases.html",
        {
            "periods": published_periods(db, actor=actor),
            "releases": list_releases(db, actor=actor) if full else [],
            "full": full,
        },
    )


@router.get("/admin/audit/releases", response_class=HTMLResponse)
def audit_releases_page(
    request: Request, actor: Annotated[Actor, Require("audit:read")]
) -> HTMLResponse:
    """Every release as the auditor checks it: who, when, threshold, digests; no figures."""
    releases = list_releases(web_context(request).system.db, actor=actor)
    return render(
        request,
        "audit_releases.html",
        {"releases": releases, "replaced_by": replaced_releases(releases)},
    )


@router.get("/reports/releases/{release_id}.{file_format}")
def release_download(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    release_id: int,
    file_format: Literal["csv", "xlsx", "html"],
) -> Response:
    """A release's file, byte for byte as released (audited as an export)."""
    web = web_context(request)
    try:
        name, media_type, content = release_file(
            web.system.db, release_id, file_format, actor=actor
        )
    except NotPublished as error:
        raise NotFound(str(error)) from None
    released = {p.release_id: p for p in published_periods(web.system.db, actor=actor)}
    start = released[release_id].start if release_id in released else date.min
    end = released[release_id].end if release_id in released else date.min
    detail: dict[str, str | int] = {"kind": "published", "release": release_id}
    record_export(web.system.db, actor, start, end, file_format, detail, client_address(request))
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/explain", response_class=HTMLResponse)
def explain_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    start: date,
    end: date,
    table: Annotated[str, Query(max_length=80)],
    row: Annotated[str, Query(max_length=120)],
    column: Annotated[str, Query(max_length=120)],
) -> HTMLResponse:
    """One figure: its table's rule, and (for who may trace figures) its records."""
    web = web_context(request)
    db = web.system.db
    internal = sees_internal_figures(actor, web.access.policy)
    if internal:
        report = web.figures.report(db, start, end)
        published = None
    else:
        try:
            published = published_release(db, start, end, actor=actor).published()
        except NotPublished as error:
            raise NotFound(str(error)) from None
        report = published.report
    try:
        found = report.table(table)
        row_code, column_code = found.find(row, column)
    except KeyError:
        raise NotFound(f"No cell [{row} × {column}] in table {table!r}.") from None
    traced = None
    if published is None:
        shown_value: int | None = found.cell(row_code, column_code).value
        status = "free"
        if may_trace_figures(actor):
            try:
                traced = explain_figure(db, report, table, row_code, column_code, actor=actor)
            except ExplainError:
                traced = None
    else:
        cell = published.table(table).cell(row_code, column_code)
        shown_value, status = cell.value, cell.status
    return render(
        request,
        "explain.html",
        {
            "start": start,
            "end": end,
            "table": found,
            "row": row_code,
            "column": column_code,
            "value": shown_value,
            "status": status,
            "internal": internal,
            "traced": traced,
            "units": traced.units[:MAX_UNITS_SHOWN] if traced else (),
            "more_units": max(len(traced.units) - MAX_UNITS_SHOWN, 0) if traced else 0,
            "may_read_persons": can(actor, PERSON_READ_PERMISSION, web.access.policy),
        },
    )
