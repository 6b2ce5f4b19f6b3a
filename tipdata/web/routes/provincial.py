"""Provincial report entry: the bi-weekly data-set form, its workflow, and the same over JSON.

Pages (session cookie, CSRF-checked forms):

* ``GET /provincial``: choose a province (fixed for a provincial focal point) and a period;
* ``GET /provincial/{province}/{period}``: the form with the report's values, its
  validation results inline, the status history and, for the NTF, accept and reopen;
* ``POST /provincial/{province}/{period}``: save as draft or submit;
* ``POST /provincial/{province}/{period}/accept`` and ``.../reopen``.

API (bearer token) under ``/api/v1/provincial``: ``GET``/``PUT`` a submission,
``submit``/``accept``/``reopen`` it, read its history, and bulk-import a CSV or JSON file.

Every change carries the ``version`` the user read (a hidden field on the page, a body
field in the API): a stale version is refused with HTTP 409 and nothing is written, so
no one's update is silently overwritten. The rules (workflow, scope, validation) live
in :mod:`tipdata.provincial.submissions`; routes parse, call one service, present.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tipdata import provincial
from tipdata.access import Actor
from tipdata.errors import TipdataError
from tipdata.periods import PeriodError
from tipdata.provincial import TOTAL, DataSet, ValidationResult, ValueKey
from tipdata.store import MAX_INTEGER
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.entry_grid import entry_grids, province_label, typed_values
from tipdata.web.errors import WebError
from tipdata.web.messages import service_message
from tipdata.web.problems import (
    PROBLEM_JSON,
    PROBLEM_RESPONSES,
    UPLOAD_PROBLEM_RESPONSES,
    FieldProblem,
    Problem,
    problem_response,
)
from tipdata.web.templating import language_of, render, translator
from tipdata.web.timestamps import UtcDateTime
from tipdata.web.validation_words import value_label, worded_results

router = APIRouter(include_in_schema=False)
api_router = APIRouter(
    prefix="/api/v1/provincial",
    tags=["provincial reports"],
    responses={
        **PROBLEM_RESPONSES,
        404: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "No such report."},
        409: {
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
            "description": "Stale version or a status that forbids it.",
        },
    },
)

ProvinceCode = Annotated[str, PathParam(min_length=1, max_length=40)]
PeriodCode = Annotated[str, PathParam(min_length=6, max_length=12, pattern=r"^[0-9A-Za-z]+$")]
MAX_BULK_BYTES = 1024 * 1024
BULK_MEDIA_TYPES = {"text/csv": ".csv", "application/json": ".json"}


# --- presentation helpers ----------------------------------------------------------------


def field_name(key: ValueKey) -> str:
    """The form field (and API key) of a value: ``element`` or ``element.disaggregation``."""
    element, disaggregation = key
    return element if disaggregation == TOTAL else f"{element}.{disaggregation}"


def entry_keys(data_set: DataSet) -> list[tuple[str, str, list[ValueKey]]]:
    """The cells of the paper form: per element its total, then its finest breakdown."""
    rows = []
    for element in data_set.elements:
        categories = data_set.categories_of(element.code)
        names = data_set.disaggregations(element.code)
        finest = [d for d in names if d.count("_") == len(categories) - 1] if categories else []
        keys = [(element.code, d) for d in (TOTAL, *finest)]
        rows.append((element.code, element.name, keys))
    return rows


@dataclass(frozen=True)
class FormState:
    """What the report page shows: the stored report and, after a refusal, what was typed."""

    report: provincial.ReportView | None
    typed: Mapping[str, str]
    results: tuple[ValidationResult, ...]
    message: str | None = None
    conflict: bool = False


def _results_by_field(results: tuple[ValidationResult, ...]) -> dict[str, list[ValidationResult]]:
    by_field: dict[str, list[ValidationResult]] = {}
    for result in results:
        by_field.setdefault(field_name((result.data_element, result.disaggregation)), []).append(
            result
        )
    return by_field


def _parse_counts(typed: Mapping[str, str], data_set: DataSet) -> dict[str, int | None]:
    """The typed counts of every cell of the form (:func:`provincial.parse_count` each)."""
    return {
        field_name(key): provincial.parse_count(typed.get(field_name(key), ""), field_name(key))
        for _element, _name, keys in entry_keys(data_set)
        for key in keys
    }


@contextmanager
def _session(request: Request) -> Iterator[Session]:
    with web_context(request).system.db.session() as session:
        yield session


def _report_path(province: str, period: str) -> str:
    return f"/provincial/{quote(province)}/{quote(period)}"


# --- pages -------------------------------------------------------------------------------


@router.get("/provincial", response_class=HTMLResponse)
def choose_report(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_province")],
    province: Annotated[str | None, Query(max_length=40)] = None,
    period: Annotated[str | None, Query(max_length=12)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    """Choose the province (a focal point's own) and the bi-week to report on.

    The periods start at the one now due and go back, each with its report's status;
    a focal point sees the reports the NTF reopened for correction first.
    """
    policy = web_context(request).access.policy
    own = provincial.own_province(actor, policy)
    if period and (province or own):
        return RedirectResponse(_report_path(province or own or "", period), status_code=303)
    codelists = provincial.default_workflow().data_set.codelists
    language = language_of(request)
    with _session(request) as session:
        chooser = provincial.report_chooser(
            session, actor, province=province, year=year, policy=policy
        )
    provinces = [
        (code, province_label(codelists.province(code), language)) for code in chooser.provinces
    ]
    return render(
        request,
        "provincial_choose.html",
        {
            "provinces": provinces,
            "province": chooser.province,
            "fixed_province": chooser.fixed_province,
            "choices": chooser.choices,
            "year": chooser.year,
            "due_now": chooser.due_now,
            "notices": chooser.notices,
            "province_names": dict(provinces),
            "may_review": chooser.may_review,
        },
    )


@router.get("/provincial/{province}/{period}", response_class=HTMLResponse)
def report_page(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_province")],
    province: ProvinceCode,
    period: PeriodCode,
    done: str | None = None,
) -> HTMLResponse:
    """The report form of one province and period, with its results and history."""
    with _session(request) as session:
        view = provincial.get_report(session, province, period, actor=actor)
    _ = translator(request)
    messages = {
        "saved": _("Saved as a draft."),
        "submitted": _("Submitted to the NTF."),
        "accepted": _("Accepted."),
        "reopened": _("Reopened: the province can correct it."),
    }
    state = FormState(view, {}, view.results if view else (), messages.get(done or ""))
    return _render_report(request, actor, province, period, state)


def _render_report(
    request: Request,
    actor: Actor,
    province: str,
    period: str,
    state: FormState,
    status_code: int = 200,
) -> HTMLResponse:
    workflow = provincial.default_workflow()
    data_set = workflow.data_set
    results = worded_results(state.results, data_set, translator(request))
    resolved = data_set.codelists.resolve_province(province)
    with _session(request) as session:
        history = (
            provincial.status_history(session, province, period, actor=actor)
            if state.report is not None
            else []
        )
    stored = state.report.values if state.report is not None else {}
    shown: dict[str, str] = {}
    for _element, _name, keys in entry_keys(data_set):
        for key in keys:
            name = field_name(key)
            value = stored.get(key)
            shown[name] = state.typed.get(name, "" if value is None else str(value))
    status = state.report.status if state.report is not None else None
    code = resolved.code if resolved else province
    actions = provincial.allowed_actions(actor, code, status, web_context(request).access.policy)
    return render(
        request,
        "provincial_report.html",
        {
            "province": province,
            "province_name": province_label(resolved, language_of(request))
            if resolved
            else province,
            "grids": entry_grids(data_set, typed_values(shown, data_set)),
            "period": data_set.parse_period(period),
            "data_set": data_set,
            "rows": entry_keys(data_set),
            "field_name": field_name,
            "shown": shown,
            "report": state.report,
            "status": status.value if status is not None else None,
            "results": results,
            "results_by_field": _results_by_field(results),
            "errors_by_field": _results_by_field(tuple(r for r in results if r.blocking)),
            "history": history,
            "message": state.message,
            "conflict": state.conflict,
            "refused": status_code >= 400,
            "may_edit": "save" in actions,
            "may_accept": "accept" in actions,
            "may_reopen": "reopen" in actions,
            "path": _report_path(province, period),
        },
        status_code=status_code,
    )


@router.post("/provincial/{province}/{period}", response_class=HTMLResponse)
async def save_report_form(
    request: Request,
    actor: Annotated[Actor, Require("reports:submit")],
    _csrf: CsrfChecked,
    province: ProvinceCode,
    period: PeriodCode,
    action: Annotated[Literal["save", "submit", "totals"], Form()] = "save",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Save the form as a draft or submit it; a refusal re-shows the form with what was typed."""
    form = await request.form()
    typed = {str(k): str(v) for k, v in form.items() if isinstance(v, str)}
    expected = int(version) if version.isdigit() else None
    data_set = provincial.default_workflow().data_set
    _ = translator(request)
    try:
        values = _parse_counts(typed, data_set)
        if action == "totals":  # work out the totals of what was typed; nothing is saved
            with _session(request) as session:
                current = provincial.get_report(session, province, period, actor=actor)
            message = _("Totals worked out from your entries; nothing is saved yet.")
            state = FormState(current, typed, current.results if current else (), message)
            return _render_report(request, actor, province, period, state)
        with _session(request) as session:
            if action == "submit":
                provincial.submit_keeping_draft(session, actor, province, period, values, expected)
            else:
                provincial.save_draft(session, actor, province, period, values, expected)
    except provincial.ConflictError:
        with _session(request) as session:
            current = provincial.get_report(session, province, period, actor=actor)
        message = _(
            "Someone else changed this report since you opened it. Nothing was saved: your "
            "entries are kept below; check the current values and save again."
        )
        state = FormState(current, typed, current.results if current else (), message, True)
        return _render_report(request, actor, province, period, state, 409)
    except provincial.ReportValidationError as error:
        with _session(request) as session:
            current = provincial.get_report(session, province, period, actor=actor)
        message = _("The report was not submitted: correct the errors marked below.")
        state = FormState(current, typed, error.results, message)
        return _render_report(request, actor, province, period, state, 422)
    except provincial.InvalidValueError as error:
        with _session(request) as session:
            current = provincial.get_report(session, province, period, actor=actor)
        try:
            field = value_label(*data_set.parse_key(error.field), data_set, _)
        except KeyError:
            field = error.field
        state = FormState(current, typed, (), f"{field}: {service_message(error.message, _)}")
        return _render_report(request, actor, province, period, state, 422)
    except provincial.TransitionError as error:
        with _session(request) as session:
            current = provincial.get_report(session, province, period, actor=actor)
        state = FormState(current, typed, current.results if current else (), str(error))
        return _render_report(request, actor, province, period, state, 409)
    done = "submitted" if action == "submit" else "saved"
    return RedirectResponse(f"{_report_path(province, period)}?done={done}", status_code=303)


@router.post("/provincial/{province}/{period}/accept", response_class=HTMLResponse)
def accept_report_form(
    request: Request,
    actor: Annotated[Actor, Require("reports:accept")],
    _csrf: CsrfChecked,
    province: ProvinceCode,
    period: PeriodCode,
    version: Annotated[int, Form(ge=1, le=MAX_INTEGER)],
) -> Response:
    """Accept a submitted report (NTF)."""
    return _review_form(request, actor, province, period, version, None)


@router.post("/provincial/{province}/{period}/reopen", response_class=HTMLResponse)
def reopen_report_form(
    request: Request,
    actor: Annotated[Actor, Require("reports:accept")],
    _csrf: CsrfChecked,
    province: ProvinceCode,
    period: PeriodCode,
    version: Annotated[int, Form(ge=1, le=MAX_INTEGER)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Reopen a submitted or accepted report with a reason (NTF)."""
    return _review_form(request, actor, province, period, version, reason)


def _review_form(
    request: Request,
    actor: Actor,
    province: str,
    period: str,
    version: int,
    reason: str | None,
) -> Response:
    """Accept (no reason) or reopen (with a reason); a refusal re-shows the page."""
    _ = translator(request)
    try:
        with _session(request) as session:
            if reason is None:
                provincial.accept(session, actor, province, period, version)
            else:
                provincial.reopen(session, actor, province, period, reason, version)
    except (provincial.ConflictError, provincial.TransitionError) as error:
        message = (
            _("Someone else changed this report since you opened it; nothing was changed.")
            if isinstance(error, provincial.ConflictError)
            else str(error)
        )
        return _reshow(request, actor, province, period, message, 409, conflict=True)
    except provincial.ReportingError as error:
        return _reshow(request, actor, province, period, str(error), 422)
    done = "accepted" if reason is None else "reopened"
    return RedirectResponse(f"{_report_path(province, period)}?done={done}", status_code=303)


def _reshow(
    request: Request,
    actor: Actor,
    province: str,
    period: str,
    message: str,
    status_code: int,
    *,
    conflict: bool = False,
) -> HTMLResponse:
    with _session(request) as session:
        current = provincial.get_report(session, province, period, actor=actor)
    state = FormState(current, {}, current.results if current else (), message, conflict)
    return _render_report(request, actor, province, period, state, status_code)


# --- API ---------------------------------------------------------------------------------


class ResultOut(BaseModel):
    """One validation result of a report."""

    rule: str
    importance: Literal["error", "warning"]
    field: str = Field(description="The value concerned, ``element[.disaggregation]``.")
    message: str


class SubmissionOut(BaseModel):
    """A provincial report: status, version (send it back to change it), values, results."""

    province: str
    period: str
    data_set: str
    status: str
    version: int
    submitted_at: UtcDateTime | None
    accepted_at: UtcDateTime | None
    values: dict[str, int | None]
    results: list[ResultOut]


class SubmissionIn(BaseModel):
    """Values to save (the whole form) and the version read; omit it to create a report."""

    version: int | None = Field(default=None, ge=1, le=MAX_INTEGER)
    values: dict[str, int | None] = Field(max_length=500)


class SubmitIn(BaseModel):
    """Submit: optionally with values to save first, and the version read."""

    version: int | None = Field(default=None, ge=1, le=MAX_INTEGER)
    values: dict[str, int | None] | None = Field(default=None, max_length=500)


class ReviewIn(BaseModel):
    """Accept or reopen: the version read, and for reopening the reason."""

    version: int = Field(ge=1, le=MAX_INTEGER)
    reason: str | None = Field(default=None, max_length=500)


class StatusChangeOut(BaseModel):
    """One change of status of a report."""

    from_status: str | None
    to_status: str
    actor: str
    at: UtcDateTime
    reason: str | None
    report_version: int


class BulkImportOut(BaseModel):
    """What a bulk import did (all or nothing)."""

    format: str
    reports: int
    submitted: int
    drafts: int
    unchanged: int
    warnings: dict[str, int]


def _out(view: provincial.ReportView) -> SubmissionOut:
    return SubmissionOut(
        province=view.province_code,
        period=view.period.code,
        data_set=view.data_set,
        status=view.status.value,
        version=view.version,
        submitted_at=view.submitted_at,
        accepted_at=view.accepted_at,
        values={field_name(key): value for key, value in view.values.items()},
        results=[
            ResultOut(
                rule=r.rule,
                importance=r.importance,
                field=field_name((r.data_element, r.disaggregation)),
                message=r.message,
            )
            for r in view.results
        ],
    )


def _workflow_step(
    request: Request, step: Callable[[Session], provincial.ReportView]
) -> SubmissionOut | JSONResponse:
    """Run one workflow step in a session: the submission, or the problem that refused it."""
    try:
        with _session(request) as session:
            view = step(session)
    except WORKFLOW_ERRORS as error:
        return _problem(request, error)
    return _out(view)


def _problem(request: Request, error: TipdataError) -> JSONResponse:
    """The problem details of a refused workflow step."""
    if isinstance(error, provincial.ConflictError):
        return problem_response(request, 409, str(error), title="Conflict")
    if isinstance(error, provincial.TransitionError):
        return problem_response(request, 409, str(error), title="Conflict")
    if isinstance(error, provincial.ReportNotFoundError):
        return problem_response(request, 404, str(error))
    if isinstance(error, provincial.ReportValidationError):
        errors = [
            FieldProblem(
                location=f"body.values.{field_name((r.data_element, r.disaggregation))}",
                message=f"{r.rule}: {r.message}",
            )
            for r in error.blocking
        ]
        return problem_response(request, 422, str(error), errors=errors)
    if isinstance(error, provincial.InvalidValueError):
        errors = [FieldProblem(location=f"body.values.{error.field}", message=error.message)]
        return problem_response(request, 422, str(error), errors=errors)
    return problem_response(request, 400, str(error))


WORKFLOW_ERRORS = (provincial.ReportingError, PeriodError)


@api_router.get("/submissions/{province}/{period}", summary="One province's report")
def get_submission(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_province")],
    province: ProvinceCode,
    period: PeriodCode,
) -> SubmissionOut:
    """The report with its version, values and validation results (404 if none)."""
    with _session(request) as session:
        view = provincial.get_report(session, province, period, actor=actor)
    if view is None:
        raise NoReport(province, period)
    return _out(view)


class NoReport(WebError):
    """There is no report of this province for this period yet."""

    status = 404
    title = "Not Found"

    def __init__(self, province: str, period: str) -> None:
        super().__init__(f"No report of province {province} for {period} yet.")


@api_router.put(
    "/submissions/{province}/{period}",
    summary="Save a draft (the whole form)",
    response_model=SubmissionOut,
)
def put_submission(
    request: Request,
    actor: Annotated[Actor, Require("reports:submit")],
    province: ProvinceCode,
    period: PeriodCode,
    body: SubmissionIn,
) -> Any:
    """Create or replace the draft; a stale ``version`` is 409 and changes nothing."""
    return _workflow_step(
        request,
        lambda session: provincial.save_draft(
            session, actor, province, period, body.values, body.version
        ),
    )


@api_router.post(
    "/submissions/{province}/{period}/submit",
    summary="Submit the report",
    response_model=SubmissionOut,
)
def submit_submission(
    request: Request,
    actor: Annotated[Actor, Require("reports:submit")],
    province: ProvinceCode,
    period: PeriodCode,
    body: Annotated[SubmitIn, Body()],
) -> Any:
    """Submit (saving ``values`` first if given); rule errors are 422 listing each value."""
    return _workflow_step(
        request,
        lambda session: provincial.submit_keeping_draft(
            session, actor, province, period, body.values, body.version
        ),
    )


@api_router.post(
    "/submissions/{province}/{period}/accept",
    summary="Accept a submitted report (NTF)",
    response_model=SubmissionOut,
)
def accept_submission(
    request: Request,
    actor: Annotated[Actor, Require("reports:accept")],
    province: ProvinceCode,
    period: PeriodCode,
    body: ReviewIn,
) -> Any:
    """Accept; needs national scope."""
    return _workflow_step(
        request, lambda session: provincial.accept(session, actor, province, period, body.version)
    )


@api_router.post(
    "/submissions/{province}/{period}/reopen",
    summary="Reopen a report with a reason (NTF)",
    response_model=SubmissionOut,
)
def reopen_submission(
    request: Request,
    actor: Annotated[Actor, Require("reports:accept")],
    province: ProvinceCode,
    period: PeriodCode,
    body: ReviewIn,
) -> Any:
    """Reopen; needs national scope and a reason."""
    return _workflow_step(
        request,
        lambda session: provincial.reopen(
            session, actor, province, period, body.reason or "", body.version
        ),
    )


@api_router.get(
    "/submissions/{province}/{period}/history",
    summary="Status history of a report",
    response_model=list[StatusChangeOut],
)
def submission_history(
    request: Request,
    actor: Annotated[Actor, Require("reports:read_province")],
    province: ProvinceCode,
    period: PeriodCode,
) -> Any:
    """Every change of status, oldest first."""
    try:
        with _session(request) as session:
            changes = provincial.status_history(session, province, period, actor=actor)
    except WORKFLOW_ERRORS as error:
        return _problem(request, error)
    return [
        StatusChangeOut(
            from_status=c.from_status.value if c.from_status else None,
            to_status=c.to_status.value,
            actor=c.actor,
            at=c.at,
            reason=c.reason,
            report_version=c.report_version,
        )
        for c in changes
    ]


@api_router.post(
    "/imports",
    summary="Bulk-import reports from a CSV or JSON body",
    response_model=BulkImportOut,
    responses=UPLOAD_PROBLEM_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def bulk_import(request: Request, actor: Annotated[Actor, Require("reports:submit")]) -> Any:
    """Import every report of the body (wide or long CSV, or JSON), all or nothing.

    Problems are 422 with one entry per file row and field.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = BULK_MEDIA_TYPES.get(media_type)
    if suffix is None:
        return problem_response(
            request, 415, "Send the file as text/csv or application/json.",
            title="Unsupported Media Type",
        )  # fmt: skip
    content = await request.body()
    if not content:
        return problem_response(request, 422, "The body is empty.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            with _session(request) as session:
                summary = provincial.import_reports(session, path, actor)
        except provincial.ReportImportError as error:
            errors = [
                FieldProblem(
                    location=f"row {p.line}" + (f".{p.field}" if p.field else ""),
                    message=p.message,
                )
                for p in error.problems
            ]
            detail = f"Nothing imported: {len(error.problems)} problem(s); see errors."
            return problem_response(request, 422, detail, errors=errors)
    return BulkImportOut(
        format=summary.format,
        reports=summary.reports,
        submitted=summary.submitted,
        drafts=summary.drafts,
        unchanged=summary.unchanged,
        warnings=summary.warnings,
    )
