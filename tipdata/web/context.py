"""The per-app state of the web layer: the system, options, catalogues and access services.

One :class:`WebContext` is built by :func:`tipdata.web.app.create_app` and kept on
``app.state``; there are no module-level globals, so tests build as many apps as
they like, each on its own database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from tipdata.access import SESSION_COOKIE
from tipdata.web.figures import FigureCache
from tipdata.web.i18n import Catalogues
from tipdata.web.options import WebOptions

if TYPE_CHECKING:
    from tipdata.system import System
    from tipdata.web.services import AccessServices


@dataclass
class WebContext:
    """Everything a request handler needs besides the request.

    Attributes:
        system: the application object (database, settings).
        options: limits and cookie names.
        catalogues: the compiled interface translations.
        access: the adapter over :mod:`tipdata.access` (sign-in, sessions, tokens, audit).
        figures: report figures cached per period (dashboard, reports pages).
    """

    system: System
    options: WebOptions
    catalogues: Catalogues
    access: AccessServices
    session_cookie_name: str = field(default=str(SESSION_COOKIE["key"]))
    figures: FigureCache = field(default_factory=FigureCache)


def web_context(connection: HTTPConnection) -> WebContext:
    """The :class:`WebContext` of the app serving this request."""
    context: WebContext = connection.app.state.web
    return context
