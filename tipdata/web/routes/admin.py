"""Administration: the audit log (auditors) and users (administrators), pages and API.

Every change goes through :mod:`tipdata.access.users` (which checks ``users:manage``
and writes the audit log); routes parse the form, call one service, show the result.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tipdata.access import (
    AUDIT_ACTIONS,
    Actor,
    AuditFilter,
    Throttle,
    UserError,
    VerifyResult,
    WeakPasswordError,
    agency_choices,
    approve_user,
    create_account,
    disable_user,
    filter_choices,
    grant_role,
    list_users,
    province_choices,
    unlock_user,
    verify_chain,
)
from tipdata.web.auth import Require, client_address
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.messages import service_message
from tipdata.web.navigation import N_
from tipdata.web.pagination import PageParams, Pagination, page_of
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.templating import render, translator

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["users"], responses=PROBLEM_RESPONSES)

SETUP_PATH = "/account/setup/"
FORM_FIELD = 1000
"""Fields of "Add a user" are bounded loosely: the service says what is wrong, form kept."""
"""Where a set-password link leads, followed by its token."""


def _audit_filter(
    action: str | None,
    user: str | None,
    since: str | None,
    until: str | None,
    object_type: str | None,
    object_id: str | None,
) -> tuple[AuditFilter, list[str]]:
    """The auditor's filters as typed; the names of the fields that could not be read."""
    bad: list[str] = []

    def day(name: str, text: str | None) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            bad.append(name)
            return None

    first, last = day("since", since), day("until", until)
    number = None
    if object_id:
        if object_id.strip().isascii() and object_id.strip().isdigit():
            number = int(object_id.strip()[:10])
        else:
            bad.append("object_id")
    where = AuditFilter(
        action=action if action in AUDIT_ACTIONS else None,
        username=(user or "").strip() or None,
        since=first,
        until=last,
        object_type=(object_type or "").strip() or None,
        object_id=number,
    )
    return where, bad


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    actor: Annotated[Actor, Require("audit:read")],
    page: Pagination,
    action: Annotated[str | None, Query(max_length=60)] = None,
    user: Annotated[str | None, Query(max_length=80)] = None,
    since: Annotated[str | None, Query(max_length=20)] = None,
    until: Annotated[str | None, Query(max_length=20)] = None,
    object_type: Annotated[str | None, Query(max_length=60)] = None,
    object_id: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The audit log, newest first, filtered by action, user, days and object."""
    return _audit_page(request, actor, page, action, user, since, until, object_type, object_id)


@router.get("/admin/audit/verify", response_class=HTMLResponse)
def audit_verify(
    request: Request, actor: Annotated[Actor, Require("audit:read")], page: Pagination
) -> HTMLResponse:
    """Recompute the whole hash chain and show the result above the newest events."""
    result = verify_chain(web_context(request).system.db, actor)
    return _audit_page(request, actor, page, verified=result)


def _audit_page(
    request: Request,
    actor: Actor,
    page: PageParams,
    action: str | None = None,
    user: str | None = None,
    since: str | None = None,
    until: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    verified: VerifyResult | None = None,
) -> HTMLResponse:
    web = web_context(request)
    _ = translator(request)
    where, bad = _audit_filter(action, user, since, until, object_type, object_id)
    events = web.access.audit_events(actor, limit=page.limit + 1, before_id=page.after, where=where)
    with web.system.db.session() as session:
        usernames, kinds = filter_choices(session, actor)
    error = None
    if bad:
        error = _("Not understood, so not applied: %(fields)s. Dates are written 2008-03-31.") % {
            "fields": ", ".join(_(AUDIT_FIELDS[name]) for name in bad)
        }
    typed = {"user": user or "", "since": since or "", "until": until or "",
             "object_type": object_type or "", "object_id": object_id or ""}  # fmt: skip
    return render(
        request,
        "audit.html",
        {
            "page": page_of(events, page, key=lambda event: event.id),
            "actions": sorted(AUDIT_ACTIONS),
            "action": where.action,
            "typed": typed,
            "object_types": kinds,
            "usernames": usernames,
            "error": error,
            "verified": verified,
            "pager_query": urlencode({"action": where.action or "", **typed}, quote_via=quote),
        },
        status_code=400 if bad else 200,
    )


AUDIT_FIELDS = {
    "since": N_("from"),
    "until": N_("to"),
    "object_id": N_("object id"),
}


# --- users -------------------------------------------------------------------------------


class UserOut(BaseModel):
    """A user account (never its password or second factor)."""

    id: int
    username: str
    display_name: str
    role: str
    agency_id: int
    agency_code: str
    agency_name: str
    province_code: str | None
    province_name: str | None
    active: bool
    totp_enrolled: bool
    locked: bool
    awaiting_approval: bool
    must_change_password: bool


class RoleIn(BaseModel):
    """The role to grant, and the province for provincial roles."""

    role: str = Field(min_length=1, max_length=60)
    province_code: str | None = Field(default=None, max_length=10)


def _users(request: Request, actor: Actor) -> list[UserOut]:
    web = web_context(request)
    with web.system.db.session() as session:
        return [
            UserOut.model_validate(user, from_attributes=True)
            for user in list_users(session, actor, web.access.authenticator.throttle)
        ]


def _users_page(
    request: Request,
    actor: Actor,
    message: str | None = None,
    status_code: int = 200,
    setup_link: tuple[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    web = web_context(request)
    with web.system.db.session() as session:
        agencies, provinces = agency_choices(session), province_choices(session)
    return render(
        request,
        "admin_users.html",
        {
            "users": _users(request, actor),
            "roles": sorted(web.access.policy.roles.values(), key=lambda role: role.code),
            "agencies": agencies,
            "provinces": provinces,
            "message": message,
            "refused": status_code >= 400,
            "setup_link": setup_link,
            "form": form or {},
        },
        status_code=status_code,
    )


DONE_MESSAGES = {
    "awaiting": N_("%(username)s is added and awaits a second administrator's approval."),
    "disabled": N_("%(username)s is disabled: their sessions and tokens ended."),
    "granted": N_("%(username)s has a new role: their sessions and tokens ended."),
    "unlocked": N_("%(username)s is unlocked."),
}


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    actor: Annotated[Actor, Require("users:manage")],
    done: Annotated[str | None, Query(max_length=20)] = None,
    user: Annotated[str | None, Query(max_length=80)] = None,
) -> HTMLResponse:
    """Every user with role, agency, province and state; forms to add, grant and disable."""
    _ = translator(request)
    message = None
    if done in DONE_MESSAGES and user:
        message = _(DONE_MESSAGES[done]) % {"username": user}
    return _users_page(request, actor, message)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user_form(
    request: Request,
    actor: Annotated[Actor, Require("users:manage")],
    _csrf: CsrfChecked,
    username: Annotated[str, Form(max_length=FORM_FIELD)] = "",
    display_name: Annotated[str, Form(max_length=FORM_FIELD)] = "",
    role: Annotated[str, Form(max_length=FORM_FIELD)] = "",
    agency: Annotated[str, Form(max_length=FORM_FIELD)] = "",
    province_code: Annotated[str, Form(max_length=FORM_FIELD)] = "",
) -> Response:
    """Add a user (audited as ``user_created``); a refusal re-shows the form as typed, with why.

    The agency and the province are chosen by name. The administrator sets no password.
    An account without data access is active and the page shows its one-time
    set-password link, once; one with data access waits, disabled, for a second
    administrator's approval.
    """
    web = web_context(request)
    _ = translator(request)
    form = {"username": username, "display_name": display_name, "role": role,
            "agency": agency, "province_code": province_code}  # fmt: skip
    try:
        with web.system.db.session() as session:
            account = create_account(
                session, actor, username=username, display_name=display_name, role=role,
                agency_code=agency, province_code=province_code or None,
                passwords=web.access.authenticator.passwords, policy=web.access.policy,
                remote_addr=client_address(request),
            )  # fmt: skip
    except (UserError, WeakPasswordError) as error:
        return _users_page(request, actor, service_message(error, _), 400, form=form)
    if account.awaiting_approval or account.setup_token is None:
        return RedirectResponse(
            f"/admin/users?done=awaiting&user={quote(account.username)}", status_code=303
        )
    return _users_page(
        request, actor, setup_link=(account.username, SETUP_PATH + account.setup_token)
    )


@router.post("/admin/users/{username}/approve", response_class=HTMLResponse)
def approve_user_form(
    request: Request,
    actor: Annotated[Actor, Require("users:manage")],
    _csrf: CsrfChecked,
    username: str,
) -> Response:
    """Enable an account awaiting approval (not your own request); show its link once."""
    try:
        with web_context(request).system.db.session() as session:
            token = approve_user(session, actor, username, remote_addr=client_address(request))
    except UserError as error:
        return _users_page(request, actor, service_message(error, translator(request)), 400)
    return _users_page(request, actor, setup_link=(username, SETUP_PATH + token))


@router.post("/admin/users/{username}/disable", response_class=HTMLResponse)
def disable_user_form(
    request: Request,
    actor: Annotated[Actor, Require("users:manage")],
    _csrf: CsrfChecked,
    username: str,
) -> Response:
    """Disable an account; its sessions and tokens end at once (audited)."""
    try:
        with web_context(request).system.db.session() as session:
            disable_user(session, actor, username, remote_addr=client_address(request))
    except UserError as error:
        return _users_page(request, actor, service_message(error, translator(request)), 404)
    return RedirectResponse(f"/admin/users?done=disabled&user={quote(username)}", status_code=303)


@router.post("/admin/users/{username}/role", response_class=HTMLResponse)
def grant_role_form(
    request: Request,
    actor: Annotated[Actor, Require("users:manage")],
    _csrf: CsrfChecked,
    username: str,
    role: Annotated[str, Form(max_length=60)],
    province_code: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Give a user another role (audited as ``role_granted``); their sessions end."""
    try:
        with web_context(request).system.db.session() as session:
            grant_role(
                session, actor, username, role, province_code=province_code or None,
                policy=web_context(request).access.policy, remote_addr=client_address(request),
            )  # fmt: skip
    except UserError as error:
        return _users_page(request, actor, service_message(error, translator(request)), 400)
    return RedirectResponse(f"/admin/users?done=granted&user={quote(username)}", status_code=303)


