"""The national dashboard: the page, its charts (server-side SVG) and ``GET /api/v1/dashboard``.

What each role sees, and the year it opens on, is the service's
(:func:`tipdata.reporting.dashboard.build_dashboard`, which ``tipdata dashboard`` prints
too); internal figures come through the web's :class:`~tipdata.web.figures.FigureCache`.
The routes lay the sections out and draw the charts.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tipdata import provincial
from tipdata.access import Actor
from tipdata.ingest import latest_import_runs
from tipdata.reporting import (
    DashboardContext,
    DashboardOut,
    bar_chart,
    build_dashboard,
    completeness_grid_chart,
    default_dashboard_year,
    funnel_chart,
    line_chart,
    trend_figures,
)
from tipdata.web.auth import CurrentUser, Require
from tipdata.web.context import WebContext, web_context
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["dashboard"], responses=PROBLEM_RESPONSES)

YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="Calendar year.")]
ChartName = Literal["trend", "exploitation", "destination", "funnel", "completeness"]


def _context(web: WebContext) -> DashboardContext:
    return DashboardContext(db=web.system.db, policy=web.access.policy, figures=web.figures)


def _year(web: WebContext, actor: Actor, year: int | None) -> int:
    """The year asked for, else the service's default (where the data are)."""
    if year is not None:
        return year
    return default_dashboard_year(web.system.db, actor, web.access.policy)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, actor: CurrentUser, year: YearQuery = None) -> HTMLResponse:
    """The national dashboard: the sections the actor's role may see, for a year."""
    web = web_context(request)
    chosen = _year(web, actor, year)
    board = build_dashboard(_context(web), actor, chosen)
    import_runs = latest_import_runs(web.system.db, actor=actor, policy=web.access.policy)
    return render(
        request,
        "dashboard.html",
        {
            "role_name": web.access.policy.role(actor.role).name,
            "board": board,
            "may_import": import_runs is not None,
            "import_runs": import_runs or [],
        },
    )


@router.get("/dashboard/charts/{name}.svg")
def dashboard_chart(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_published")],
    name: ChartName,
    year: YearQuery = None,
) -> Response:
    """One chart of the dashboard as an SVG image, drawn on the server (matplotlib)."""
    web = web_context(request)
    chosen = _year(web, actor, year)
    if name == "completeness":
        with web.system.db.session() as session:
            grid = provincial.completeness_grid(
                session, actor, year=chosen, policy=web.access.policy
            )
        svg = completeness_grid_chart("Provincial reports received", grid)
        return Response(svg, media_type="image/svg+xml")
    board = build_dashboard(_context(web), actor, chosen)
    if name == "trend":
        figures = trend_figures(_context(web), actor, chosen)
        svg = line_chart(
            "Victims identified by month",
            [f.label for f in figures],
            [f.value for f in figures],
        )
    elif name == "funnel":
        figures = board.funnel or []
        svg = funnel_chart("Victim pathway", [f.label for f in figures], [f.value for f in figures])
    else:
        figures = (board.by_exploitation if name == "exploitation" else board.by_destination) or []
        title = (
            "Victims identified by form of exploitation"
            if name == "exploitation"
            else "Victims identified by destination"
        )
        naive = [f.naive or 0 for f in figures] if board.figures_kind == "internal" else None
        svg = bar_chart(
            title,
            [f.label for f in figures],
            [f.value for f in figures],
            naive=naive,
            horizontal=True,
        )
    return Response(svg, media_type="image/svg+xml")


@api_router.get("/dashboard", summary="The dashboard of a year")
def dashboard_api(request: Request, actor: CurrentUser, year: YearQuery = None) -> DashboardOut:
    """Every section the token's role may see; the others are null."""
    web = web_context(request)
    return build_dashboard(_context(web), actor, year).out()
