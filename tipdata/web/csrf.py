"""CSRF protection: a synchroniser token bound to the session, checked on every form.

The token is ``HMAC-SHA256(key=session token, "tipdata csrf v1")``: it is derived
from the secret session token (which the browser keeps in an HttpOnly cookie that
no page can read), so another site can neither read nor compute it, and it changes
with every session. Nothing extra is stored on the server, and only the SHA-256 of
the session token is in the database, so a copy of the database does not reveal
the CSRF tokens either.

Forms shown before sign-in (the sign-in form, the language switch) are bound the
same way to a random *pre-session* cookie (HttpOnly, SameSite=Strict) that the app
sets when it renders such a form.

Every form carries the token in a hidden field ``csrf_token``; routes that accept a
form declare the :data:`CsrfChecked` dependency.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Request

from tipdata.web.errors import CsrfError

CSRF_FIELD = "csrf_token"
_PURPOSE = b"tipdata csrf v1"


def token_for(binding: str) -> str:
    """The CSRF token bound to a session or pre-session token."""
    return hmac.new(binding.encode("utf-8"), _PURPOSE, hashlib.sha256).hexdigest()


def new_presession() -> str:
    """A fresh random pre-session value for anonymous forms."""
    return secrets.token_urlsafe(32)


def binding_of(request: Request) -> str | None:
    """The secret the request's CSRF token is bound to: session, else pre-session cookie."""
    from tipdata.web.context import web_context

    context = web_context(request)
    session_token = request.cookies.get(context.session_cookie_name)
    if session_token:
        return session_token
    return request.cookies.get(context.options.presession_cookie) or None


def is_valid(request: Request, submitted: str | None) -> bool:
    """Whether the submitted token matches the one bound to this request's session."""
    binding = binding_of(request)
    if not binding or not submitted:
        return False
    return hmac.compare_digest(token_for(binding), submitted)


async def check_csrf(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> None:
    """Dependency: refuse a form whose CSRF token is missing or not bound to this session.

    Raises:
        CsrfError: shown as a 403 page that asks the user to reload the form.
    """
    if not is_valid(request, csrf_token):
        raise CsrfError()


CsrfChecked = Annotated[None, Depends(check_csrf)]
"""Declare on every route that accepts a form: ``_: CsrfChecked``."""