@router.post("/admin/users/{username}/unlock", response_class=HTMLResponse)
def unlock_user_form(
    request: Request,
    actor: Annotated[Actor, Require("users:manage")],
    _csrf: CsrfChecked,
    username: str,
) -> Response:
    """Unlock an account locked after too many failed sign-ins (audited)."""
    web = web_context(request)
    try:
        with web.system.db.session() as session:
            unlock_user(
                session, actor, username, web.access.authenticator.throttle,
                remote_addr=client_address(request),
            )  # fmt: skip
    except UserError as error:
        return _users_page(request, actor, service_message(error, translator(request)), 404)
    return RedirectResponse(f"/admin/users?done=unlocked&user={quote(username)}", status_code=303)


@api_router.get("/users", summary="Every user account")
def users_api(request: Request, actor: Annotated[Actor, Require("users:manage")]) -> list[UserOut]:
    """Users by username, with role, agency, province and state."""
    return _users(request, actor)


@api_router.post("/users/{username}/disable", summary="Disable an account")
def disable_user_api(
    request: Request, actor: Annotated[Actor, Require("users:manage")], username: str
) -> UserOut:
    """Disable the account and revoke its sessions and tokens (audited)."""
    with web_context(request).system.db.session() as session:
        disable_user(session, actor, username, remote_addr=client_address(request))
        return _user_out(session, actor, username)


