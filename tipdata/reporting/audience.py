"""Who sees which figures: internal (unpublished, with naive sums) or stored releases only.

One rule for every front: those who may publish figures (``reports:publish``, the NTF)
and the local operator (the command line on the server) see the internal figures;
every other reader of figures sees only what a release stored (never a computation).
"""

from __future__ import annotations

from tipdata.access.policy import Acting, Actor, Policy, can


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
    return can(actor, "reports:publish", policy)
