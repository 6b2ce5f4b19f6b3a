"""The routers of the web app: pages (account, dashboard, imports, admin), API docs and the API."""

from tipdata.web.routes import (
    account,
    admin,
    aggregate,
    api,
    cases,
    casework,
    dashboard,
    docs,
    imports,
    pages,
    persons,
    provincial,
    publication,
    reports,
    review,
    screenings,
)

__all__ = [
    "account",
    "admin",
    "aggregate",
    "api",
    "cases",
    "casework",
    "dashboard",
    "docs",
    "imports",
    "pages",
    "persons",
    "provincial",
    "publication",
    "reports",
    "review",
    "screenings",
]
