"""The routers of the web app: pages (account, dashboard, imports, admin), API docs and the API."""

from tipdata.web.routes import account, admin, api, docs, pages

__all__ = ["account", "admin", "api", "docs", "pages"]
