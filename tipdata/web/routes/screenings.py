"""Screening entry: the form page and ``POST /api/v1/persons/{public_id}/screenings``.

The form lists every indicator (yes / no / unknown); *Show suggestion* redisplays it
with the rule's suggested determination and its reason (nothing stored), *Save* records
the screening with the user's final determination. Both go through
:mod:`tipdata.casefiles.screenings` (scope, provenance, audit).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tipdata.access import Actor
from tipdata.casefiles import (
    SCREENING_ENTRY_PERMISSION,
    ScreeningEntry,
    record_person_screening,
    screening_form,
)
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.problems import PROBLEM_JSON, PROBLEM_RESPONSES, Problem
from tipdata.web.routes._casefiles import (
    Conflict,
    Unprocessable,
    label,
    problems,
    service_answers,
)
from tipdata.web.routes.api import API_V1
from tipdata.web.routes.persons import PublicId
from tipdata.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES, tags=["screenings"])

ANSWER_PREFIX = "answer:"
Answer = Literal["yes", "no", "unknown"]
DeterminationCode = Literal["victim", "possible_victim", "not_victim"]


class ScreeningIn(BaseModel):
    """A screening as entered.

    Attributes:
        screening_date: the date of the interview (not in the future).
        answers: indicator code -> yes / no / unknown; indicators left out were not asked.
        final_determination: your determination; null to leave it to later.
        person_record_id: which of the person's records to screen; null: one of your
            agency's records, else the first in your scope.
    """

    screening_date: date
    answers: dict[str, Answer] = Field(default_factory=dict, max_length=100)
    final_determination: DeterminationCode | None = None
    person_record_id: int | None = Field(default=None, ge=1)


class ScreeningOut(BaseModel):
    """The stored screening with the rule's suggestion and its reason."""

    screening_id: int
    person_record_id: int
    screening_date: date | None
    agency: str
    answers: dict[str, str]
    suggested_determination: str
    suggestion_score: int
    suggestion_reason: str
    final_determination: str | None
    determined_by: str | None


async def form_answers(request: Request) -> dict[str, str]:
    """Dependency: the ``answer:<indicator>`` fields of the submitted form."""
    form = await request.form()
    return {
        key[len(ANSWER_PREFIX) :]: str(value)
        for key, value in form.multi_items()
        if key.startswith(ANSWER_PREFIX) and isinstance(value, str)
    }


FormAnswers = Annotated[dict[str, str], Depends(form_answers)]


@router.get("/persons/{public_id}/screenings/new", response_class=HTMLResponse)
def screening_page(
    request: Request,
    actor: Annotated[Actor, Require(SCREENING_ENTRY_PERMISSION)],
    public_id: PublicId,
) -> HTMLResponse:
    """The empty screening form for a person."""
    with service_answers():
        form = screening_form(web_context(request).system.db, public_id, actor=actor)
    return render(request, "screening.html", _context(form, {}, None, "", None))


@router.post("/persons/{public_id}/screenings", response_class=HTMLResponse)
def screening_submit(
    request: Request,
    actor: Annotated[Actor, Require(SCREENING_ENTRY_PERMISSION)],
    _csrf: CsrfChecked,
    public_id: PublicId,
    answers: FormAnswers,
    screening_date: Annotated[date, Form()],
    action: Annotated[Literal["preview", "save"], Form()] = "preview",
    final_determination: Annotated[DeterminationCode | Literal[""], Form()] = "",
    person_record_id: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    """Preview the suggestion, or save the screening and go back to the person."""
    db = web_context(request).system.db
    if action == "save":
        entry = ScreeningEntry(
            screening_date=screening_date,
            answers=answers,
            final_determination=final_determination or None,
            person_record_id=person_record_id,
        )
        try:
            with service_answers():
                record_person_screening(db, public_id, entry, actor=actor)
        except (Unprocessable, Conflict) as exc:
            with service_answers():
                form = screening_form(db, public_id, actor=actor, answers=answers)
            context = _context(form, answers, screening_date, final_determination, str(exc))
            return render(request, "screening.html", context, status_code=exc.status)
        return RedirectResponse(f"/persons/{public_id}#screenings", status_code=303)
    with service_answers():
        form = screening_form(db, public_id, actor=actor, answers=answers)
    context = _context(form, answers, screening_date, final_determination, None)
    return render(request, "screening.html", context)


def _context(
    form: object,
    answers: dict[str, str],
    screening_date: date | None,
    final_determination: str,
    error: str | None,
) -> dict[str, object]:
    return {
        "form": form,
        "given": answers,
        "screening_date": screening_date.isoformat() if screening_date else "",
        "final_determination": final_determination,
        "error": error,
        "label": label,
    }


@api_router.post(
    "/persons/{public_id}/screenings",
    summary="Record a screening of a person",
    status_code=201,
    responses={
        **problems(404, 422),
        409: {
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
            "description": "The same screening (record, date, answers) is already recorded.",
        },
    },
)
def record_screening_api(
    request: Request,
    actor: Annotated[Actor, Require(SCREENING_ENTRY_PERMISSION)],
    public_id: PublicId,
    body: ScreeningIn,
) -> ScreeningOut:
    """Store the answers, the rule's suggested determination and your final one (audited)."""
    entry = ScreeningEntry(
        screening_date=body.screening_date,
        answers=dict(body.answers),
        final_determination=body.final_determination,
        person_record_id=body.person_record_id,
    )
    with service_answers():
        result = record_person_screening(
            web_context(request).system.db, public_id, entry, actor=actor
        )
    return ScreeningOut(
        screening_id=result.screening_id,
        person_record_id=result.person_record_id,
        screening_date=result.screening_date,
        agency=result.agency,
        answers=result.answers,
        suggested_determination=result.suggestion.determination.value,
        suggestion_score=result.suggestion.score,
        suggestion_reason=result.suggestion.reason,
        final_determination=(
            result.final_determination.value if result.final_determination else None
        ),
        determined_by=result.determined_by,
    )
