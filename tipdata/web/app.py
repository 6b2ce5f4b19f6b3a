"""The app factory: :func:`create_app` builds a FastAPI app around one :class:`System`.

No globals: each call builds a new app with its own state (``app.state.web``),
so tests build one per database. ``tipdata serve`` runs it with uvicorn.

Layers, outermost first: security headers and caching, request-size limit, retry
while the database is busy, refusal tracking (for the audit), routes (pages, API
docs, JSON API), static files; errors leave through :mod:`tipdata.web.problems`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from tipdata.access import Passwords, SessionTimeouts
from tipdata.system import System
from tipdata.web import routes
from tipdata.web.context import WebContext
from tipdata.web.i18n import Catalogues
from tipdata.web.options import WebOptions
from tipdata.web.problems import (
    RefusalTrackingMiddleware,
    document_problems_as_problem_json,
    install_error_handlers,
)
from tipdata.web.retry import BusyRetryMiddleware
from tipdata.web.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from tipdata.web.services import AccessServices, AuthenticatorFactory
from tipdata.web.uploads import sweep_staged

STATIC_DIR = Path(__file__).with_name("static")
API_DESCRIPTION = """\
The tipdata JSON API. Authenticate every request with an API token:
`Authorization: Bearer <token>` (`tipdata` administrators issue tokens).
Errors are problem details (RFC 9457, `application/problem+json`); lists are
paginated with `limit` and the opaque `cursor` of the previous page's `next_cursor`.
"""

ROUTERS: tuple[APIRouter, ...] = (
    routes.account.router,
    routes.pages.router,
    routes.dashboard.router,
    routes.admin.router,
    routes.docs.router,
    routes.docs.api_router,
    routes.api.router,
    routes.casework.router,
    routes.casework.api_router,
    routes.persons.router,
    routes.persons.api_router,
    routes.cases.router,
    routes.cases.api_router,
    routes.review.router,
    routes.review.api_router,
    routes.screenings.router,
    routes.screenings.api_router,
    routes.aggregate.router,  # before provincial: /provincial/pivot/cell is not a report
    routes.provincial.router,
    routes.provincial.api_router,
    routes.dashboard.api_router,
    routes.admin.api_router,
    routes.account.api_router,
    routes.publication.router,
    routes.reports.router,
    routes.reports.api_router,
    routes.imports.router,
    routes.imports.api_router,
    routes.linkage.router,
    routes.linkage.api_router,
)
"""Every router of the app, in matching order (tests walk them to check each route's guards)."""


def create_app(
    system: System,
    options: WebOptions | None = None,
    *,
    passwords: Passwords | None = None,
) -> FastAPI:
    """Build the web application for a system.

    Args:
        system: the application object (settings, database).
        options: limits and cookie names (defaults: :class:`WebOptions`).
        passwords: the password hasher (default: Argon2id with the configured costs;
            tests pass cheap parameters).

    Returns:
        The FastAPI app; serve it with uvicorn (``tipdata serve``).

    Examples:
        >>> app = create_app(System.from_settings(load_settings(home=tmp_path)))  # doctest: +SKIP
        >>> TestClient(app, base_url="http://127.0.0.1").get("/login").status_code  # doctest: +SKIP
        200
    """
    options = options or WebOptions()
    # uploads left by an earlier run (abandoned, or the server crashed) are not kept
    sweep_staged(system.settings.home, system.settings.upload_max_age_hours * 3600)
    app = FastAPI(
        title="tipdata",
        version="1",
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.web = WebContext(
        system=system,
        options=options,
        catalogues=Catalogues.load(options.languages, options.default_language),
        access=AccessServices(
            system.db,
            AuthenticatorFactory(system, passwords),
            SessionTimeouts.from_settings(system.settings),
        ),
    )
    # linkage runs in the background, one at a time, watched by later requests
    app.state.linkage_jobs = routes.linkage.new_jobs(system)
    # uploads waiting for confirmation are sealed with a key that never leaves memory
    app.state.upload_key = AESGCM.generate_key(bit_length=256)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems_as_problem_json(generate_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(RefusalTrackingMiddleware)
    app.add_middleware(BusyRetryMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=options.max_body_bytes,
        max_upload_bytes=options.max_upload_bytes,
    )
    app.add_middleware(
        SecurityHeadersMiddleware, static_prefix="/static/", hsts=system.settings.https
    )
    return app
