"""Aggregate reporting pages beside the report form: the NTF's acceptance queue, the pivot
table (with CSV and XLSX downloads and the reports behind any cell) and the map.

* ``GET /provincial/queue``: submitted reports awaiting acceptance (NTF);
* ``GET /provincial/pivot``: rows × columns × filters over the data elements and their
  disaggregations; ``/provincial/pivot.csv`` and ``.xlsx`` the same table as a file;
  ``/provincial/pivot/cell`` the reports and values behind one cell;
* ``GET /provincial/map``: one data element per province on a map of Cambodia (SVG
  drawn on the server, no script).

Every page is a GET form: it works without JavaScript and its URL can be bookmarked.
A provincial focal point's pivot is always of their own province
(:func:`tipdata.provincial.pivot.scoped`); the queue and the map are national (NTF).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tipdata import provincial
from tipdata.access import Actor
from tipdata.provincial import (
    ATTRIBUTION,
    CLASSES,
    TOTAL,
    choropleth,
    default_workflow,
    province_shapes,
)
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.entry_grid import province_label
from tipdata.web.errors import WebError
from tipdata.web.navigation import N_
from tipdata.web.templating import language_of, render, translator

router = APIRouter(include_in_schema=False)

DimensionQuery = Annotated[str | None, Query(max_length=30, pattern=r"^[a-z_]*$")]
OptionsQuery = Annotated[list[str] | None, Query(max_length=200)]

DIMENSION_LABELS = {
    "data_element": N_("Data element"),
    "province": N_("Province"),
    "period": N_("Bi-week"),
    "year": N_("Year"),
    "sex": N_("Sex"),
    "age": N_("Age group"),
}
OPTION_LABELS = {
    "female": N_("female"),
    "male": N_("male"),
    "child": N_("child"),
    "adult": N_("adult"),
    provincial.NOT_BROKEN_DOWN: N_("not broken down"),
    TOTAL: N_("Total"),
}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class BadPivot(WebError):
    """An unknown dimension or option in the pivot's query."""

    status = 422
    title = "Unprocessable Content"


@contextmanager
def _session(request: Request) -> Iterator[Session]:
    with web_context(request).system.db.session() as session:
        yield session


def _labels(request: Request) -> dict[str, str]:
    """Every code a pivot shows, as words in the page's language."""
    _ = translator(request)
    language = language_of(request)
    data_set = default_workflow().data_set
    labels = {code: _(text) for code, text in {**DIMENSION_LABELS, **OPTION_LABELS}.items()}
    labels |= {element.code: _(element.name) for element in data_set.elements}
    labels |= {
        unit.code: province_label(data_set.codelists.province(unit.code), language)
        for unit in data_set.org_units()
    }
    return labels


# --- the acceptance queue ----------------------------------------------------------------


@router.get("/provincial/queue", response_class=HTMLResponse)
def queue_page(
    request: Request, actor: Annotated[Actor, Require("reports:accept")]
) -> HTMLResponse:
    """The NTF's queue: submitted reports awaiting acceptance, oldest submission first."""
    with _session(request) as session:
        items = provincial.acceptance_queue(session, actor)
        notices = provincial.reopen_notices(session, actor)
    return render(
        request,
        "provincial_queue.html",
        {"items": items, "notices": notices, "labels": _labels(request)},
    )


# --- the pivot table ---------------------------------------------------------------------


def _request(
    rows: DimensionQuery = None,
    columns: DimensionQuery = None,
    data_element: OptionsQuery = None,
    province: OptionsQuery = None,
    year: OptionsQuery = None,
    sex: OptionsQuery = None,
    age: OptionsQuery = None,
    accepted_only: bool = False,
) -> provincial.PivotRequest:
    """The pivot asked for in the query string (the page's and the downloads' parameters)."""
    filters = {
        name: tuple(option for option in kept if option)
        for name, kept in (
            ("data_element", data_element),
            ("province", province),
            ("year", year),
            ("sex", sex),
            ("age", age),
        )
        if kept and any(kept)
    }
    return provincial.PivotRequest(
        rows=rows or "province",
        columns=columns or None,
        filters=filters,
        accepted_only=accepted_only,
    )


