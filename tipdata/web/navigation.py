"""The navigation bar: each page with the permission it needs, shown only to roles that hold it.

The permission here must be the one the page's route declares with ``Require``;
``tests/web/test_navigation.py`` checks that they agree, so the menu never offers
a page that would answer 403, nor hides one the role may use.
"""

from __future__ import annotations

from dataclasses import dataclass

from tipdata.access import Actor, Policy, can


def N_(message: str) -> str:
    """Mark a message for translation; it is translated when rendered."""
    return message


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation bar.

    Attributes:
        path: the page's path.
        label: its English label (translated when rendered).
        permission: the permission the page requires, or None for every signed-in user.
    """

    path: str
    label: str
    permission: str | None = None


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("/dashboard", N_("Dashboard")),
    NavItem("/provincial", N_("Provincial reports"), "reports:read_province"),
    NavItem("/persons", N_("Persons"), "persons:read"),
    NavItem("/cases", N_("Cases"), "cases:read"),
    NavItem("/casework/overdue", N_("Follow-ups"), "casework:manage"),
    NavItem("/review", N_("Linkage review"), "linkage:review"),
    NavItem("/reports", N_("Reports"), "reports:read_published"),
    NavItem("/imports", N_("Imports"), "imports:run"),
    NavItem("/linkage", N_("Linkage runs"), "linkage:run"),
    NavItem("/admin/users", N_("Users"), "users:manage"),
    NavItem("/admin/audit", N_("Audit log"), "audit:read"),
    NavItem("/docs/api", N_("API")),
)
"""The pages that exist so far, in menu order."""


def navigation_for(actor: Actor | None, policy: Policy) -> list[NavItem]:
    """The entries an actor may use (none before sign-in)."""
    if actor is None:
        return []
    return [
        item for item in NAV_ITEMS if item.permission is None or can(actor, item.permission, policy)
    ]