@api_router.post("/users/{username}/role", summary="Grant a role")
def grant_role_api(
    request: Request,
    actor: Annotated[Actor, Require("users:manage")],
    username: str,
    body: RoleIn,
) -> UserOut:
    """Give the user another role (audited); nobody may change their own role."""
    web = web_context(request)
    with web.system.db.session() as session:
        grant_role(
            session, actor, username, body.role, province_code=body.province_code,
            policy=web.access.policy, remote_addr=client_address(request),
        )  # fmt: skip
        return _user_out(session, actor, username)


class SetupLinkOut(BaseModel):
    """The one-time set-password link of an account, shown once: hand it to its owner."""

    username: str
    setup_link: str


@api_router.post("/users/{username}/approve", summary="Approve an account (second admin)")
def approve_user_api(
    request: Request, actor: Annotated[Actor, Require("users:manage")], username: str
) -> SetupLinkOut:
    """Enable an account awaiting approval that another administrator requested (audited)."""
    with web_context(request).system.db.session() as session:
        token = approve_user(session, actor, username, remote_addr=client_address(request))
    return SetupLinkOut(username=username, setup_link=SETUP_PATH + token)


@api_router.post("/users/{username}/unlock", summary="Unlock a locked account")
def unlock_user_api(
    request: Request, actor: Annotated[Actor, Require("users:manage")], username: str
) -> UserOut:
    """Clear the failed sign-ins that locked the account (audited)."""
    web = web_context(request)
    with web.system.db.session() as session:
        unlock_user(
            session, actor, username, web.access.authenticator.throttle,
            remote_addr=client_address(request),
        )  # fmt: skip
        return _user_out(session, actor, username, web.access.authenticator.throttle)


def _user_out(
    session: Session, actor: Actor, username: str, throttle: Throttle | None = None
) -> UserOut:
    """The account as :func:`list_users` shows it (ORM rows stay in the service layer)."""
    found = next(u for u in list_users(session, actor, throttle) if u.username == username)
    return UserOut.model_validate(found, from_attributes=True)
