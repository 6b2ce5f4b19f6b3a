"""Sign-in, sign-out and the language switch.

Sign-in is one form with username, password and — for roles that can read
victims' identities — the 6-digit code of the authenticator app; the service
(:func:`tipdata.access.login.login`) gives one answer for every kind of failure,
so the page cannot tell anyone which part was wrong or whether a user exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipdata.access.errors import AccountLocked, AuthenticationError, LoginThrottled
from tipdata.access.sessions import SESSION_COOKIE
from tipdata.web.auth import OptionalUser, client_address
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.security import cookie_secure
from tipdata.web.templating import render, translator

router = APIRouter(include_in_schema=False)

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
