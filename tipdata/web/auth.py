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

import functools
import ipaddress
from typing import Annotated, Any

from fastapi import Depends, Request

from tipdata.access import Actor, Permission, authorize
from tipdata.errors import ConfigError
from tipdata.web.context import web_context
from tipdata.web.errors import NotAuthenticated

API_PREFIX = "/api/"
BEARER = "bearer"


def is_api_request(request: Request) -> bool:
    """Whether the request is for the JSON API (bearer tokens, problem details)."""
    return request.url.path.startswith(API_PREFIX)


def client_address(request: Request) -> str | None:
    """The client's address, for throttling and the audit log.

    The connection's peer, unless the peer is one of ``TIPDATA_TRUSTED_PROXIES``: then
    the nearest ``X-Forwarded-For`` hop that is not itself a trusted proxy. With no
    proxy configured (the default) the header is ignored, so a client cannot forge
    addresses to dodge the sign-in throttle or to fill the audit log with false ones.
    """
    peer = request.client.host if request.client else None
    proxies = trusted_networks(web_context(request).system.settings.trusted_proxies)
    if peer is None or not _is_trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _is_trusted(hop, proxies):
            return hop[:64]
    return peer


@functools.cache
def trusted_networks(setting: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks of ``TIPDATA_TRUSTED_PROXIES`` (comma-separated addresses or CIDR).

    Raises:
        ConfigError: an entry is not an address or a network.
    """
    networks = []
    for entry in (part.strip() for part in setting.split(",")):
        if entry:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ConfigError(
                    f"TIPDATA_TRUSTED_PROXIES: {entry!r} is not an address or network"
                ) from None
    return tuple(networks)


def _is_trusted(
    address: str, proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


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


async def current_user(actor: Annotated[Actor | None, Depends(optional_user)]) -> Actor:
    """The signed-in actor.

    A coroutine, as :meth:`Requirement.__call__`: neither does I/O, so FastAPI runs them on
    the event loop instead of handing each to a worker thread (two thread hops fewer on
    every authenticated request; :func:`optional_user` reads the database and stays a
    plain function).

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
        permission: the permission checked by :func:`tipdata.access.policy.authorize`.
    """

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request, actor: CurrentUser) -> Actor:
        """Check the permission with the app's policy.

        Raises:
            AccessDenied: the actor lacks the permission (403).
        """
        # a refusal is audited by the app's handler of AccessDenied (tipdata.web.problems)
        authorize(actor, self.permission, policy=web_context(request).access.policy)
        return actor

    def __repr__(self) -> str:
        return f"Require({self.permission!r})"


def Require(permission: Permission) -> Any:
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