def _pivot(request: Request, actor: Actor, asked: provincial.PivotRequest) -> provincial.Pivot:
    try:
        with _session(request) as session:
            return provincial.pivot(session, actor, asked)
    except provincial.PivotError as error:
        raise BadPivot(str(error)) from None


PivotAsked = Annotated[provincial.PivotRequest, Depends(_request)]


@router.get("/provincial/pivot", response_class=HTMLResponse)
def pivot_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_province")],
    asked: PivotAsked,
) -> HTMLResponse:
    """The pivot table of the received reports, with its download links."""
    table = _pivot(request, actor, asked)
    options = provincial.offered_dimensions(actor, policy=web_context(request).access.policy)
    query = _query(table.request)
    return render(
        request,
        "provincial_pivot.html",
        {
            "table": table,
            "labels": _labels(request),
            "dimensions": list(options),
            "options": options,
            "query": query,
            "cell_query": lambda row, column: _query(table.request, row=row, column=column),
        },
    )


def _query(asked: provincial.PivotRequest, **extra: str) -> str:
    pairs: list[tuple[str, str]] = [("rows", asked.rows)]
    if asked.columns:
        pairs.append(("columns", asked.columns))
    for name, kept in asked.filters.items():
        pairs.extend((name, option) for option in kept)
    if asked.accepted_only:
        pairs.append(("accepted_only", "true"))
    pairs.extend(extra.items())
    return urlencode(pairs)


@router.get("/provincial/pivot.{file_format}")
def pivot_download(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_province")],
    file_format: Literal["csv", "xlsx"],
    asked: PivotAsked,
) -> Response:
    """The pivot table as CSV or XLSX, with the page's labels."""
    table = _pivot(request, actor, asked)
    labels = _labels(request)
    content = (
        provincial.to_csv(table, labels)
        if file_format == "csv"
        else provincial.to_xlsx(table, labels)
    )
    return Response(
        content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="pivot.{file_format}"'},
    )


@router.get("/provincial/pivot/cell", response_class=HTMLResponse)
def pivot_cell_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_province")],
    row: Annotated[str, Query(max_length=40)],
    asked: PivotAsked,
    column: Annotated[str, Query(max_length=40)] = TOTAL,
) -> HTMLResponse:
    """Explain a pivot figure: the reports behind it, each with what it adds."""
    try:
        with _session(request) as session:
            found = provincial.pivot_cell(session, actor, asked, row, column)
    except provincial.PivotError as error:
        raise BadPivot(str(error)) from None
    scoped = provincial.scoped(asked, actor)
    return render(
        request,
        "provincial_pivot_cell.html",
        {
            "reports": found.reports,
            "total": found.total,
            "row": row,
            "column": column,
            "asked": scoped,
            "labels": _labels(request),
            "back": _query(scoped),
        },
    )


# --- the map -----------------------------------------------------------------------------


@router.get("/provincial/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:accept")],
    data_element: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[str | None, Query(max_length=4, pattern=r"^[0-9]*$")] = None,
) -> HTMLResponse:
    """One data element per province on a map of Cambodia, and the same as a table."""
    data_set = default_workflow().data_set
    try:
        with _session(request) as session:
            figures = provincial.province_figures(
                session,
                actor,
                data_element=data_element,
                year=year,
                policy=web_context(request).access.policy,
            )
    except provincial.PivotError as error:
        raise BadPivot(str(error)) from None
    return render(
        request,
        "provincial_map.html",
        {
            "shapes": province_shapes(),
            "shaded": choropleth(figures.values),
            "labels": _labels(request),
            "element": figures.element,
            "elements": [e.code for e in data_set.elements],
            "year": year or "",
            "classes": CLASSES,
            "lowest": figures.lowest,
            "highest": figures.highest,
            "attribution": ATTRIBUTION,
            "query": _query(figures.table.request),
        },
    )
