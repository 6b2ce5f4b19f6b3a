"""The dashboard and the imports list: what exists now, and clearly empty places for the rest.

No figure here is computed in the web layer: each section shows what a service
returns, or says which service it awaits.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipdata.access.policy import Actor, can
from tipdata.web.auth import CurrentUser, OptionalUser, Require
from tipdata.web.context import web_context
from tipdata.web.pagination import Pagination, page_after
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)

DASHBOARD_IMPORTS = 10


@router.get("/")
def home(actor: OptionalUser) -> Response:
    """The dashboard when signed in, else the sign-in form."""
    return RedirectResponse("/dashboard" if actor else "/login", status_code=303)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, actor: CurrentUser) -> HTMLResponse:
    """The national dashboard shell: the sections the actor's role may see."""
    web = web_context(request)
    role = web.access.policy.role(actor.role)
    may_import = can(actor, "imports:run", web.access.policy)
    runs = web.access.import_runs(actor)[:DASHBOARD_IMPORTS] if may_import else []
    return render(
        request,
        "dashboard.html",
        {
            "role_name": role.name,
            "may_import": may_import,
            "import_runs": runs,
            "may_read_figures": can(actor, "reports:read_published", web.access.policy)
            or can(actor, "reports:read_province", web.access.policy),
        },
    )


@router.get("/imports", response_class=HTMLResponse)
def imports(
    request: Request, actor: Annotated[Actor, Require("imports:run")], page: Pagination
) -> HTMLResponse:
    """Every import run, newest first, a page at a time."""
    runs = web_context(request).access.import_runs(actor)
    return render(request, "imports.html", {"page": page_after(runs, page, key=lambda r: r.id)})
