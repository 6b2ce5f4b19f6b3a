"""Administration pages: the audit log (auditors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tipdata.access.audit import ACTIONS
from tipdata.access.policy import Actor
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.pagination import Pagination, page_of
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    actor: Annotated[Actor, Require("audit:read")],
    page: Pagination,
    action: Annotated[str | None, Query(max_length=60)] = None,
) -> HTMLResponse:
    """The audit log, newest first, optionally one action only."""
    chosen = action if action in ACTIONS else None
    events = web_context(request).access.audit_events(
        actor, limit=page.limit + 1, before_id=page.after, action=chosen
    )
    return render(
        request,
        "audit.html",
        {
            "page": page_of(events, page, key=lambda event: event.id),
            "actions": sorted(ACTIONS),
            "action": chosen,
        },
    )
