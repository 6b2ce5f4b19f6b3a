"""Sign-in, sign-out and the language switch.

Sign-in is one form with username, password and — for roles that can read
victims' identities — the 6-digit code of the authenticator app; the service
(:func:`tipdata.access.login.login`) gives one answer for every kind of failure,
so the page cannot tell anyone which part was wrong or whether a user exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    SESSION_COOKIE,
    AccountLocked,
    Actor,
    AuthenticationError,
    EnrolmentError,
    LoginThrottled,
    SetupRequired,
    TokenError,
    WeakPasswordError,
    account_steps,
    finish_and_sign_in,
    issue_token,
    list_tokens,
    own_account,
    parse_token_days,
    revoke_own_token,
    revoke_token,
    set_password,
)
from tipdata.web.auth import CurrentUser, OptionalUser, client_address
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.errors import WebError
from tipdata.web.messages import service_message
from tipdata.web.navigation import N_
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.qr import qr_svg
from tipdata.web.security import cookie_secure
from tipdata.web.templating import render, translator

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["account"], responses=PROBLEM_RESPONSES)

MAX_FIELD = 256


def safe_local_path(path: str | None, default: str = "/dashboard") -> str:
    """A path on this site to return to; anything else (other hosts, ``//``) gives ``default``.

    Examples:
        >>> safe_local_path("/admin/audit"), safe_local_path("//evil.example")
        ('/admin/audit', '/dashboard')
    """
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    actor: OptionalUser,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The sign-in form (signed-in users go to the dashboard)."""
    if actor is not None:
        return RedirectResponse("/dashboard", status_code=303)
    _ = translator(request)
    notice = _("Your password is changed: sign in with it.") if done == "password" else None
    return render(request, "login.html", {"error": None, "username": "", "notice": notice})


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    _csrf: CsrfChecked,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Check the credentials; on success set the session cookie and go to the dashboard.

    Right credentials of an unfinished account (a password chosen by someone else, or
    no second factor yet for a role that needs one) lead to the finishing form instead,
    its one-time token kept in a hidden field, never in the URL.
    """
    web = web_context(request)
    _ = translator(request)
    try:
        signed_in = web.access.sign_in(
            username.strip(), password, code.strip() or None, client_address(request)
        )
    except LoginThrottled as exc:
        seconds = int(exc.retry_after) + 1
        message = _("Too many attempts: try again in %(seconds)s seconds.") % {"seconds": seconds}
        return render(
            request, "login.html", {"error": message, "username": username, "notice": None},
            status_code=429, headers={"Retry-After": str(seconds)},
        )  # fmt: skip
    except AccountLocked:
        message = _(
            "This account is locked after too many failed sign-ins: ask an administrator "
            "to unlock it."
        )
        return render(
            request,
            "login.html",
            {"error": message, "username": username, "notice": None},
            status_code=429,
        )
    except AuthenticationError:
        message = _("Wrong username, password or code.")
        return render(
            request,
            "login.html",
            {"error": message, "username": username, "notice": None},
            status_code=401,
        )
    except SetupRequired as step:
        return _setup_page(request, step.token, notice=True)
    return _signed_in(request, signed_in.session_token)


def _signed_in(request: Request, session_token: str, path: str = "/dashboard") -> Response:
    """Go to ``path`` with the new session's cookie (the pre-session cookie is dropped)."""
    web = web_context(request)
    response = RedirectResponse(path, status_code=303)
    response.set_cookie(
        str(SESSION_COOKIE["key"]),
        session_token,
        httponly=True,
        secure=cookie_secure(request),
        samesite="strict",
        path="/",
    )
    response.delete_cookie(web.options.presession_cookie, path="/")
    return response


# --- passwords: the user's own, never the administrator's -----------------------------


def _password_page(
    request: Request, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    _ = translator(request)
    return render(
        request, "set_password.html",
        {"title": _("Change your password"), "action": "/account/password",
         "ask_current": True, "setup_token": "", "error": error},
        status_code=status_code,
    )  # fmt: skip


@router.get("/account/password", response_class=HTMLResponse)
def change_password_form(request: Request, actor: CurrentUser) -> HTMLResponse:
    """The form to change your own password (the current one is asked)."""
    return _password_page(request)


@router.post("/account/password", response_class=HTMLResponse)
def change_password_submit(
    request: Request,
    actor: CurrentUser,
    _csrf: CsrfChecked,
    current_password: Annotated[str, Form(max_length=MAX_FIELD)],
    new_password: Annotated[str, Form(max_length=MAX_FIELD)],
    confirm_password: Annotated[str, Form(max_length=MAX_FIELD)],
) -> Response:
    """Change your own password; every session ends, so sign in again (audited)."""
    _ = translator(request)
    if new_password != confirm_password:
        return _password_page(request, error=_("The two new passwords differ."), status_code=400)
    web = web_context(request)
    try:
        with web.system.db.session() as session:
            set_password(
                session, actor, actor.username, new_password,
                web.access.authenticator.passwords, current_password=current_password,
                remote_addr=client_address(request),
            )  # fmt: skip
    except (AuthenticationError, WeakPasswordError) as error:
        return _password_page(request, error=service_message(error, _), status_code=400)
    return RedirectResponse("/login?done=password", status_code=303)


# --- the account page: who you are, your second factor, your API tokens ----------------

ACCOUNT_NOTICES = {
    "finished": N_("Your account is ready."),
    "revoked": N_("The token is revoked: it no longer works."),
}


def _account_page(
    request: Request,
    actor: Actor,
    *,
    notice: str | None = None,
    error: str | None = None,
    new_token: str | None = None,
    token_name: str = "",
    token_days: str = str(DEFAULT_TOKEN_DAYS),
    status_code: int = 200,
) -> HTMLResponse:
    web = web_context(request)
    with web.system.db.session() as session:
        account = own_account(session, actor, web.access.policy)
    return render(
        request, "account.html",
        {"account": account, "notice": notice, "error": error, "new_token": new_token,
         "token_name": token_name, "token_days": token_days, "max_days": MAX_TOKEN_DAYS},
        status_code=status_code,
    )  # fmt: skip


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request,
    actor: CurrentUser,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """Your account: role, agency, province, second factor, password, API tokens."""
    _ = translator(request)
    notice = _(ACCOUNT_NOTICES[done]) if done in ACCOUNT_NOTICES else None
    return _account_page(request, actor, notice=notice)


@router.post("/account/tokens", response_class=HTMLResponse)
def issue_token_form(
    request: Request,
    actor: CurrentUser,
    _csrf: CsrfChecked,
    name: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    days: Annotated[str, Form(max_length=MAX_FIELD)] = str(DEFAULT_TOKEN_DAYS),
) -> HTMLResponse:
    """Issue an API token for yourself; it is shown once, on the page that answers (audited)."""
    _ = translator(request)
    web = web_context(request)
    try:
        lifetime = parse_token_days(days)
        with web.system.db.session() as session:
            _token_id, token = issue_token(
                session, actor, actor.username, name, lifetime=lifetime,
                remote_addr=client_address(request),
            )  # fmt: skip
    except TokenError as error:
        return _account_page(
            request, actor, error=service_message(error, _), token_name=name,
            token_days=days, status_code=400,
        )  # fmt: skip
    return _account_page(request, actor, new_token=token)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token_form(
    request: Request,
    actor: CurrentUser,
    _csrf: CsrfChecked,
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    """Revoke one of your own tokens (another user's is "no such token")."""
    _ = translator(request)
    try:
        with web_context(request).system.db.session() as session:
            revoke_own_token(session, actor, token_id, remote_addr=client_address(request))
    except TokenError:
        return _account_page(
            request, actor, error=_("There is no such token among yours."), status_code=404
        )
    return RedirectResponse("/account?done=revoked", status_code=303)


def _setup_page(
    request: Request,
    token: str,
    *,
    error: str | None = None,
    notice: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    """The form that finishes an account: own password, second factor, or both."""
    web = web_context(request)
    _ = translator(request)
    try:
        with web.system.db.session() as session:
            steps = account_steps(
                session, token, web.access.authenticator.cipher, policy=web.access.policy
            )
    except AuthenticationError:
        return render(
            request, "account_setup.html",
            {"steps": None, "token": "", "qr": None, "notice": False,
             "error": _("This set-password link is unknown, used or expired: ask an "
                        "administrator for a new one.")},
            status_code=400,
        )  # fmt: skip
    qr = None
    if steps.totp_uri:
        qr = qr_svg(steps.totp_uri, title=_("QR code for your authenticator app"))
    return render(
        request, "account_setup.html",
        {"steps": steps, "token": token, "qr": qr, "error": error, "notice": notice},
        status_code=status_code,
    )  # fmt: skip


@router.get("/account/setup/{token}", response_class=HTMLResponse)
def setup_password_form(
    request: Request, token: Annotated[str, Path(max_length=100)]
) -> HTMLResponse:
    """The page of a one-time set-password link: own password and, if needed, second factor."""
    return _setup_page(request, token)


@router.post("/account/setup", response_class=HTMLResponse)
def setup_password_submit(
    request: Request,
    _csrf: CsrfChecked,
    token: Annotated[str, Form(max_length=100)],
    new_password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    confirm_password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Finish the account (the token is spent) and sign in; on an error nothing is saved."""
    web = web_context(request)
    _ = translator(request)
    try:
        signed_in = finish_and_sign_in(
            web.system.db, web.access.authenticator, token,
            new_password=new_password or None, confirm_password=confirm_password or None,
            code=code.strip() or None, remote_addr=client_address(request),
        )  # fmt: skip
    except AuthenticationError:
        return _setup_page(request, token, status_code=400)
    except (EnrolmentError, WeakPasswordError) as error:
        return _setup_page(request, token, error=service_message(error, _), status_code=400)
    return _signed_in(request, signed_in.session_token, "/account?done=finished")


class PasswordChangeIn(BaseModel):
    """Your current password and the new one."""

    current_password: str = Field(min_length=1, max_length=MAX_FIELD)
    new_password: str = Field(min_length=1, max_length=MAX_FIELD)


@api_router.post("/account/password", status_code=204, summary="Change your own password")
def change_password_api(request: Request, actor: CurrentUser, body: PasswordChangeIn) -> None:
    """Change your own password; your sessions end (API tokens stay). Audited.

    A wrong current password or a weak new one answers 400 with the reason.
    """
    web = web_context(request)
    try:
        with web.system.db.session() as session:
            set_password(
                session, actor, actor.username, body.new_password,
                web.access.authenticator.passwords, current_password=body.current_password,
                remote_addr=client_address(request),
            )  # fmt: skip
    except AuthenticationError as error:  # not 401: the token itself is fine
        raise WebError(str(error)) from None


# --- API tokens ------------------------------------------------------------------------


class TokenOut(BaseModel):
    """An API token as listed (never the token itself)."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    state: str


class TokenIn(BaseModel):
    """A new token for yourself: what it is for and how many days it lives (1 to 365)."""

    name: str = Field(min_length=1, max_length=100)
    days: int = Field(default=DEFAULT_TOKEN_DAYS, ge=1, le=MAX_TOKEN_DAYS)


class NewTokenOut(BaseModel):
    """A token just issued: ``token`` is shown this once."""

    id: int
    token: str
    expires_in_days: int


@api_router.get("/tokens", summary="API tokens: yours, or everyone's for administrators")
def list_tokens_api(request: Request, actor: CurrentUser) -> list[TokenOut]:
    """Tokens newest first, with expiry and state (``live``, ``expired``, ``revoked``)."""
    with web_context(request).system.db.session() as session:
        return [
            TokenOut.model_validate(token, from_attributes=True)
            for token in list_tokens(session, actor)
        ]


@api_router.post("/tokens", summary="Issue an API token for yourself")
def issue_token_api(request: Request, actor: CurrentUser, body: TokenIn) -> NewTokenOut:
    """A new token for your own account; it expires after ``days`` and at any role change."""
    with web_context(request).system.db.session() as session:
        token_id, token = issue_token(
            session, actor, actor.username, body.name, lifetime=timedelta(days=body.days),
            remote_addr=client_address(request),
        )  # fmt: skip
    return NewTokenOut(id=token_id, token=token, expires_in_days=body.days)


@api_router.post("/tokens/{token_id}/revoke", status_code=204, summary="Revoke an API token")
def revoke_token_api(
    request: Request, actor: CurrentUser, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> None:
    """Revoke one of your tokens (administrators: anyone's). Audited."""
    with web_context(request).system.db.session() as session:
        revoke_token(session, actor, token_id, remote_addr=client_address(request))


@router.post("/logout")
def logout(request: Request, actor: OptionalUser, _csrf: CsrfChecked) -> Response:
    """End the session (revoked on the server, not only forgotten by the browser)."""
    web = web_context(request)
    token = request.cookies.get(web.session_cookie_name)
    if token:
        web.access.sign_out(token, actor, client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        web.session_cookie_name, path="/", secure=cookie_secure(request), httponly=True
    )
    return response


@router.post("/language")
def choose_language(
    request: Request,
    _csrf: CsrfChecked,
    language: Annotated[str, Form(max_length=8)],
    next_path: Annotated[str, Form(alias="next", max_length=512)] = "/",
) -> Response:
    """Remember the chosen interface language (a cookie kept for a year) and go back."""
    web = web_context(request)
    response = RedirectResponse(safe_local_path(next_path, "/"), status_code=303)
    if language in web.catalogues.languages:
        response.set_cookie(
            web.options.language_cookie,
            language,
            max_age=365 * 24 * 3600,
            httponly=True,
            secure=cookie_secure(request),
            samesite="strict",
            path="/",
        )
    return response
