"""Errors as answers: problem details (RFC 9457) for the API, friendly pages for people.

Every error leaves the app through one of the handlers registered by
:func:`install_error_handlers`. Under ``/api/`` the body is
``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and
``instance`` (and ``errors`` listing each invalid field); elsewhere an HTML page
in the user's language. Messages are written for the person who has to act; an
unexpected error shows no internals (it is logged, without request data).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from tipdata.access import (
    AccessDenied,
    AuthenticationError,
    LoginThrottled,
    can,
    denial_recorded,
    record_denial,
    tracking_denials,
)
from tipdata.errors import DatabaseBusy, DataFileError, StorageError, TipdataError
from tipdata.web.auth import is_api_request, required_permissions
from tipdata.web.context import web_context
from tipdata.web.errors import NotAuthenticated, NotInScope, WebError
from tipdata.web.retry import BUSY_MARK
from tipdata.web.security import HSTS, NO_STORE, SECURITY_HEADERS

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

RFC_9110_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
"""Status phrases renamed by RFC 9110 that Python's ``HTTPStatus`` still spells the old way."""


class FieldProblem(BaseModel):
    """One invalid input field.

    Attributes:
        location: where the field is, e.g. ``query.limit`` or ``body.username``.
        message: what is wrong with it.
    """

    location: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem details object.

    Attributes:
        type: a URI naming the problem type; ``about:blank`` means "see the status".
        title: the short summary of the problem type.
        status: the HTTP status code.
        detail: what went wrong this time, and what to do about it.
        instance: the path of the request.
        errors: each invalid field, for validation errors.
    """

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = Field(default=None)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": text}
    for status, text in [
        (400, "The request cannot be handled (e.g. a cursor this API did not issue)."),
        (401, "No valid API token."),
        (403, "The token's user lacks the permission."),
        (422, "Invalid parameters."),
        (503, "The database is busy or unreachable: try again."),
    ]
}
"""The error responses of every API route, for the OpenAPI document."""

UPLOAD_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": text}
    for status, text in [
        (413, "The body is larger than the upload limit."),
        (415, "The file's type is not accepted, or it is empty."),
    ]
}
"""The extra error responses of the API routes that take a file."""


def document_problems_as_problem_json(document: dict[str, Any]) -> dict[str, Any]:
    """Document every error response as ``application/problem+json``, in place.

    The API answers every 4xx and 5xx with a problem (see :func:`install_error_handlers`),
    but FastAPI puts a response model's schema under the route's media type
    (``application/json``): the document would promise a body type that never comes.
    The schema of each error response moves to ``application/problem+json``.

    Returns:
        The same document.
    """
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[:1] in ("4", "5") and "schema" in content.get(
                    "application/json", {}
                ):
                    content[PROBLEM_JSON] = content.pop("application/json")
    return document


STORAGE_BUSY = "The database is busy: try again in a moment."
"""What a person is told when the database fails; the details go only to the log."""

STORAGE_RETRY_AFTER = "5"
"""Seconds a client should wait before retrying after a storage failure."""


def problem_response(
    request: Request,
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem details response.

    Args:
        request: the request (its path becomes ``instance``).
        status: the HTTP status code.
        detail: what happened and what to do.
        title: the problem type's summary (default: the status phrase).
        errors: the invalid fields.
        headers: extra headers (``WWW-Authenticate``, ``Retry-After``).

    Returns:
        The JSON response with media type ``application/problem+json``.
    """
    problem = Problem(
        title=title or RFC_9110_TITLES.get(status) or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """Each validation error as a location and a message, never echoing the input value."""
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(FieldProblem(location=location, message=str(error.get("msg", "invalid"))))
    return problems


def _page(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error page in the user's language."""
    from tipdata.web.templating import render, translator

    _ = translator(request)
    titles = {
        400: _("The request cannot be handled"),
        401: _("Sign in to continue"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Not allowed"),
        413: _("The file is too large"),
        415: _("This kind of file is not accepted"),
        422: _("Some values are not valid"),
        429: _("Too many attempts"),
        503: _("The database is busy"),
    }
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": titles.get(status, _("Something went wrong")),
            "message": message,
        },
        status_code=status,
        headers=headers,
    )


class RefusalTrackingMiddleware:
    """Runs each request inside :func:`tipdata.access.audit.tracking_denials`.

    So :func:`audit_refusal` knows whether a service audited the refusal already.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the app with a fresh list of the request's recorded denials."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with tracking_denials():
            await self.app(scope, receive, send)


async def audit_refusal(
    request: Request, permission: str | None, object_type: str, object_id: str | int
) -> None:
    """Audit a refused request (``access.denied``) unless a service audited it already.

    This is the one place where the web app audits refusals: a route's missing
    permission (403 from ``Require``), a service's refusal (403, e.g. another province's
    report) and an object outside the user's scope (404, not told apart from an absent
    one). Services that audit their own refusals with the object's id
    (:func:`tipdata.access.audit.audits_denials`) are not audited twice: the request
    runs inside :func:`tipdata.access.audit.tracking_denials`.

    Args:
        request: the refused request (its signed-in actor is who was refused).
        permission: the permission that was needed; None: the route's own.
        object_type: the kind of object asked for (``route`` for a refused page).
        object_id: its id, or the path of a refused page.
    """
    actor = getattr(request.state, "actor", None)
    if actor is None or denial_recorded():
        return
    web = web_context(request)
    route = request.scope.get("route")
    needed = permission or ",".join(
        sorted(required_permissions(route.dependant)) if route is not None else []
    )
    if permission is None:
        reason = "not_found"
    else:
        reason = "scope" if can(actor, permission, web.access.policy) else "permission"
    await run_in_threadpool(
        record_denial, web.system.db, actor, needed or "unknown", object_type,
        [object_id], reason,
    )  # fmt: skip


def public_message(exc: TipdataError) -> str:
    """The message of an error as a user may see it: a data file by its name, not its path.

    An upload is staged under the server's home folder; the folder is nobody's business
    (review finding 15), so only the file's own name is shown.

    Examples:
        >>> public_message(DataFileError("/srv/tipdata/staging/7/moi.csv", "bad", line=3))
        'moi.csv, line 3: bad'
    """
    text = str(exc)
    if isinstance(exc, DataFileError) and exc.file:
        text = text.replace(exc.file, PurePath(exc.file).name)
    return text


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem or an error page."""

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if is_api_request(request):
            return problem_response(
                request, 401, "Send a valid API token: Authorization: Bearer <token>.",
                headers={"WWW-Authenticate": 'Bearer realm="tipdata"'},
            )  # fmt: skip
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(AccessDenied)
    async def access_denied(request: Request, exc: AccessDenied) -> Response:
        await audit_refusal(request, exc.permission, "route", request.url.path)
        if is_api_request(request):
            return problem_response(
                request, 403, f"Your role does not have the permission {exc.permission!r}."
            )
        from tipdata.web.templating import translator

        _ = translator(request)
        return _page(request, 403, _("Your role may not use this page."))

    @app.exception_handler(LoginThrottled)
    async def throttled(request: Request, exc: LoginThrottled) -> Response:
        retry = str(int(exc.retry_after) + 1)
        if is_api_request(request):
            return problem_response(request, 429, str(exc), headers={"Retry-After": retry})
        return _page(request, 429, str(exc), headers={"Retry-After": retry})

    @app.exception_handler(AuthenticationError)
    async def authentication_failed(request: Request, exc: AuthenticationError) -> Response:
        if is_api_request(request):
            return problem_response(
                request, 401, str(exc), headers={"WWW-Authenticate": 'Bearer realm="tipdata"'}
            )
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        if isinstance(exc, NotInScope):
            await audit_refusal(request, None, exc.object_type, exc.object_id)
        if is_api_request(request):
            return problem_response(request, exc.status, str(exc), title=exc.title)
        return _page(request, exc.status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = _field_problems(exc)
        if is_api_request(request):
            return problem_response(
                request, 422, "Some parameters are not valid: see errors.", errors=problems
            )
        from tipdata.web.templating import translator

        # the validator's English wording stays in the API's problem details; a page names
        # the fields in the reader's language
        fields = ", ".join(dict.fromkeys(p.location.rpartition(".")[2] for p in problems))
        _ = translator(request)
        return _page(
            request, 422, _("These values are not valid: %(fields)s.") % {"fields": fields}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail == HTTPStatus(exc.status_code).phrase:
            detail = None
        if is_api_request(request):
            if exc.status_code == 404 and detail is None:
                detail = f"There is no API endpoint at {request.url.path}."
            return problem_response(
                request, exc.status_code, detail, headers=getattr(exc, "headers", None)
            )
        from tipdata.web.templating import translator

        _ = translator(request)
        message = detail or _("There is nothing at this address.")
        return _page(request, exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> Response:
        # The message names the database (a file path or host): log it, never show it.
        if isinstance(exc, DatabaseBusy):
            setattr(request.state, BUSY_MARK, True)  # BusyRetryMiddleware tries again
            log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        else:
            log.error("storage failure on %s %s: %s", request.method, request.url.path, exc)
        headers = {"Retry-After": STORAGE_RETRY_AFTER}
        if is_api_request(request):
            return problem_response(
                request, 503, STORAGE_BUSY, title="Service Unavailable", headers=headers
            )
        from tipdata.web.templating import translator

        _ = translator(request)
        return _page(
            request, 503, _("The database is busy: try again in a moment."), headers=headers
        )

    @app.exception_handler(TipdataError)
    async def tipdata_error(request: Request, exc: TipdataError) -> Response:
        message = public_message(exc)
        if is_api_request(request):
            return problem_response(request, 400, message)
        return _page(request, 400, message)

    @app.exception_handler(sa.exc.DataError)
    async def unstorable_value(request: Request, exc: sa.exc.DataError) -> Response:
        # e.g. a NUL character or a number out of range on PostgreSQL; the engine hides
        # the bound values (hide_parameters), and only the error's class is logged here.
        log.warning(
            "the database refused a value on %s %s: %s",
            request.method, request.url.path, type(exc.orig).__name__,
        )  # fmt: skip
        message = (
            "A value cannot be stored (a number too large, or a control character such as "
            "NUL): correct it and try again."
        )
        if is_api_request(request):
            return problem_response(request, 422, message)
        return _page(request, 422, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "An unexpected error occurred; it has been logged. Try again later."
        response = (
            problem_response(request, 500, message)
            if is_api_request(request)
            else _page(request, 500, message)
        )
        # This handler answers outside the middleware stack: add its headers here.
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = NO_STORE
        if web_context(request).system.settings.https:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
