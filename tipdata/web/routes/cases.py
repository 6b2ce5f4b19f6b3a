"""Cases: the case list, the case page and ``GET /api/v1/cases[/{case_id}]``.

Cases are addressed by their integer id (not personal data; cases have no public id).
The service (:func:`tipdata.casefiles.case_details`) filters by the case scope in SQL:
a case of another agency answers 404, like one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, field_validator

from tipdata.access import Actor
from tipdata.casefiles import case_details, list_cases
from tipdata.store import MAX_INTEGER
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.pagination import Page, Pagination, page_of
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.routes._casefiles import OmitAbsent, label, problems, service_answers
from tipdata.web.routes.api import API_V1
from tipdata.web.routes.persons import ChargeOut
from tipdata.web.templating import language_of, render
from tipdata.web.words import CodeWords

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES, tags=["cases"])

CaseId = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="The case id.")]


class CaseSummaryOut(BaseModel):
    """A case in the list."""

    id: int
    case_number: str
    kind: str
    agency: str
    court: str | None
    province_code: str | None
    opened_date: date | None
    closed_date: date | None
    exploitation_types: list[str]
    victims: int
    suspects: int


class CasePersonOut(OmitAbsent):
    """A person of the case; ``name`` is absent for roles that may not read names."""

    person_record_id: int
    person_public_id: str | None = None
    role: str
    agency: str
    name: str | None = None
    sex: str
    birth: str
    province_code: str | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _no_name_is_absent(cls, value: str | None) -> str | None:
        return value or None


class FindingOut(OmitAbsent):
    """A legal finding of the latest check run about a charge of the case."""

    rule: str
    severity: str
    charge_id: int
    article: str | None = None
    message: str


class CaseOut(OmitAbsent):
    """A case as the token's role may see it (fields without a value are left out).

    ``charges`` and ``findings`` are absent for roles without ``charges:read``.
    """

    case: CaseSummaryOut
    description: str | None = None
    destination_country: str | None = None
    people: list[CasePersonOut]
    charges: list[ChargeOut] | None = None
    findings: list[FindingOut] | None = None


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request, actor: Annotated[Actor, Require("cases:read")], page: Pagination
) -> HTMLResponse:
    """Cases in the user's scope, newest first, a page at a time."""
    cases = list_cases(
        web_context(request).system.db, actor=actor, limit=page.limit + 1, before_id=page.after
    )
    return render(
        request,
        "cases.html",
        {
            "page": page_of(cases, page, key=lambda c: c.id),
            "label": label,
            "words": CodeWords(language_of(request)),
        },
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, actor: Annotated[Actor, Require("cases:read")], case_id: CaseId
) -> HTMLResponse:
    """A case: people, charges with articles, verdicts and sentences, legal findings."""
    with service_answers():
        case = case_details(web_context(request).system.db, case_id, actor=actor)
    words = CodeWords(language_of(request))
    return render(request, "case.html", {"file": case, "label": label, "words": words})


@api_router.get("/cases", summary="Cases in your scope, newest first")
def list_cases_api(
    request: Request, actor: Annotated[Actor, Require("cases:read")], page: Pagination
) -> Page[CaseSummaryOut]:
    """Cases of your scope with counts of victims and suspects, a page at a time."""
    cases = list_cases(
        web_context(request).system.db, actor=actor, limit=page.limit + 1, before_id=page.after
    )
    listed = page_of(cases, page, key=lambda c: c.id)
    return Page[CaseSummaryOut](
        items=[CaseSummaryOut.model_validate(c, from_attributes=True) for c in listed.items],
        limit=listed.limit,
        next_cursor=listed.next_cursor,
    )


@api_router.get(
    "/cases/{case_id}",
    summary="One case: people, charges, verdicts, sentences, legal findings",
    responses=problems(404),
)
def get_case_api(
    request: Request, actor: Annotated[Actor, Require("cases:read")], case_id: CaseId
) -> CaseOut:
    """The case as your role may see it; each call is audited."""
    with service_answers():
        case = case_details(web_context(request).system.db, case_id, actor=actor)
    out = CaseOut.model_validate(case, from_attributes=True)
    if case.may_see_charges:
        return out
    return out.model_copy(update={"charges": None, "findings": None})
