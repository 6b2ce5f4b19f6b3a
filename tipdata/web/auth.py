"""Who is asking: the ``CurrentUser`` and ``Require(permission)`` dependencies of every route.

Pages authenticate with the session cookie; the JSON API under ``/api/``
authenticates only with ``Authorization: Bearer <API token>`` (a cookie is never
accepted there, so the API needs no CSRF token). Both resolve to the same
:class:`~tipdata.access.policy.Actor` and the same permission check,
:func:`tipdata.access.policy.require`: the rules live in :mod:`tipdata.access`,
routes only declare what they need (STYLE.md rule 7)::

    @router.get("/admin/audit")
    def audit_log(actor: Annotated[Actor, Require("audit:read")]) -> HTMLResponse: ...

    @router.get("/dashboard")
    def dashboard(actor: CurrentUser) -> HTMLResponse: ...
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from tipdata.access.policy import Actor, require
from tipdata.web.context import web_context
from tipdata.web.errors import NotAuthenticated

API_PREFIX = "/api/"
BEARER = "bearer"


def is_api_request(request: Request) -> bool:
    """Whether the request is for the JSON API (bearer tokens, problem details)."""
    return request.url.path.startswith(API_PREFIX)


def client_address(request: Request) -> str | None:
    """The client's address, for throttling and the audit log."""
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != BEARER or not token.strip():
        return None
    return token.strip()


def optional_user(request: Request) -> Actor | None:
    """The signed-in actor, or None; resolved once per request.

    Pages use the session cookie, the API the bearer token (see the module docstring).
    """
    if hasattr(request.state, "actor"):
        cached: Actor | None = request.state.actor
        return cached
    context = web_context(request)
    actor: Actor | None = None
    if is_api_request(request):
        token = bearer_token(request)
        if token:
            actor = context.access.actor_for_api_token(token)
    else:
        token = request.cookies.get(context.session_cookie_name)
        if token:
            actor = context.access.actor_for_session(token)
    request.state.actor = actor
    return actor


def current_user(actor: Annotated[Actor | None, Depends(optional_user)]) -> Actor:
    """The signed-in actor.

    Raises:
        NotAuthenticated: no valid session or token (pages redirect to sign-in; the API
            answers 401 with problem details).
    """
    if actor is None:
        raise NotAuthenticated()
    return actor


OptionalUser = Annotated[Actor | None, Depends(optional_user)]
"""The actor if signed in, else None (sign-in page, error pages)."""

CurrentUser = Annotated[Actor, Depends(current_user)]
"""The signed-in actor; unauthenticated requests never reach the route."""


class Requirement:
    """A dependency that yields the actor if it holds ``permission``.

    Attributes:
        permission: the permission checked by :func:`tipdata.access.policy.require`.
    """

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __call__(self, request: Request, actor: CurrentUser) -> Actor:
        """Check the permission with the app's policy.

        Raises:
            AccessDenied: the actor lacks the permission (403).
        """
        # a refusal is audited by the app's handler of AccessDenied (tipdata.web.problems)
        require(actor, self.permission, web_context(request).access.policy)
        return actor

    def __repr__(self) -> str:
        return f"Require({self.permission!r})"


def Require(permission: str) -> Any:
    """Declare that a route needs a permission.

    Use as ``actor: Annotated[Actor, Require("audit:read")]`` or in
    ``dependencies=[Require("imports:run")]``.

    Args:
        permission: a permission declared in ``tipdata/access/roles.yaml``.

    Returns:
        A FastAPI ``Depends`` marker around a :class:`Requirement`.
    """
    return Depends(Requirement(permission))


def required_permissions(dependant: Any) -> set[str]:
    """Every permission a route's dependency tree requires (for tests and navigation)."""
    found: set[str] = set()
    for sub in getattr(dependant, "dependencies", []):
        if isinstance(sub.call, Requirement):
            found.add(sub.call.permission)
        found |= required_permissions(sub)
    return found


def requires_authentication(dependant: Any) -> bool:
    """Whether a route's dependency tree includes :func:`current_user`."""
    return any(
        sub.call is current_user or requires_authentication(sub)
        for sub in getattr(dependant, "dependencies", [])
    )


__all__ = [
    "CurrentUser",
    "OptionalUser",
    "Require",
    "Requirement",
    "current_user",
    "optional_user",
    "required_permissions",
    "requires_authentication",
]
