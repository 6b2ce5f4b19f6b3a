"""The home redirect and the imports list (the dashboard is :mod:`.dashboard`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipdata.access import Actor
from tipdata.web.auth import OptionalUser, Require
from tipdata.web.context import web_context
from tipdata.web.pagination import Pagination, page_after
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(actor: OptionalUser) -> Response:
    """The dashboard when signed in, else the sign-in form."""
    return RedirectResponse("/dashboard" if actor else "/login", status_code=303)


@router.get("/imports", response_class=HTMLResponse)
def imports(
    request: Request,
    actor: Annotated[Actor, Require("imports:run")],
    page: Pagination,
    done: Annotated[Literal["committed", "unchanged"] | None, Query()] = None,
) -> HTMLResponse:
    """Every import run, newest first, a page at a time."""
    runs = web_context(request).access.import_runs(actor)
    return render(
        request,
        "imports.html",
        {"page": page_after(runs, page, key=lambda r: r.id), "done": done},
    )
