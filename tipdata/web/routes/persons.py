"""Persons: the list, the person page and ``GET /api/v1/persons[/{public_id}]``.

Routes parse input, call one :mod:`tipdata.casefiles` service and render; the service
filters by scope in SQL, applies the role's output schema and audits the view. A
person is addressed by the opaque public id only, never by a name; the exact-name
search (blind index) takes the name in a POST body — page form or
``POST /api/v1/persons/search`` — so that a name never lands in a URL or an access log;
likewise the identity-document search (``POST /api/v1/persons/search-by-document``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator

from tipdata.access import Actor, can
from tipdata.casefiles import (
    MAX_DOCUMENT_NUMBER,
    MAX_NAME,
    NAME_SEARCH_PERMISSION,
    SCREENING_ENTRY_PERMISSION,
    indicator_names,
    list_persons,
    person_profile,
    search_persons_by_document,
    search_persons_by_name,
)
from tipdata.web.auth import Require
from tipdata.web.context import web_context
from tipdata.web.csrf import CsrfChecked
from tipdata.web.pagination import Page, Pagination, page_of
from tipdata.web.problems import PROBLEM_RESPONSES
from tipdata.web.routes._casefiles import (
    OmitAbsent,
    Unprocessable,
    label,
    problems,
    service_answers,
)
from tipdata.web.routes.api import API_V1
from tipdata.web.templating import language_of, render
from tipdata.web.timestamps import UtcDateTime
from tipdata.web.words import CodeWords

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix=API_V1, responses=PROBLEM_RESPONSES, tags=["persons"])

PUBLIC_ID = r"^P[A-Z2-7]{12}$"
PublicId = Annotated[
    str, Path(pattern=PUBLIC_ID, description="The person's opaque public id, e.g. PK3X7Q2MZB4WA.")
]


class PersonSummaryOut(BaseModel):
    """A person in the list (no name)."""

    public_id: str
    records: int
    roles: list[str]
    agencies: list[str]


class NameSearchIn(BaseModel):
    """An exact-name search (case, spacing and Unicode form do not matter; spelling does)."""

    name: str = Field(min_length=1, max_length=MAX_NAME)


class DocumentSearchIn(BaseModel):
    """An exact document-number search (spaces, hyphens and case do not matter)."""

    number: str = Field(min_length=1, max_length=MAX_DOCUMENT_NUMBER)


class DocumentOut(BaseModel):
    """An identity document of one of the person's records (for roles reading identities)."""

    person_record_id: int
    kind: str
    number: str
    issuing_country: str | None
    issue_date: date | None
    expiry_date: date | None


class NameMatchOut(BaseModel):
    """A person record whose family, given or full name matched."""

    public_id: str | None
    record_id: int
    agency: str
    role: str
    name: str | None
    birth: str
    province_code: str | None


class PersonRecordOut(OmitAbsent):
    """One agency's record of the person; ``name`` is absent for roles that may not read it."""

    record_id: int
    agency: str
    source: str
    source_key: str
    role: str
    name: str | None = None
    sex: str
    birth: str
    province_code: str | None

    @field_validator("name", mode="before")
    @classmethod
    def _no_name_is_absent(cls, value: str | None) -> str | None:
        return value or None


class TimelineStepOut(BaseModel):
    """One step of the person's pathway."""

    pathway: str
    stage: str
    on: date | None
    agency: str
    origin: str
    person_record_id: int
    case_id: int | None


class ReferralOut(BaseModel):
    """A referral of one of the person's records."""

    referral_id: int
    person_record_id: int
    referral_date: date | None
    from_agency: str
    to: str
    status: str
    consent_recorded: bool


class ScreeningSummaryOut(BaseModel):
    """A screening of one of the person's records."""

    screening_id: int
    person_record_id: int
    screening_date: date | None
    agency: str
    answers: dict[str, str]
    suggested_determination: str | None
    final_determination: str | None
    determined_by: str | None


class ChargeOut(BaseModel):
    """A charge: the article as resolved from the law catalogue, verdict and sentence."""

    charge_id: int
    case_id: int
    case_number: str
    suspect_record_id: int
    article: str | None
    article_title: str | None
    trafficking_offence: bool | None
    article_as_written: str | None
    outcome: str
    verdict_date: date | None
    sentence_months: int | None
    suspended_months: int | None
    fine_riel: int | None
    compensation_riel: int | None
    compensation_paid: bool | None


class AccessOut(BaseModel):
    """One access to the person, from the audit log (shown to an owning agency only)."""

    occurred_at: UtcDateTime
    username: str | None
    action: str


class PersonOut(OmitAbsent):
    """A person as the token's role may see them (fields without a value are left out).

    ``referrals`` is absent for roles without ``referrals:read``, ``screenings`` for roles
    without ``screenings:read``, ``charges`` for roles without ``charges:read``; ``name``
    of a record and ``documents`` are absent for roles without ``persons:read_identity``;
    ``accesses`` (who accessed the person) is present only when your agency owns one of the
    person's records, and lists reads by your agency's users, national users and the
    command line only (other agencies' reads are in the audit log).
    """

    public_id: str
    status: str
    merged_into: str | None = None
    records: list[PersonRecordOut]
    timeline: list[TimelineStepOut]
    referrals: list[ReferralOut] | None = None
    screenings: list[ScreeningSummaryOut] | None = None
    charges: list[ChargeOut] | None = None
    accesses: list[AccessOut] | None = None
    """Who accessed the person: present only when your agency owns one of its records."""
    documents: list[DocumentOut] | None = None
    """Identity documents (passport, national id, worker id) of the records: present only
    for roles with ``persons:read_identity``."""


