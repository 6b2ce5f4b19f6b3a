"""Sign-in, sign-out and the language switch.

Sign-in is one form with username, password and — for roles that can read
victims' identities — the 6-digit code of the authenticator app; the service
(:func:`tipdata.access.login.login`) gives one answer for every kind of failure,
so the page cannot tell anyone which part was wrong or whether a user exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access.errors import (
    AccountLocked,
    AuthenticationError,
    LoginThrottled,
    WeakPasswordError,
)
from tipdata.access.sessions import SESSION_COOKIE
from tipdata.access.tokens import issue_token, list_tokens, revoke_token
from tipdata.access.users import complete_setup, set_password
from tipdata.web.auth import CurrentUser, OptionalUser, client_address
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.errors import WebError
from tipdata.web.problems import PROBLEM_RESPONSES
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
def login_form(request: Request, actor: OptionalUser) -> Response:
    """The sign-in form (signed-in users go to the dashboard)."""
    if actor is not None:
        return RedirectResponse("/dashboard", status_code=303)
    return render(request, "login.html", {"error": None, "username": ""})


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    _csrf: CsrfChecked,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Check the credentials; on success set the session cookie and go to the dashboard."""
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
            request, "login.html", {"error": message, "username": username},
            status_code=429, headers={"Retry-After": str(seconds)},
        )  # fmt: skip
    except AccountLocked:
        message = _(
            "This account is locked after too many failed sign-ins: ask an administrator "
            "to unlock it."
        )
        return render(
            request, "login.html", {"error": message, "username": username}, status_code=429
        )
    except AuthenticationError:
        message = _("Wrong username, password or code.")
        return render(
            request, "login.html", {"error": message, "username": username}, status_code=401
        )
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(
        str(SESSION_COOKIE["key"]),
        signed_in.session_token,
        httponly=True,
        secure=cookie_secure(request),
        samesite="strict",
        path="/",
    )
    response.delete_cookie(web.options.presession_cookie, path="/")
    return response


# --- passwords: the user's own, never the administrator's -----------------------------


def _password_page(
    request: Request,
    *,
    ask_current: bool,
    setup_token: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = translator(request)
    title = _("Change your password") if ask_current else _("Choose your password")
    return render(
        request, "set_password.html",
        {"title": title, "action": "/account/password" if ask_current else "/account/setup",
         "ask_current": ask_current, "setup_token": setup_token, "error": error},
        status_code=status_code,
    )  # fmt: skip


@router.get("/account/password", response_class=HTMLResponse)
def change_password_form(request: Request, actor: CurrentUser) -> HTMLResponse:
    """The form to change your own password (the current one is asked)."""
    return _password_page(request, ask_current=True)


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
        return _password_page(
            request, ask_current=True, error=_("The two new passwords differ."), status_code=400
        )
    web = web_context(request)
    try:
        with web.system.db.session() as session:
            set_password(
                session, actor, actor.username, new_password,
                web.access.authenticator.passwords, current_password=current_password,
                remote_addr=client_address(request),
            )  # fmt: skip
    except (AuthenticationError, WeakPasswordError) as error:
        return _password_page(request, ask_current=True, error=str(error), status_code=400)
    return RedirectResponse("/login", status_code=303)


@router.get("/account/setup/{token}", response_class=HTMLResponse)
def setup_password_form(
    request: Request, token: Annotated[str, Path(max_length=100)]
) -> HTMLResponse:
    """The page of a one-time set-password link: the user chooses a first password."""
    return _password_page(request, ask_current=False, setup_token=token)


@router.post("/account/setup", response_class=HTMLResponse)
def setup_password_submit(
    request: Request,
    _csrf: CsrfChecked,
    token: Annotated[str, Form(max_length=100)],
    new_password: Annotated[str, Form(max_length=MAX_FIELD)],
    confirm_password: Annotated[str, Form(max_length=MAX_FIELD)],
) -> Response:
    """Set the password of a set-password link (the link is spent), then sign in."""
    _ = translator(request)
    if new_password != confirm_password:
        return _password_page(
            request, ask_current=False, setup_token=token,
            error=_("The two new passwords differ."), status_code=400,
        )  # fmt: skip
    web = web_context(request)
    try:
        with web.system.db.session() as session:
            complete_setup(
                session, token, new_password, web.access.authenticator.passwords,
                remote_addr=client_address(request),
            )  # fmt: skip
    except AuthenticationError as error:
        return _password_page(request, ask_current=False, error=str(error), status_code=400)
    except WeakPasswordError as error:
        return _password_page(
            request, ask_current=False, setup_token=token, error=str(error), status_code=400
        )
    return RedirectResponse("/login", status_code=303)


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
    days: int = Field(default=90, ge=1, le=365)


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
