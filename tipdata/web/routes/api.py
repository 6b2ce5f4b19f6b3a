"""The JSON API under ``/api/v1``: bearer-token authentication, problem details, pagination.

Endpoints exist for the services that exist; each new service adds its own
router here (imports upload, persons, cases, reports, provincial submissions,
review decisions) with the same building blocks.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from tipdata.access import Actor, AuditError, AuditFilter
from tipdata.web.auth import CurrentUser, Require
from tipdata.web.context import web_context
from tipdata.web.errors import WebError
from tipdata.web.pagination import Page, Pagination, page_after, page_of
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.timestamps import UtcDateTime

API_V1 = "/api/v1"

router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES)


class Me(BaseModel):
    """The user the token belongs to.

    Attributes:
        username: sign-in name.
        role: role code.
        agency_id: the user's agency.
        province_code: the user's province, for provincial roles.
        permissions: what the role may do.
    """

    username: str
    role: str
    agency_id: int
    province_code: str | None
    permissions: list[str]


class ImportRunOut(BaseModel):
    """One import run: which file of which source, when, and its row counts."""

    id: int
    source: str
    file_name: str
    file_sha256: str
    status: str
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None
    rows_read: int
    rows_stored: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    message: str | None


class AuditEventOut(BaseModel):
    """One audit event (never holds protected values)."""

    id: int
    occurred_at: UtcDateTime
    username: str | None
    action: str
    object_type: str | None
    object_ids: str | None
    detail: str | None
    remote_addr: str | None


@router.get("/me", summary="The user of this token")
def me(request: Request, actor: CurrentUser) -> Me:
    """The token's user, role and permissions."""
    role = web_context(request).access.policy.role(actor.role)
    return Me(
        username=actor.username,
        role=actor.role,
        agency_id=actor.agency_id,
        province_code=actor.province_code,
        permissions=sorted(role.permissions),
    )


@router.get("/imports", summary="Import runs, newest first")
def list_imports(
    request: Request, actor: Annotated[Actor, Require("imports:run")], page: Pagination
) -> Page[ImportRunOut]:
    """Every import run with its row counts, a page at a time."""
    runs = [
        ImportRunOut.model_validate(run, from_attributes=True)
        for run in web_context(request).access.import_runs(actor)
    ]
    return page_after(runs, page, key=lambda run: run.id)


@router.get("/audit-events", summary="The audit log, newest first")
def list_audit_events(
    request: Request,
    actor: Annotated[Actor, Require("audit:read")],
    page: Pagination,
    action: Annotated[
        str | None, Query(max_length=60, description="Only events of this action.")
    ] = None,
    user: Annotated[
        str | None, Query(max_length=80, description="Only events of this username.")
    ] = None,
    since: Annotated[date | None, Query(description="Events on or after this day (UTC).")] = None,
    until: Annotated[date | None, Query(description="Events on or before this day (UTC).")] = None,
    object_type: Annotated[
        str | None, Query(max_length=60, description="Only events naming this kind of object.")
    ] = None,
    object_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Only events naming this object id.")
    ] = None,
) -> Page[AuditEventOut]:
    """Audit events, a page at a time; ``action`` must be a known action."""
    where = AuditFilter(action, user, since, until, object_type, object_id)
    try:
        events = web_context(request).access.audit_events(
            actor, limit=page.limit + 1, before_id=page.after, where=where
        )
    except AuditError as error:
        raise WebError(str(error)) from None
    out = [AuditEventOut.model_validate(event, from_attributes=True) for event in events]
    return page_of(out, page, key=lambda event: event.id)
