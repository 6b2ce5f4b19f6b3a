"""Case work pages (issue 18, item 3): find a person, the person's case, referral, corrections.

* ``GET /casework/persons``: the person list with filters (role, sex, age group,
  province, agency, own case status, event dates) and sorting, a page at a time, saying
  when the list is cut; no names.
* ``POST /casework/persons/search``: the fuzzy name search (roles reading identities);
  the name stays in the POST body, never in a URL.
* ``GET /persons/{id}/case``: case status, assigned worker, follow-ups, notes (with
  ``case_notes:read``), corrections; forms posting to the routes below.
* ``GET /casework/overdue``: follow-ups past their due date.
* ``GET|POST /persons/{id}/refer``: referral with consent, from the service directory.

Every route parses input, calls one :mod:`tipdata.casefiles` service and renders; the
service checks permission and scope and audits. The JSON API: ``GET
/api/v1/persons/{id}/case``, ``POST /api/v1/persons/search-similar``, ``POST
/api/v1/persons/{id}/notes``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access import Actor, can
from tipdata.casefiles import (
    CORRECTABLE,
    FOLLOW_UP_KINDS,
    MAX_NAME,
    MAX_NOTE,
    NAME_SEARCH_PERMISSION,
    REFERRAL_PERMISSION,
    SORTS,
    PersonFilters,
    add_follow_up,
    case_work,
    complete_follow_up,
    correct_record,
    correctable_records,
    correction_history,
    find_persons,
    fuzzy_search_persons,
    overdue_follow_ups,
    refer_person,
    referral_form,
    update_case_work,
    write_case_note,
)
from tipdata.codelists import load_codelists
from tipdata.store import MAX_INTEGER
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.routes._casefiles import Unprocessable, label, problems, service_answers
from tipdata.web.routes.api import API_V1
from tipdata.web.routes.persons import PublicId
from tipdata.web.templating import language_of, render
from tipdata.web.timestamps import UtcDateTime
from tipdata.web.words import CodeWords

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES, tags=["case work"])

PAGE_SIZE = 50
FollowUpId = Annotated[int, Path(ge=1, le=MAX_INTEGER)]


def _today() -> date:
    return datetime.now().date()


def _words(request: Request) -> CodeWords:
    return CodeWords(language_of(request))


def _choices() -> dict[str, Any]:
    codelists = load_codelists()
    return {
        "roles": ["victim", "returnee", "migrant_worker", "suspect", "witness"],
        "sexes": ["female", "male", "other", "unknown"],
        "age_groups": ["child", "adult"],
        "statuses": ["open", "on_hold", "closed", "none"],
        "provinces": [p.code for p in codelists.provinces],
        "sorts": list(SORTS),
        "kinds": list(FOLLOW_UP_KINDS),
        "fields": list(CORRECTABLE),
    }


@router.get("/casework/persons", response_class=HTMLResponse)
def find_persons_page(
    request: Request,
    actor: Annotated[Actor, Require("persons:read")],
    role: Annotated[str | None, Query(max_length=20)] = None,
    sex: Annotated[str | None, Query(max_length=10)] = None,
    age_group: Annotated[str | None, Query(max_length=10)] = None,
    province: Annotated[str | None, Query(max_length=4)] = None,
    agency: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=10)] = None,
    event_from: date | None = None,
    event_to: date | None = None,
    sort: Annotated[str, Query(max_length=10)] = "newest",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """Persons in scope, filtered and sorted, 50 a page; the page says when more follow."""
    filters = PersonFilters(
        role=role or None, sex=sex or None, age_group=age_group or None,
        province_code=province or None, agency=agency or None, status=status or None,
        event_from=event_from, event_to=event_to,
    )  # fmt: skip
    with service_answers():
        found = find_persons(
            web_context(request).system.db, actor=actor, filters=filters,
            sort=sort,  # type: ignore[arg-type]  # checked by the service
            limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, today=_today(),
        )  # fmt: skip
    query = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "casework_persons.html",
        {
            "persons": found[:PAGE_SIZE], "cut": len(found) > PAGE_SIZE, "page": page,
            "query": query, "label": label, "words": _words(request), **_choices(),
            "may_search": can(actor, NAME_SEARCH_PERMISSION),
        },
    )  # fmt: skip


@router.post("/casework/persons/search", response_class=HTMLResponse)
def similar_names_page(
    request: Request,
    actor: Annotated[Actor, Require("persons:read_identity")],
    _csrf: CsrfChecked,
    name: Annotated[str, Form(max_length=MAX_NAME)] = "",
) -> HTMLResponse:
    """Persons whose name resembles the one typed (it stays in the POST body)."""
    try:
        with service_answers():
            result = fuzzy_search_persons(web_context(request).system.db, name, actor=actor)
    except Unprocessable as exc:
        refused: dict[str, Any] = {"result": None, "error": str(exc), "name": name}
        return render(request, "casework_search.html", refused | {"label": label}, status_code=422)
    context: dict[str, Any] = {"result": result, "error": None, "name": name, "label": label}
    return render(request, "casework_search.html", context)


def _case_context(request: Request, actor: Actor, public_id: str) -> dict[str, Any]:
    db = web_context(request).system.db
    with service_answers():
        work = case_work(db, public_id, actor=actor, today=_today())
        history = correction_history(db, public_id, actor=actor)
        records = correctable_records(db, public_id, actor=actor)
    own = next((c for c in work.cases if c.own), None)
    return {
        "public_id": public_id, "work": work, "own": own, "history": history,
        "own_records": records, "today": _today(), "label": label, "words": _words(request),
        "may_refer": can(actor, REFERRAL_PERMISSION),
        "may_correct": bool(records),
        "max_note": MAX_NOTE, **_choices(),
    }  # fmt: skip


@router.get("/persons/{public_id}/case", response_class=HTMLResponse)
def case_work_page(
    request: Request, actor: Annotated[Actor, Require("persons:read")], public_id: PublicId
) -> HTMLResponse:
    """The person's case: status, worker, follow-ups, notes, corrections."""
    return render(request, "casework.html", _case_context(request, actor, public_id))


