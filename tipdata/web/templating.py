"""Server-rendered pages: the Jinja2 environment and :func:`render`.

Templates live in ``tipdata/web/templates``; every page extends ``base.html``,
which draws the navigation for the actor's role, the language switch and the
sign-out form. Messages are written in English inside ``{% trans %}`` or
``_("...")`` and translated per request with the user's language.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from tipdata.text import without_bidi_controls
from tipdata.web.context import web_context
from tipdata.web.csrf import binding_of, new_presession, token_for
from tipdata.web.i18n import LANGUAGE_NAMES
from tipdata.web.labels import Labels, groups_of_four, some_ids
from tipdata.web.messages import service_message
from tipdata.web.navigation import navigation_for
from tipdata.web.security import cookie_secure
from tipdata.web.words import CodeWords


@cache
def environment() -> jinja2.Environment:
    """The template environment (autoescaping, i18n extension, undefined variables fail)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tipdata.web", "templates"),
        autoescape=jinja2.select_autoescape(("html",)),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_neutral_direction,
    )
    env.filters["datetime"] = _format_datetime
    env.filters["number"] = _format_number
    env.filters["groups_of_four"] = groups_of_four
    env.filters["some_ids"] = some_ids
    return env


def _neutral_direction(value: Any) -> Any:
    """Every value a page shows, without bidi controls (a name cannot reorder the page)."""
    if isinstance(value, Markup):
        return Markup(without_bidi_controls(str(value)))
    if isinstance(value, str):
        return without_bidi_controls(value)
    return value


def _format_datetime(value: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM`` UTC (ISO order reads the same in every language)."""
    if value is None:
        return "—"
    return f"{value:%Y-%m-%d %H:%M}"


def _format_number(value: Any) -> str:
    """An integer with thousands separators."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def language_of(request: Request) -> str:
    """The interface language of the request (cookie, else browser, else default)."""
    if hasattr(request.state, "language"):
        chosen: str = request.state.language
        return chosen
    context = web_context(request)
    language = context.catalogues.negotiate(
        request.cookies.get(context.options.language_cookie),
        request.headers.get("accept-language"),
    )
    request.state.language = language
    return language


def translator(request: Request) -> Any:
    """The ``gettext`` of the request's language (for messages built in Python)."""
    return web_context(request).catalogues.get(language_of(request)).gettext


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page, creating a pre-session if there is none."""
    binding = binding_of(request) or getattr(request.state, "new_presession", None)
    if binding is None:
        binding = new_presession()
        request.state.new_presession = binding
    return token_for(binding)


SERVICE_TEXTS = ("error", "message", "refused", "not_published")
"""Page variables that may hold a service's message (translated by :func:`render`)."""


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page in the user's language.

    Args:
        request: the request (language, actor, CSRF binding).
        template: the template file, e.g. ``"dashboard.html"``.
        context: the page's own variables.
        status_code: the HTTP status.
        headers: extra response headers.

    Returns:
        The HTML response; sets the pre-session cookie if a form needed one.
    """
    web = web_context(request)
    language = language_of(request)
    translations = web.catalogues.get(language)
    actor = getattr(request.state, "actor", None)
    labels = Labels(language, translations.gettext, web.access.policy)
    variables: dict[str, Any] = {
        "request_path": request.url.path,
        "lang": language,
        "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in web.catalogues.languages],
        "actor": actor,
        "nav": navigation_for(actor, web.access.policy),
        "csrf_token": csrf_token(request),
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "_": translations.gettext,
        "labels": labels,
        "role_label": labels.role,
        "token_state_label": labels.token_state,
        "agency_name": CodeWords(language).agency,
    }
    variables.update(context or {})
    for name in SERVICE_TEXTS:  # a service's English refusal, in the reader's language
        if isinstance(variables.get(name), str):
            variables[name] = service_message(variables[name], translations.gettext)
    html = environment().get_template(template).render(variables)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    presession = getattr(request.state, "new_presession", None)
    if presession:
        response.set_cookie(
            web.options.presession_cookie,
            presession,
            httponly=True,
            secure=cookie_secure(request),
            samesite="strict",
            path="/",
        )
    return response
