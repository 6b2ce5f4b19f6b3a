"""Every route declares who may use it; the menu agrees with the routes' permissions."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from tipdata.access.policy import default_policy
from tipdata.web.app import ROUTERS
from tipdata.web.auth import required_permissions, requires_authentication
from tipdata.web.navigation import NAV_ITEMS

PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/language"),
    ("GET", "/account/setup/{token}"),
    ("POST", "/account/setup"),
}
"""Routes anyone may reach: the sign-in flow and the language switch (forms: CSRF-checked)."""

CSRF_ROUTES = {("POST", "/login"), ("POST", "/logout"), ("POST", "/language")}
CSRF_ROUTES |= {
    ("POST", "/review/{pair_id}"),
    ("POST", "/persons/{public_id}/screenings"),
    ("POST", "/persons/search"),
    ("POST", "/persons/search-by-document"),
    ("POST", "/casework/persons/search"),
    ("POST", "/persons/{public_id}/case"),
    ("POST", "/persons/{public_id}/follow-ups"),
    ("POST", "/follow-ups/{follow_up_id}/done"),
    ("POST", "/persons/{public_id}/notes"),
    ("POST", "/persons/{public_id}/corrections"),
    ("POST", "/persons/{public_id}/refer"),
}
CSRF_ROUTES |= {
    ("POST", "/provincial/{province}/{period}"),
    ("POST", "/provincial/{province}/{period}/accept"),
    ("POST", "/provincial/{province}/{period}/reopen"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{username}/disable"),
    ("POST", "/admin/users/{username}/role"),
    ("POST", "/admin/users/{username}/unlock"),
    ("POST", "/admin/users/{username}/approve"),
    ("POST", "/account/password"),
    ("POST", "/account/setup"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{token_id}/revoke"),
    ("POST", "/reports/publish"),
    ("POST", "/imports/new"),
    ("POST", "/imports/confirm"),
}


def routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """Every route of the app's routers, by method and path."""
    found = {}
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in route.methods:
                    found[(method, route.path)] = route
    assert found
    return found


def test_every_route_but_the_public_ones_requires_a_user(app: FastAPI) -> None:
    unprotected = {
        key for key, route in routes(app).items() if not requires_authentication(route.dependant)
    }
    assert unprotected == PUBLIC


def test_every_form_route_checks_csrf(app: FastAPI) -> None:
    from tipdata.web.csrf import check_csrf

    def checks(dependant: object) -> bool:
        return any(
            sub.call is check_csrf or checks(sub) for sub in getattr(dependant, "dependencies", [])
        )

    posting = {key for key in routes(app) if key[0] in {"POST", "PUT", "PATCH", "DELETE"}}
    page_forms = {key for key in posting if not key[1].startswith("/api/")}
    assert page_forms == CSRF_ROUTES
    assert all(checks(routes(app)[key].dependant) for key in page_forms)


def test_menu_permissions_match_the_routes(app: FastAPI) -> None:
    by_path = {path: route for (method, path), route in routes(app).items() if method == "GET"}
    for item in NAV_ITEMS:
        declared = required_permissions(by_path[item.path].dependant)
        assert declared == ({item.permission} if item.permission else set()), item.path


def test_declared_permissions_exist_in_the_policy(app: FastAPI) -> None:
    policy = default_policy()
    for route in routes(app).values():
        assert required_permissions(route.dependant) <= set(policy.permissions), route.path