def _back(public_id: str) -> RedirectResponse:
    return RedirectResponse(f"/persons/{public_id}/case", status_code=303)


def _refused(request: Request, actor: Actor, public_id: str, exc: Unprocessable) -> Response:
    context = _case_context(request, actor, public_id)
    context["error"] = str(exc)
    return render(request, "casework.html", context, status_code=422)


@router.post("/persons/{public_id}/case", response_class=HTMLResponse)
def update_case_page(
    request: Request,
    actor: Annotated[Actor, Require("casework:manage")],
    _csrf: CsrfChecked,
    public_id: PublicId,
    status: Annotated[str, Form(max_length=10)] = "open",
    assigned_to: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Open, assign, put on hold or close the own agency's case."""
    try:
        with service_answers():
            update_case_work(
                web_context(request).system.db, public_id, actor=actor, status=status,
                assigned_to=assigned_to or None, today=_today(),
            )  # fmt: skip
    except Unprocessable as exc:
        return _refused(request, actor, public_id, exc)
    return _back(public_id)


@router.post("/persons/{public_id}/follow-ups", response_class=HTMLResponse)
def add_follow_up_page(
    request: Request,
    actor: Annotated[Actor, Require("casework:manage")],
    _csrf: CsrfChecked,
    public_id: PublicId,
    kind: Annotated[str, Form(max_length=40)],
    due_on: Annotated[date, Form()],
) -> Response:
    """Set a follow-up with a due date."""
    try:
        with service_answers():
            add_follow_up(
                web_context(request).system.db, public_id, actor=actor, kind=kind, due_on=due_on
            )
    except Unprocessable as exc:
        return _refused(request, actor, public_id, exc)
    return _back(public_id)


@router.post("/follow-ups/{follow_up_id}/done", response_class=HTMLResponse)
def follow_up_done_page(
    request: Request,
    actor: Annotated[Actor, Require("casework:manage")],
    _csrf: CsrfChecked,
    follow_up_id: FollowUpId,
    public_id: Annotated[str, Form(pattern=r"^P[A-Z2-7]{12}$")],
) -> Response:
    """Mark a follow-up done today."""
    with service_answers():
        complete_follow_up(
            web_context(request).system.db, follow_up_id, actor=actor, done_on=_today()
        )
    return _back(public_id)


@router.post("/persons/{public_id}/notes", response_class=HTMLResponse)
def write_note_page(
    request: Request,
    actor: Annotated[Actor, Require("case_notes:create")],
    _csrf: CsrfChecked,
    public_id: PublicId,
    body: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    """Write a case note (encrypted at rest)."""
    try:
        with service_answers():
            write_case_note(web_context(request).system.db, public_id, actor=actor, body=body)
    except Unprocessable as exc:
        return _refused(request, actor, public_id, exc)
    return _back(public_id)


@router.post("/persons/{public_id}/corrections", response_class=HTMLResponse)
def correct_record_page(
    request: Request,
    actor: Annotated[Actor, Require("records:correct")],
    _csrf: CsrfChecked,
    public_id: PublicId,
    record_id: Annotated[int, Form(ge=1, le=MAX_INTEGER)],
    field: Annotated[str, Form(max_length=40)],
    value: Annotated[str, Form(max_length=400)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Correct one field of a record the own agency owns, with a reason."""
    try:
        with service_answers():
            correct_record(
                web_context(request).system.db, public_id, actor=actor, record_id=record_id,
                field=field, value=value, reason=reason,
            )  # fmt: skip
    except Unprocessable as exc:
        return _refused(request, actor, public_id, exc)
    return _back(public_id)


@router.get("/casework/overdue", response_class=HTMLResponse)
def overdue_page(
    request: Request, actor: Annotated[Actor, Require("casework:manage")]
) -> HTMLResponse:
    """Follow-ups past their due date, oldest first; says when the list is cut."""
    found = overdue_follow_ups(
        web_context(request).system.db, actor=actor, today=_today(), limit=PAGE_SIZE + 1
    )
    return render(
        request,
        "casework_overdue.html",
        {"items": found[:PAGE_SIZE], "cut": len(found) > PAGE_SIZE, "today": _today(),
         "label": label},
    )  # fmt: skip


def _refer_context(
    request: Request, actor: Actor, public_id: str, province: str | None, service: str | None
) -> dict[str, Any]:
    with service_answers():
        form = referral_form(
            web_context(request).system.db, public_id, actor=actor, province=province,
            service=service,
        )  # fmt: skip
    return {
        "public_id": public_id, "form": form, "province": province or "",
        "service": service or "", "today": _today(), "label": label,
        "words": _words(request), "provinces": _choices()["provinces"],
    }  # fmt: skip


@router.get("/persons/{public_id}/refer", response_class=HTMLResponse)
def refer_page(
    request: Request,
    actor: Annotated[Actor, Require("referrals:create")],
    public_id: PublicId,
    province: Annotated[str | None, Query(max_length=4)] = None,
    service: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The referral form: the person's records, the service directory, consent."""
    context = _refer_context(request, actor, public_id, province or None, service or None)
    return render(request, "casework_refer.html", context)


@router.post("/persons/{public_id}/refer", response_class=HTMLResponse)
def refer_submit(
    request: Request,
    actor: Annotated[Actor, Require("referrals:create")],
    _csrf: CsrfChecked,
    public_id: PublicId,
    record_id: Annotated[int, Form(ge=1, le=MAX_INTEGER)],
    provider: Annotated[str, Form(max_length=60)],
    consent_on: Annotated[str, Form(max_length=10)] = "",
    by_guardian: Annotated[bool, Form()] = False,
    override_reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Refer with consent (or, for roles allowed to, an override with a reason)."""
    try:
        try:
            consented = date.fromisoformat(consent_on) if consent_on else None
        except ValueError:
            raise Unprocessable("consent_on: a date as YYYY-MM-DD") from None
        with service_answers():
            refer_person(
                web_context(request).system.db, public_id, actor=actor, record_id=record_id,
                provider_code=provider, consent_on=consented, by_guardian=by_guardian,
                override_reason=override_reason or None, referral_date=_today(),
                remote_addr=request.client.host if request.client else None,
            )  # fmt: skip
    except Unprocessable as exc:
        context = _refer_context(request, actor, public_id, None, None)
        context["error"] = str(exc)
        return render(request, "casework_refer.html", context, status_code=422)
    return RedirectResponse(f"/persons/{public_id}", status_code=303)


class CaseWorkOut(BaseModel):
    """An agency's case with the person."""

    agency: str
    status: str
    assigned_to: str | None
    opened_on: date
    closed_on: date | None


class FollowUpOut(BaseModel):
    """A follow-up."""

    follow_up_id: int
    person_public_id: str
    agency: str
    kind: str
    due_on: date
    done_on: date | None
    overdue: bool


class NoteOut(BaseModel):
    """A case note (for roles with ``case_notes:read``)."""

    note_id: int
    written_at: UtcDateTime
    author: str | None
    body: str


class CaseWorkFileOut(BaseModel):
    """The person's case work; ``notes`` is null for roles without ``case_notes:read``."""

    cases: list[CaseWorkOut]
    follow_ups: list[FollowUpOut]
    notes: list[NoteOut] | None


class NameIn(BaseModel):
    """A name as a person would type it (Latin or Khmer script)."""

    name: str = Field(min_length=1, max_length=MAX_NAME)


class SimilarOut(BaseModel):
    """A person whose record's name resembles the one searched."""

    public_id: str
    record_id: int
    agency: str
    role: str
    name: str
    score: float


class SimilarPageOut(BaseModel):
    """The matches; ``cut`` says the scope was larger than one search scans or shows."""

    matches: list[SimilarOut]
    scanned: int
    cut: bool


class NoteIn(BaseModel):
    """A case note."""

    body: str = Field(min_length=1, max_length=MAX_NOTE)


@api_router.get(
    "/persons/{public_id}/case", summary="The person's case work", responses=problems(404)
)
def case_work_api(
    request: Request, actor: Annotated[Actor, Require("persons:read")], public_id: PublicId
) -> CaseWorkFileOut:
    """Status, assigned worker and follow-ups; notes only with ``case_notes:read``."""
    with service_answers():
        work = case_work(web_context(request).system.db, public_id, actor=actor, today=_today())
    return CaseWorkFileOut(
        cases=[CaseWorkOut.model_validate(c, from_attributes=True) for c in work.cases],
        follow_ups=[FollowUpOut.model_validate(f, from_attributes=True) for f in work.follow_ups],
        notes=[NoteOut.model_validate(n, from_attributes=True) for n in work.notes]
        if work.may_read_notes
        else None,
    )


@api_router.post(
    "/persons/search-similar",
    summary="Find persons by a similar name (romanisation keys)",
    responses=problems(422),
)
def similar_names_api(
    request: Request, actor: Annotated[Actor, Require("persons:read_identity")], body: NameIn
) -> SimilarPageOut:
    """Persons in your scope whose name resembles ``name``; the name goes in the body."""
    with service_answers():
        result = fuzzy_search_persons(web_context(request).system.db, body.name, actor=actor)
    return SimilarPageOut(
        matches=[SimilarOut.model_validate(m, from_attributes=True) for m in result.matches],
        scanned=result.scanned,
        cut=result.scan_cut or result.answer_cut,
    )


@api_router.post(
    "/persons/{public_id}/notes",
    summary="Write a case note",
    status_code=201,
    responses=problems(404, 422),
)
def write_note_api(
    request: Request,
    actor: Annotated[Actor, Require("case_notes:create")],
    public_id: PublicId,
    body: NoteIn,
) -> dict[str, int]:
    """A note about the person, encrypted at rest; answers its id."""
    with service_answers():
        note_id = write_case_note(
            web_context(request).system.db, public_id, actor=actor, body=body.body
        )
    return {"note_id": note_id}