@router.get("/persons", response_class=HTMLResponse)
def persons_page(
    request: Request,
    actor: Annotated[Actor, Require("persons:read")],
    page: Pagination,
    find: Annotated[str | None, Query(max_length=13, pattern=PUBLIC_ID)] = None,
) -> Response:
    """Persons in the user's scope, newest first; ``find`` opens a person by public id."""
    if find:
        return RedirectResponse(f"/persons/{find}", status_code=303)
    persons = list_persons(
        web_context(request).system.db, actor=actor, limit=page.limit + 1, before_id=page.after
    )
    return render(
        request,
        "persons.html",
        {
            "page": page_of(persons, page, key=lambda person: person.id),
            "label": label,
            "may_search": can(actor, NAME_SEARCH_PERMISSION, web_context(request).access.policy),
        },
    )


@router.post("/persons/search", response_class=HTMLResponse)
def persons_search_page(
    request: Request,
    actor: Annotated[Actor, Require("persons:read_identity")],
    _csrf: CsrfChecked,
    name: Annotated[str, Form(max_length=MAX_NAME)] = "",
) -> HTMLResponse:
    """The records whose name is exactly the one typed (the name stays in the POST body)."""
    try:
        with service_answers():
            matches = search_persons_by_name(web_context(request).system.db, name, actor=actor)
    except Unprocessable as exc:
        context = {"matches": [], "error": str(exc), "name": name, "label": label}
        return render(request, "persons_search.html", context, status_code=422)
    context = {"matches": matches, "error": None, "name": name, "label": label}
    return render(request, "persons_search.html", context)


@router.post("/persons/search-by-document", response_class=HTMLResponse)
def persons_document_search_page(
    request: Request,
    actor: Annotated[Actor, Require("persons:read_identity")],
    _csrf: CsrfChecked,
    number: Annotated[str, Form(max_length=MAX_DOCUMENT_NUMBER)] = "",
) -> HTMLResponse:
    """The records holding a document with exactly this number (kept in the POST body)."""
    context: dict[str, object] = {"number": number, "label": label, "by_document": True}
    try:
        with service_answers():
            matches = search_persons_by_document(
                web_context(request).system.db, number, actor=actor
            )
    except Unprocessable as exc:
        context.update(matches=[], error=str(exc))
        return render(request, "persons_search.html", context, status_code=422)
    context.update(matches=matches, error=None)
    return render(request, "persons_search.html", context)


@router.get("/persons/{public_id}", response_class=HTMLResponse)
def person_page(
    request: Request, actor: Annotated[Actor, Require("persons:read")], public_id: PublicId
) -> HTMLResponse:
    """A person: records by agency, pathway timeline, referrals, screenings and charges."""
    web = web_context(request)
    with service_answers():
        profile = person_profile(web.system.db, public_id, actor=actor)
    return render(
        request,
        "person.html",
        {
            "person": profile,
            "label": label,
            "words": CodeWords(language_of(request)),
            "indicators": indicator_names(language_of(request)),
            "may_screen": can(actor, SCREENING_ENTRY_PERMISSION, web.access.policy),
        },
    )


@api_router.get("/persons", summary="Persons in your scope, newest first")
def list_persons_api(
    request: Request, actor: Annotated[Actor, Require("persons:read")], page: Pagination
) -> Page[PersonSummaryOut]:
    """Persons with at least one record in your scope, without names, a page at a time."""
    persons = list_persons(
        web_context(request).system.db, actor=actor, limit=page.limit + 1, before_id=page.after
    )
    listed = page_of(persons, page, key=lambda person: person.id)
    return Page[PersonSummaryOut](
        items=[PersonSummaryOut.model_validate(p, from_attributes=True) for p in listed.items],
        limit=listed.limit,
        next_cursor=listed.next_cursor,
    )


@api_router.post(
    "/persons/search", summary="Find person records by exact name", responses=problems(422)
)
def search_persons_api(
    request: Request,
    actor: Annotated[Actor, Require("persons:read_identity")],
    body: NameSearchIn,
) -> list[NameMatchOut]:
    """Records in your scope whose family, given or full name is exactly ``name``; audited.

    The name goes in the body, never in the URL.
    """
    with service_answers():
        matches = search_persons_by_name(web_context(request).system.db, body.name, actor=actor)
    return [NameMatchOut.model_validate(match, from_attributes=True) for match in matches]


@api_router.post(
    "/persons/search-by-document",
    summary="Find person records by identity-document number",
    responses=problems(422),
)
def search_persons_by_document_api(
    request: Request,
    actor: Annotated[Actor, Require("persons:read_identity")],
    body: DocumentSearchIn,
) -> list[NameMatchOut]:
    """Records in your scope holding a passport, national id or worker id with this number.

    Spaces, hyphens and case do not matter; the number goes in the body, never in the URL.
    Audited with the record ids, never the number.
    """
    with service_answers():
        matches = search_persons_by_document(
            web_context(request).system.db, body.number, actor=actor
        )
    return [NameMatchOut.model_validate(match, from_attributes=True) for match in matches]


@api_router.get(
    "/persons/{public_id}",
    summary="One person: records, pathway, referrals, screenings, charges",
    responses=problems(404),
)
def get_person_api(
    request: Request, actor: Annotated[Actor, Require("persons:read")], public_id: PublicId
) -> PersonOut:
    """The person as your role may see them; each call is audited."""
    with service_answers():
        profile = person_profile(web_context(request).system.db, public_id, actor=actor)
    out = PersonOut.model_validate(profile, from_attributes=True)
    return out.model_copy(
        update={
            "referrals": out.referrals if profile.may_see_referrals else None,
            "screenings": out.screenings if profile.may_see_screenings else None,
            "charges": out.charges if profile.may_see_charges else None,
            "documents": out.documents if profile.may_see_documents else None,
        }
    )
