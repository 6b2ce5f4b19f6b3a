"""Who sees which figures: internal (unpublished, with naive sums) or stored releases only.

One rule for every front: those who may publish figures (``reports:publish``, the NTF)
and the local operator (the command line on the server) see the internal figures;
every other reader of figures sees only what a release stored (never a computation).
"""

from __future__ import annotations

from tipdata.access.errors import AccessDenied
from tipdata.access.permissions import Permission
from tipdata.access.policy import Acting, Actor, Policy, can, require_national

PUBLISH_PERMISSION: Permission = "reports:publish"
"""Publishing figures; who holds it also sees the internal figures."""

RELEASE_LIST_PERMISSIONS: tuple[Permission, ...] = (PUBLISH_PERMISSION, "audit:read")
"""Either lets a user list every release: the publisher and the auditor."""

TRACE_PERMISSION = "persons:read"
"""Tracing a figure to its persons needs this permission with national scope."""


def sees_internal_figures(actor: Acting, policy: Policy | None = None) -> bool:
    """Whether ``actor`` sees internal figures rather than stored releases.

    Args:
        actor: who reads; the local operator (not an :class:`Actor`) always does.
        policy: the roles and permissions (default: the shipped policy).

    Returns:
        True for the local operator and for actors who may publish (``reports:publish``).
    """
    if not isinstance(actor, Actor):
        return True
    return can(actor, PUBLISH_PERMISSION, policy)


def sees_every_release(actor: Acting, policy: Policy | None = None) -> bool:
    """Whether ``actor`` may list every release (who released what, when, with which digest).

    Args:
        actor: who reads; the local operator (not an :class:`Actor`) always may.
        policy: the roles and permissions (default: the shipped policy).

    Returns:
        True for the local operator and for publishers and auditors
        (:data:`RELEASE_LIST_PERMISSIONS`); other readers see the released periods only.
    """
    if not isinstance(actor, Actor):
        return True
    return any(can(actor, permission, policy) for permission in RELEASE_LIST_PERMISSIONS)


def may_trace_figures(actor: Acting) -> bool:
    """Whether ``actor`` may trace a national figure to its persons and source rows.

    A figure spans every agency and province, so this needs :data:`TRACE_PERMISSION` with
    national scope (what :func:`tipdata.reporting.explain.explain` enforces).
    """
    if not isinstance(actor, Actor):
        return True
    try:
        require_national(actor, TRACE_PERMISSION)
    except AccessDenied:
        return False
    return True
