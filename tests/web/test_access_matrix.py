"""The access matrix: every route × every role × data ownership gives the expected answer.

The reference table below, :data:`ROUTES`, classifies every route of the app: which
roles may use it at all, which kind of record it addresses, and what it answers on
success. The reach tables (:data:`PERSON_REACH`, :data:`CASE_REACH`, ...) say which
seeded records each role may see, by ownership: own or other agency, own or other
province (the world of :mod:`tests.web.access_world`). A route missing from the
table fails the test, so every new route must be classified here.

Every route is then driven with every role and anonymously — pages with a signed-in
session (forms with the session's CSRF token), the API with the role's bearer token —
and the answer compared with the table: allowed (the route's success status),
403 (the role lacks the permission, or a provincial report out of its province),
404 (a person, case or pair outside the role's scope: its existence is not revealed),
or, anonymously, 401 (API) or a redirect to the sign-in page. A refused change must
also change nothing.

Canary scan: every protected field of every seeded person record holds a unique
canary. No response (body or headers) may contain a canary of a record the role may
not see by name; for roles without ``persons:read_identity`` that is every canary.
No log line may contain one either.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

from tests.web.access_world import (
    CANARY,
    CASES,
    OTHER_PROVINCE,
    OWN_PROVINCE,
    PASSWORD,
    PERIOD,
    REPORT_PROVINCES,
    REPORT_VALUES,
    SEED_RECORDS,
    AccessWorld,
    RoleUser,
)
from tests.web.conftest import BASE_URL, FAST, csrf_of
from tipdata.access import Passwords, add_user, default_policy
from tipdata.provincial import submissions
from tipdata.store import AppUser, Database, PersonRecord, ReviewPair, Screening
from tipdata.web.csrf import token_for

NTF = "ntf_data_officer"
FOCAL = "provincial_focal_point"
POLICE = "police_analyst"
SOCIAL = "social_worker"
NGO = "ngo_case_worker"
CLERK = "court_clerk"
READER = "statistics_reader"
MOLVT = "molvt_officer"
AUDITOR = "auditor"
ADMIN = "administrator"
ROLES = (NTF, FOCAL, POLICE, SOCIAL, NGO, CLERK, READER, MOLVT, AUDITOR, ADMIN)
ANONYMOUS = None
EVERYONE = frozenset(ROLES)

IDENTITY_READERS = frozenset({NTF, POLICE, SOCIAL, NGO})
"""Roles that may read names (``persons:read_identity``), within their reach."""

PERSON_READERS = frozenset({NTF, POLICE, SOCIAL, NGO, CLERK})
CASE_READERS = frozenset({NTF, POLICE, CLERK})
SCREENERS = frozenset({NTF, SOCIAL, NGO})
REVIEWERS = frozenset({NTF})
CASE_WORKERS = frozenset({NTF, SOCIAL, NGO})
"""``casework:manage`` (and ``records:correct``, ``referrals:create``: the same roles)."""
NOTE_WRITERS = frozenset({SOCIAL, NGO})
IMPORTERS = frozenset({NTF})
LINKERS = frozenset({NTF})
AUDITORS = frozenset({AUDITOR})
ADMINS = frozenset({ADMIN})
REPORT_USERS = frozenset({NTF, FOCAL})

ALL_PERSONS = frozenset(record.key for record in SEED_RECORDS)
PERSON_REACH: dict[str, frozenset[str]] = {
    NTF: ALL_PERSONS,
    POLICE: frozenset({"MOI-02-victim", "MOI-02-suspect", "MOI-12-victim"}),
    CLERK: frozenset({"PPMC-02-victim", "PPMC-02-suspect", "PPMC-12-victim"}),
    # province 02 of any agency, victims only
    SOCIAL: frozenset({"MOI-02-victim", "PPMC-02-victim"}),
    # AFESIP owns none of them; the MOI victim of province 12 was referred to its shelter
    NGO: frozenset({"MOI-12-victim"}),
}
"""Which seeded persons each role may open (own agency, own province, referred clients)."""

CASE_REACH: dict[str, frozenset[str]] = {
    NTF: frozenset(CASES),
    POLICE: frozenset({"MOI-02", "MOI-12"}),
    CLERK: frozenset({"PPMC-02", "PPMC-12"}),
}
REPORT_REACH: dict[str, frozenset[str]] = {
    NTF: frozenset(REPORT_PROVINCES),
    FOCAL: frozenset({OWN_PROVINCE}),
}
"""Provincial reports a role may read, save and submit (a focal point: its province)."""

REVIEW_REACH: dict[str, frozenset[str]] = {NTF: frozenset(REPORT_PROVINCES)}
"""Provincial reports a role may accept and reopen (national users only)."""

PUBLISHED_READERS = frozenset({NTF, FOCAL, POLICE, SOCIAL, NGO, CLERK, READER, MOLVT})
PUBLISHERS = frozenset({NTF})
FILE_FORMATS = ("csv", "xlsx")
CHARTS = ("trend", "exploitation", "destination", "funnel", "completeness")
CHART_REACH: dict[str, frozenset[str]] = {
    role: frozenset(CHARTS if role in REPORT_USERS else set(CHARTS) - {"completeness"})
    for role in PUBLISHED_READERS
}
"""Dashboard charts a role may draw: provincial completeness needs ``reports:read_province``."""

Target = Literal["none", "person", "case", "pair", "report", "chart", "user", "format"]
Prepare = Literal["editable", "submitted"]
Expect = str
"""An outcome: an HTTP status as text, or ``"login"`` for a redirect to the sign-in page."""


@dataclass
class Call:
    """What the harness knows when it builds one request."""

    world: AccessWorld
    db: Database
    role: str | None
    target: str | None
    target_id: str
    csrf: str
    serial: int = 0
    """Number of the request: makes each entered screening distinct (a new date)."""
    client: TestClient | None = None
    sent: set[str] = field(default_factory=set)
    """Canaries the request itself sends (a searched name may be shown back to its sender)."""

    @property
    def screening_date(self) -> str:
        """A distinct interview date per request: the matrix tests access, not duplicates."""
        return (date(2008, 3, 1) + timedelta(days=self.serial)).isoformat()


Body = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """One row of the reference table.

    Attributes:
        allowed: roles that hold the route's permission (empty: public route).
        target: the kind of record in the path; its reach table decides own/other.
        ok: the outcome for an allowed role on a record in its reach.
        hidden: the outcome for an allowed role on a record outside its reach.
        public: the outcome for anyone (public routes), anonymous first, signed in second.
        form: a page form: it carries the CSRF token (and is also tried with a forged one).
        prepare: bring the provincial report to this state before the request.
        reach: which reach table applies to report targets.
        body: the request's form, JSON or content.
        query: the query string added to the URL.
    """

    allowed: frozenset[str]
    target: Target = "none"
    ok: Expect = "200"
    hidden: Expect = "404"
    public: tuple[Expect, Expect] | None = None
    form: bool = False
    prepare: Prepare | None = None
    reach: Literal["read", "review"] = "read"
    body: Body | None = None
    query: str = ""


def _report_version(call: Call) -> int:
    with call.db.session() as session:
        view = submissions.get_report(session, call.target_id, PERIOD)
    assert view is not None
    return view.version


def _pair_status(call: Call) -> str:
    with call.db.session() as session:
        status = session.scalar(
            sa.select(ReviewPair.status).where(ReviewPair.id == int(call.target_id))
        )
    return str(status.value if status is not None else "pending")


def _login_form(call: Call) -> dict[str, Any]:
    # one unknown name per caller: the sign-in throttle counts failures per (name, address)
    username = f"nobody-{call.role or 'anonymous'}"
    return {"data": {"csrf_token": call.csrf, "username": username, "password": "x", "code": ""}}


def _language_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "language": "km", "next": "/dashboard"}}


def _csrf_only(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf}}


def _report_form(call: Call) -> dict[str, Any]:
    values = {name: str(value) for name, value in REPORT_VALUES.items()}
    data = {"csrf_token": call.csrf, "action": "save", "version": str(_report_version(call))}
    return {"data": data | values}


def _accept_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "version": str(_report_version(call))}}


def _reopen_form(call: Call) -> dict[str, Any]:
    version = str(_report_version(call))
    return {"data": {"csrf_token": call.csrf, "version": version, "reason": "access matrix"}}


def _put_report(call: Call) -> dict[str, Any]:
    return {"json": {"version": _report_version(call), "values": REPORT_VALUES}}


def _submit_report(call: Call) -> dict[str, Any]:
    return {"json": {"version": _report_version(call)}}


def _accept_report(call: Call) -> dict[str, Any]:
    return {"json": {"version": _report_version(call)}}


def _reopen_report(call: Call) -> dict[str, Any]:
    return {"json": {"version": _report_version(call), "reason": "access matrix"}}


def _bulk_import(call: Call) -> dict[str, Any]:
    report = {"province": call.target_id, "period": PERIOD, "values": REPORT_VALUES}
    return {"json": {"data_set": "PWG_BIWEEKLY", "reports": [report]}}


def _review_form(call: Call) -> dict[str, Any]:
    data = {"csrf_token": call.csrf, "decision": "different", "expected_status": _pair_status(call)}
    return {"data": data}


def _review_api(call: Call) -> dict[str, Any]:
    return {"json": {"decision": "different", "expected_status": _pair_status(call)}}


def _new_user_form(call: Call) -> dict[str, Any]:
    data = {
        "csrf_token": call.csrf, "username": f"matrix-new-{call.serial}",
        "display_name": "Matrix user", "role": READER, "agency": "NTF",
        "password": "a long enough synthetic passphrase 42",
    }  # fmt: skip
    return {"data": data}


def _password_form(call: Call) -> dict[str, Any]:
    wrong = {"current_password": "not the password", "new_password": "x", "confirm_password": "x"}
    return {"data": {"csrf_token": call.csrf, **wrong}}


def _password_api(call: Call) -> dict[str, Any]:
    return {"json": {"current_password": "not the password", "new_password": "tonle sap boats"}}


def _token_api(call: Call) -> dict[str, Any]:
    return {"json": {"name": "access matrix", "days": 1}}


def _token_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "name": "access matrix", "days": "1"}}


def _setup_form(call: Call) -> dict[str, Any]:
    new = {"new_password": "tonle sap river boats", "confirm_password": "tonle sap river boats"}
    return {"data": {"csrf_token": call.csrf, "token": "tdp_unknown", **new}}


def _grant_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "role": AUDITOR}}


def _grant_api(call: Call) -> dict[str, Any]:
    return {"json": {"role": AUDITOR}}


def _publish_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "start": "2008-01-01", "end": "2008-12-31"}}


UPLOAD_HEADER = (
    "Person Ref,Case No,Role,Name,Sex,Age,Event Date,Nationality,Home Province,"
    "Exploitation,Destination,Case Status\n"
)


def _upload_file(call: Call) -> tuple[str, bytes, str]:
    row = f"UP-{call.serial},UPLOAD-{call.serial},victim,Matrix Upload,F,30,03-03-2008,Khmer,02,"
    content = (UPLOAD_HEADER + row + "labour,Thailand,open\n").encode()
    return (f"moi_police_register_{call.serial}.csv", content, "text/csv")


def _upload_form(call: Call) -> dict[str, Any]:
    data = {"csrf_token": call.csrf, "source": "moi_police_register"}
    return {"data": data, "files": {"file": _upload_file(call)}}


def _upload_api(call: Call) -> dict[str, Any]:
    data = {"source": "moi_police_register", "dry_run": "true"}
    return {"data": data, "files": {"file": _upload_file(call)}}


STAGED_TOKEN = re.compile(r'name="token" value="([0-9a-f]{32})"')


def _confirm_form(call: Call) -> dict[str, Any]:
    """Stage a file as the same caller first (the token is the caller's own)."""
    assert call.client is not None
    staged = call.client.post("/imports/new", **_upload_form(call))
    match = STAGED_TOKEN.search(staged.text)
    token = match.group(1) if match else "0" * 32
    return {"data": {"csrf_token": call.csrf, "token": token, "source": "moi_police_register"}}


def _linkage_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "mode": "incremental"}}


def _linkage_api(call: Call) -> dict[str, Any]:
    return {"json": {"mode": "incremental"}}


def _search_name(call: Call) -> str:
    name = next(r.canaries[0] for r in SEED_RECORDS if r.key == call.target)
    call.sent.add(name)
    return name


def _search_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "name": _search_name(call)}}


def _search_api(call: Call) -> dict[str, Any]:
    return {"json": {"name": _search_name(call)}}


def _document_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "number": "N0123456"}}


def _document_api(call: Call) -> dict[str, Any]:
    return {"json": {"number": "N0123456"}}


def _screening_form(call: Call) -> dict[str, Any]:
    data = {"csrf_token": call.csrf, "action": "save", "screening_date": call.screening_date}
    return {"data": data}


def _case_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "status": "open", "assigned_to": ""}}


def _follow_up_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "kind": "home_visit", "due_on": "2008-04-01"}}


def _done_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "public_id": "PAAAAAAAAAAAA"}}


def _note_form(call: Call) -> dict[str, Any]:
    return {"data": {"csrf_token": call.csrf, "body": "Visited; no change."}}


def _note_api(call: Call) -> dict[str, Any]:
    return {"json": {"body": "Visited; no change."}}


def _correction_form(call: Call) -> dict[str, Any]:
    data = {"csrf_token": call.csrf, "record_id": "999999", "field": "sex", "value": "female",
            "reason": "checked with the person"}  # fmt: skip
    return {"data": data}


def _refer_form(call: Call) -> dict[str, Any]:
    data = {"csrf_token": call.csrf, "record_id": "999999", "provider": "NO-SUCH-PROVIDER",
            "consent_on": "2008-03-01"}  # fmt: skip
    return {"data": data}


def _screening_api(call: Call) -> dict[str, Any]:
    return {"json": {"screening_date": call.screening_date, "answers": {}}}


ROUTES: dict[tuple[str, str], Rule] = {
    # --- public: the sign-in flow, the language switch, static files ----------------
    ("GET", "/"): Rule(frozenset(), public=("login", "303")),
    ("GET", "/login"): Rule(frozenset(), public=("200", "303")),
    ("POST", "/login"): Rule(frozenset(), public=("401", "401"), form=True, body=_login_form),
    ("POST", "/language"): Rule(frozenset(), public=("303", "303"), form=True, body=_language_form),
    ("POST", "/logout"): Rule(frozenset(), public=("login", "login"), form=True, body=_csrf_only),
    ("GET", "/static"): Rule(frozenset(), public=("200", "200")),
    # --- any signed-in user ---------------------------------------------------------
    ("GET", "/dashboard"): Rule(EVERYONE, query="year=2008"),
    ("GET", "/api/v1/dashboard"): Rule(EVERYONE, query="year=2008"),
    ("GET", "/dashboard/charts/{name}.svg"): Rule(
        PUBLISHED_READERS, "chart", hidden="403", query="year=2008"
    ),
    ("GET", "/docs/api"): Rule(EVERYONE),
    ("GET", "/docs/api/openapi.json"): Rule(EVERYONE),
    ("GET", "/api/v1/openapi.json"): Rule(EVERYONE),
    ("GET", "/api/v1/me"): Rule(EVERYONE),
    # own password: a wrong current password changes nothing (400), so the caller goes on
    ("GET", "/account/password"): Rule(EVERYONE),
    ("POST", "/account/password"): Rule(EVERYONE, ok="400", form=True, body=_password_form),
    ("POST", "/api/v1/account/password"): Rule(EVERYONE, ok="400", body=_password_api),
    # API tokens: each caller lists and issues its own; an unknown token id is refused
    ("GET", "/api/v1/tokens"): Rule(EVERYONE),
    ("POST", "/api/v1/tokens"): Rule(EVERYONE, body=_token_api),
    ("POST", "/api/v1/tokens/{token_id}/revoke"): Rule(EVERYONE, ok="400"),
    # the account page: each caller sees, issues and revokes its own tokens only
    ("GET", "/account"): Rule(EVERYONE),
    ("POST", "/account/tokens"): Rule(EVERYONE, form=True, body=_token_form),
    ("POST", "/account/tokens/{token_id}/revoke"): Rule(
        EVERYONE, ok="404", form=True, body=_csrf_only
    ),
    # a set-password link: anyone may open one; an unknown token sets nothing
    ("GET", "/account/setup/{token}"): Rule(frozenset(), public=("400", "400")),
    ("POST", "/account/setup"): Rule(
        frozenset(), public=("400", "400"), form=True, body=_setup_form
    ),
    # --- imports and the audit log ---------------------------------------------------
    ("GET", "/imports"): Rule(IMPORTERS),
    ("GET", "/imports/new"): Rule(IMPORTERS),
    ("POST", "/imports/new"): Rule(IMPORTERS, form=True, body=_upload_form),
    ("POST", "/imports/confirm"): Rule(IMPORTERS, ok="303", form=True, body=_confirm_form),
    ("POST", "/api/v1/imports"): Rule(IMPORTERS, body=_upload_api),
    ("GET", "/api/v1/imports"): Rule(IMPORTERS),
    ("GET", "/imports/{run_id}"): Rule(IMPORTERS),
    ("GET", "/api/v1/imports/{run_id}"): Rule(IMPORTERS),
    # --- linkage runs: the world was linked with its own thresholds, so an incremental run
    # is refused (the page says why, 422; the API 400) and the world's persons stay as made
    ("GET", "/linkage"): Rule(LINKERS),
    ("POST", "/linkage/run"): Rule(LINKERS, ok="422", form=True, body=_linkage_form),
    ("GET", "/api/v1/linkage/runs"): Rule(LINKERS),
    ("POST", "/api/v1/linkage/runs"): Rule(LINKERS, ok="400", body=_linkage_api),
    # a run in the background: refused the same way before any job starts; no job 999999
    ("POST", "/api/v1/linkage/jobs"): Rule(LINKERS, ok="400", body=_linkage_api),
    ("GET", "/linkage/jobs/{job_id}"): Rule(LINKERS, ok="404"),
    ("GET", "/api/v1/linkage/jobs/{job_id}"): Rule(LINKERS, ok="404"),
    ("GET", "/admin/audit"): Rule(AUDITORS),
    ("GET", "/admin/audit/verify"): Rule(AUDITORS),
    ("GET", "/admin/audit/releases"): Rule(AUDITORS),
    ("GET", "/api/v1/audit-events"): Rule(AUDITORS),
    # --- TIP report tables, their exports and their release --------------------------
    ("GET", "/reports"): Rule(PUBLISHED_READERS, query="year=2008"),
    ("GET", "/reports/indicators"): Rule(PUBLISHERS, query="year=2008"),
    ("GET", "/reports/tip.{file_format}"): Rule(PUBLISHED_READERS, "format", query="year=2008"),
    ("GET", "/api/v1/reports/tip"): Rule(PUBLISHED_READERS, query="year=2008"),
    ("GET", "/api/v1/reports/tip/releases"): Rule(PUBLISHED_READERS),
    ("GET", "/api/v1/reports/tip.{file_format}"): Rule(
        PUBLISHED_READERS, "format", query="year=2008"
    ),
    # without confirm=yes the publish form shows the preview and releases nothing
    ("POST", "/reports/publish"): Rule(PUBLISHERS, form=True, body=_publish_form),
    ("GET", "/reports/publish/preview"): Rule(PUBLISHERS, query="start=2008-01-01&end=2008-12-31"),
    ("GET", "/reports/releases"): Rule(PUBLISHED_READERS),
    # no such release: 404 for whoever may read releases, 403 for the others
    ("GET", "/reports/releases/{release_id}.{file_format}"): Rule(
        PUBLISHED_READERS, "format", ok="404"
    ),
    # no such table (and, for readers, no release of the period): 404 past the permission
    ("GET", "/reports/explain"): Rule(
        PUBLISHED_READERS,
        ok="404",
        query="start=2008-01-01&end=2008-12-31&table=none&row=x&column=y",
    ),
    ("POST", "/api/v1/reports/tip/publish"): Rule(PUBLISHERS, query="year=2008"),
    # --- user administration: the targets are fresh accounts made for each request ---
    ("GET", "/admin/users"): Rule(ADMINS),
    # a reader has no data access: the page answers with its set-password link (200)
    ("POST", "/admin/users"): Rule(ADMINS, ok="200", form=True, body=_new_user_form),
    ("POST", "/admin/users/{username}/disable"): Rule(
        ADMINS, "user", ok="303", form=True, body=_csrf_only
    ),
    ("POST", "/admin/users/{username}/role"): Rule(
        ADMINS, "user", ok="303", form=True, body=_grant_form
    ),
    ("POST", "/admin/users/{username}/approve"): Rule(
        ADMINS, "user", ok="400", form=True, body=_csrf_only
    ),
    ("POST", "/api/v1/users/{username}/approve"): Rule(ADMINS, "user", ok="400"),
    ("POST", "/admin/users/{username}/unlock"): Rule(
        ADMINS, "user", ok="303", form=True, body=_csrf_only
    ),
    ("GET", "/api/v1/users"): Rule(ADMINS),
    ("POST", "/api/v1/users/{username}/unlock"): Rule(ADMINS, "user"),
    ("POST", "/api/v1/users/{username}/disable"): Rule(ADMINS, "user"),
    ("POST", "/api/v1/users/{username}/role"): Rule(ADMINS, "user", body=_grant_api),
    # --- persons, cases, screenings, review ------------------------------------------
    ("GET", "/persons"): Rule(PERSON_READERS),
    ("GET", "/api/v1/persons"): Rule(PERSON_READERS),
    ("GET", "/persons/{public_id}"): Rule(PERSON_READERS, "person"),
    # exact-name search: always answered, but only persons in reach are found
    ("POST", "/persons/search"): Rule(
        IDENTITY_READERS, "person", hidden="200", form=True, body=_search_form
    ),
    ("POST", "/api/v1/persons/search"): Rule(
        IDENTITY_READERS, "person", hidden="200", body=_search_api
    ),
    # document search: the same readers as the name search (the number in the body)
    ("POST", "/persons/search-by-document"): Rule(
        IDENTITY_READERS, "person", hidden="200", form=True, body=_document_form
    ),
    ("POST", "/api/v1/persons/search-by-document"): Rule(
        IDENTITY_READERS, "person", hidden="200", body=_document_api
    ),
    ("GET", "/api/v1/persons/{public_id}"): Rule(PERSON_READERS, "person"),
    ("GET", "/cases"): Rule(CASE_READERS),
    ("GET", "/api/v1/cases"): Rule(CASE_READERS),
    ("GET", "/cases/{case_id}"): Rule(CASE_READERS, "case"),
    ("GET", "/api/v1/cases/{case_id}"): Rule(CASE_READERS, "case"),
    ("GET", "/persons/{public_id}/screenings/new"): Rule(SCREENERS, "person"),
    ("POST", "/persons/{public_id}/screenings"): Rule(
        SCREENERS, "person", ok="303", form=True, body=_screening_form
    ),
    ("POST", "/api/v1/persons/{public_id}/screenings"): Rule(
        SCREENERS, "person", ok="201", body=_screening_api
    ),
    # --- case work: a record of another agency, an unknown record or provider is 422 ---
    ("GET", "/casework/persons"): Rule(PERSON_READERS),
    ("POST", "/casework/persons/search"): Rule(
        IDENTITY_READERS, "person", hidden="200", form=True, body=_search_form
    ),
    ("POST", "/api/v1/persons/search-similar"): Rule(
        IDENTITY_READERS, "person", hidden="200", body=_search_api
    ),
    ("GET", "/persons/{public_id}/case"): Rule(PERSON_READERS, "person"),
    ("GET", "/api/v1/persons/{public_id}/case"): Rule(PERSON_READERS, "person"),
    ("POST", "/persons/{public_id}/case"): Rule(
        CASE_WORKERS, "person", ok="303", form=True, body=_case_form
    ),
    ("POST", "/persons/{public_id}/follow-ups"): Rule(
        CASE_WORKERS, "person", ok="303", form=True, body=_follow_up_form
    ),
    ("POST", "/follow-ups/{follow_up_id}/done"): Rule(
        CASE_WORKERS, ok="404", form=True, body=_done_form
    ),
    ("POST", "/persons/{public_id}/notes"): Rule(
        NOTE_WRITERS, "person", ok="303", form=True, body=_note_form
    ),
    ("POST", "/api/v1/persons/{public_id}/notes"): Rule(
        NOTE_WRITERS, "person", ok="201", body=_note_api
    ),
    ("POST", "/persons/{public_id}/corrections"): Rule(
        CASE_WORKERS, "person", ok="422", form=True, body=_correction_form
    ),
    ("GET", "/persons/{public_id}/refer"): Rule(CASE_WORKERS, "person"),
    ("POST", "/persons/{public_id}/refer"): Rule(
        CASE_WORKERS, "person", ok="422", form=True, body=_refer_form
    ),
    ("GET", "/casework/overdue"): Rule(CASE_WORKERS),
    ("GET", "/review"): Rule(REVIEWERS),
    ("GET", "/api/v1/review"): Rule(REVIEWERS),
    ("POST", "/review/{pair_id}"): Rule(REVIEWERS, "pair", ok="303", form=True, body=_review_form),
    ("POST", "/api/v1/review/{pair_id}"): Rule(REVIEWERS, "pair", body=_review_api),
    # --- provincial reports: out of the role's province is 403, not 404 ----------------
    ("GET", "/provincial"): Rule(REPORT_USERS),
    ("GET", "/provincial/queue"): Rule(REVIEWERS),
    ("GET", "/provincial/map"): Rule(REVIEWERS),
    # a focal point's pivot is of its own province whatever it asks (tests/web/test_aggregate_web)
    ("GET", "/provincial/pivot"): Rule(REPORT_USERS, query="rows=province"),
    ("GET", "/provincial/pivot.{file_format}"): Rule(REPORT_USERS, "format"),
    ("GET", "/provincial/pivot/cell"): Rule(REPORT_USERS, query="rows=province&row=12"),
    ("GET", "/provincial/{province}/{period}"): Rule(REPORT_USERS, "report", hidden="403"),
    ("POST", "/provincial/{province}/{period}"): Rule(
        REPORT_USERS,
        "report",
        ok="303",
        hidden="403",
        form=True,
        prepare="editable",
        body=_report_form,
    ),
    ("POST", "/provincial/{province}/{period}/accept"): Rule(
        REPORT_USERS,
        "report",
        ok="303",
        hidden="403",
        form=True,
        prepare="submitted",
        reach="review",
        body=_accept_form,
    ),
    ("POST", "/provincial/{province}/{period}/reopen"): Rule(
        REPORT_USERS,
        "report",
        ok="303",
        hidden="403",
        form=True,
        prepare="submitted",
        reach="review",
        body=_reopen_form,
    ),
    ("GET", "/api/v1/provincial/submissions/{province}/{period}"): Rule(
        REPORT_USERS, "report", hidden="403"
    ),
    ("GET", "/api/v1/provincial/submissions/{province}/{period}/history"): Rule(
        REPORT_USERS, "report", hidden="403"
    ),
    ("PUT", "/api/v1/provincial/submissions/{province}/{period}"): Rule(
        REPORT_USERS, "report", hidden="403", prepare="editable", body=_put_report
    ),
    ("POST", "/api/v1/provincial/submissions/{province}/{period}/submit"): Rule(
        REPORT_USERS, "report", hidden="403", prepare="editable", body=_submit_report
    ),
    ("POST", "/api/v1/provincial/submissions/{province}/{period}/accept"): Rule(
        REPORT_USERS,
        "report",
        hidden="403",
        prepare="submitted",
        reach="review",
        body=_accept_report,
    ),
    ("POST", "/api/v1/provincial/submissions/{province}/{period}/reopen"): Rule(
        REPORT_USERS,
        "report",
        hidden="403",
        prepare="submitted",
        reach="review",
        body=_reopen_report,
    ),
    # the bulk import is all or nothing: a row of another province is a 422 naming the row
    ("POST", "/api/v1/provincial/imports"): Rule(
        REPORT_USERS, "report", hidden="422", prepare="editable", body=_bulk_import
    ),
}
"""The reference table: every route of the app, classified (see :class:`Rule`)."""

CHEAP = Passwords(FAST)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PATH_PARAMETER = re.compile(r"\{[a-z_]+\}")


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from ``app.routes`` (mounts as GET).

    FastAPI keeps an included router as one entry of ``app.routes``; it is walked into.
    A route of a kind this function does not know fails loudly, so none slips through.
    """
    return set(_walk(app.routes, ""))


def _walk(routes: list[BaseRoute], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, APIRoute | Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path
        elif hasattr(route, "original_router"):  # fastapi.routing._IncludedRouter
            included: Any = route
            nested = prefix + included.include_context.prefix
            yield from _walk(included.original_router.routes, nested)
        else:
            raise AssertionError(f"unknown kind of route {route!r}: teach app_routes about it")


def expected_outcome(rule: Rule, role: str | None, target: str | None, api: bool) -> Expect:
    """The reference outcome of one request (see the module docstring)."""
    if rule.public is not None:
        return rule.public[0] if role is None else rule.public[1]
    if role is None:
        return "401" if api else "login"
    if role not in rule.allowed:
        return "403"
    if target is None:
        return rule.ok
    reach = {
        "person": PERSON_REACH,
        "case": CASE_REACH,
        "pair": {NTF: frozenset(["pairs"])},
        "report": REVIEW_REACH if rule.reach == "review" else REPORT_REACH,
        "chart": CHART_REACH,
        "user": {ADMIN: frozenset(["users"])},
        "format": {role: frozenset(FILE_FORMATS) for role in rule.allowed},
    }[rule.target]
    key = rule.target + "s" if rule.target in ("pair", "user") else target
    return rule.ok if key in reach.get(role, frozenset()) else rule.hidden


def outcome_of(status: int, location: str | None) -> Expect:
    """A response as an outcome: its status, or ``login`` for a redirect to sign in."""
    if status in (302, 303, 307) and (location or "").startswith("/login"):
        return "login"
    return str(status)


def is_success(outcome: Expect) -> bool:
    """Whether an outcome means the request was served (2xx, or a redirect elsewhere)."""
    return outcome[0] in "23" and outcome != "login"


def allowed_canaries(role: str | None) -> set[str]:
    """Canaries the role may see: names, villages and contacts of the persons it reaches."""
    if role not in IDENTITY_READERS:
        return set()
    reach = PERSON_REACH[role]
    return {c.lower() for r in SEED_RECORDS if r.key in reach for c in r.canaries}


CANARY_PATTERN = re.compile(rf"{CANARY}[a-z0-9]+", re.IGNORECASE)


def canaries_in(text: str) -> set[str]:
    """Every canary in a text (lower case)."""
    return {match.lower() for match in CANARY_PATTERN.findall(text)}


@dataclass
class Tally:
    """What the matrix run did, for the printed summary and the assertions."""

    requests: int = 0
    by_outcome: Counter[str] = field(default_factory=Counter)
    unauthorised_successes: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    canary_leaks: list[str] = field(default_factory=list)
    canaries_seen: dict[str | None, set[str]] = field(default_factory=dict)
    public_ids: dict[str, str] = field(default_factory=dict)
    public_ids_seen: dict[str | None, set[str]] = field(default_factory=dict)
    existence_leaks: list[str] = field(default_factory=list)
    unchanged_violations: list[str] = field(default_factory=list)


def _targets(rule: Rule, world: AccessWorld) -> Iterator[tuple[str | None, str]]:
    """(target label, value for the path) for each seeded record of the route's kind."""
    if rule.target == "none":
        yield None, ""
    elif rule.target == "person":
        yield from world.persons.items()
    elif rule.target == "case":
        for number, case_id in world.cases.items():
            yield number, str(case_id)
    elif rule.target == "pair":
        for pair_id in world.review_pairs:
            yield "pairs", str(pair_id)
    elif rule.target == "chart":
        for name in CHARTS:
            yield name, name
    elif rule.target == "format":
        for file_format in FILE_FORMATS:
            yield file_format, file_format
    elif rule.target == "user":
        yield "users", ""  # the account is made just before the request
    else:
        for province in REPORT_PROVINCES:
            yield province, province


def _url(path: str, target_id: str, query: str) -> str:
    if path == "/static":
        return "/static/tipdata.css"
    if path == "/account/setup/{token}":
        return "/account/setup/tdp_unknown"
    if path == "/api/v1/tokens/{token_id}/revoke":
        return "/api/v1/tokens/999999/revoke"
    if path == "/reports/releases/{release_id}.{file_format}":
        return f"/reports/releases/999999.{target_id}"
    if path == "/account/tokens/{token_id}/revoke":
        return "/account/tokens/999999/revoke"
    if "{job_id}" in path:
        return path.replace("{job_id}", "999999")  # no such background linkage run
    if "{run_id}" in path:
        return path.replace("{run_id}", "1")  # the world's first import
    if path == "/follow-ups/{follow_up_id}/done":
        return "/follow-ups/999999/done"
    url = path.replace("{period}", PERIOD)
    if path != "/api/v1/provincial/imports":
        url = PATH_PARAMETER.sub(target_id, url)
    return f"{url}?{query}" if query else url


def _prepare_report(db: Database, province: str, state: Prepare) -> None:
    """Bring a report to an editable or a submitted state, as the local operator."""
    with db.session() as session:
        view = submissions.get_report(session, province, PERIOD)
        assert view is not None
        status = view.status.value
        if status in ("submitted", "accepted") and state == "editable":
            submissions.reopen(session, "matrix", province, PERIOD, "reset by the access matrix")
        if status == "accepted" and state == "submitted":
            submissions.reopen(session, "matrix", province, PERIOD, "reset by the access matrix")
            status = "reopened"
        if status in ("draft", "reopened") and state == "submitted":
            submissions.submit(session, "matrix", province, PERIOD)


def _fresh_user(db: Database, serial: int) -> str:
    """A new statistics-reader account to disable or regrant; returns its username."""
    username = f"matrix-target-{serial}"
    with db.session() as session:
        agency_id = session.scalars(sa.select(AppUser.agency_id).limit(1)).one()
        add_user(
            session, None, username=username, display_name=username, role=READER,
            agency_id=agency_id, province_code=None, password=PASSWORD, passwords=CHEAP,
        )  # fmt: skip
    return username


def _state(db: Database, rule: Rule, target_id: str) -> object:
    """What a refused request must leave unchanged."""
    with db.session() as session:
        if rule.target == "user" or rule.body is _new_user_form:
            users = session.execute(sa.select(AppUser.username, AppUser.active, AppUser.role_id))
            return sorted(users.tuples().all())
        if rule.target == "report":
            view = submissions.get_report(session, target_id, PERIOD)
            assert view is not None
            return (view.status, view.version)
        if rule.target == "pair":
            return session.scalar(
                sa.select(ReviewPair.status).where(ReviewPair.id == int(target_id))
            )
        return (
            session.scalar(sa.select(sa.func.count(Screening.id))),
            session.scalar(sa.select(sa.func.count(PersonRecord.id))),
        )


@dataclass
class Caller:
    """A client acting as one role (or anonymously)."""

    role: str | None
    client: TestClient
    token: str | None
    csrf: str

    def forging(self) -> Caller:
        """The same caller sending a CSRF token of another session."""
        return Caller(self.role, self.client, self.token, "0" * 64)

    def send(self, method: str, url: str, api: bool, extra: dict[str, Any]) -> Any:
        """Send a request: the API with the bearer token, pages with the session cookie."""
        headers = {"Authorization": f"Bearer {self.token}"} if api and self.token else {}
        return self.client.request(method, url, headers=headers, **extra)


def _caller(app: FastAPI, user: RoleUser | None) -> Caller:
    client = TestClient(
        app, base_url=BASE_URL, follow_redirects=False, raise_server_exceptions=False
    )
    login_page = client.get("/login")
    if user is None:
        return Caller(None, client, None, csrf_of(login_page.text))
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_of(login_page.text),
            "username": user.username,
            "password": user.password,
            "code": user.code() if user.totp_secret else "",
        },
    )
    assert (response.status_code, response.headers.get("location")) == (303, "/dashboard"), (
        user.role,
        response.text,
    )
    session_token = client.cookies.get(app.state.web.session_cookie_name)
    assert session_token
    return Caller(user.role, client, user.api_token, token_for(session_token))


def _ordered(routes: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Reads first, then changes; signing out last (it ends the caller's session)."""
    order = {"GET": 0, "PUT": 1, "POST": 1, "PATCH": 1, "DELETE": 1}
    return sorted(routes, key=lambda r: (r == ("POST", "/logout"), order.get(r[0], 2), r[1]))


def run_matrix(app: FastAPI, world: AccessWorld, db: Database) -> Tally:
    """Drive every classified route with every role and anonymously; tally the outcomes."""
    tally = Tally(public_ids=dict(world.persons))
    routes = _ordered(app_routes(app) & set(ROUTES))
    for role in (*ROLES, ANONYMOUS):
        user = world.users[role] if role is not None else None
        caller = _caller(app, user)
        with caller.client:
            for method, path in routes:
                rule = ROUTES[(method, path)]
                api = path.startswith("/api/")
                for target, target_id in _targets(rule, world):
                    _drive(caller, method, path, rule, api, target, target_id, world, db, tally)
    return tally


def _drive(
    caller: Caller,
    method: str,
    path: str,
    rule: Rule,
    api: bool,
    target: str | None,
    target_id: str,
    world: AccessWorld,
    db: Database,
    tally: Tally,
) -> None:
    """Send one request (and, for an allowed form, the same with a forged CSRF token)."""
    expected = expected_outcome(rule, caller.role, target, api)
    label = f"{method} {path} [{caller.role or 'anonymous'} -> {target or '-'}]"
    got, changed, text = _send(caller, method, path, rule, api, target, target_id, world, db, tally)
    if got != expected:
        tally.mismatches.append(f"{label}: expected {expected}, got {got}: {text[:300]}")
        if is_success(got) and not is_success(expected):
            tally.unauthorised_successes.append(label)
    if changed and not is_success(expected) and rule.public is None:
        tally.unchanged_violations.append(label)
    if rule.form and rule.public is None and is_success(expected):
        forged = caller.forging()
        got, changed, _ = _send(
            forged, method, path, rule, api, target, target_id, world, db, tally
        )
        if got != "403":
            tally.mismatches.append(f"{label} with a forged CSRF token: got {got}")
            if is_success(got):
                tally.unauthorised_successes.append(f"{label} with a forged CSRF token")
        if changed:
            tally.unchanged_violations.append(f"{label} with a forged CSRF token")


def _send(
    caller: Caller,
    method: str,
    path: str,
    rule: Rule,
    api: bool,
    target: str | None,
    target_id: str,
    world: AccessWorld,
    db: Database,
    tally: Tally,
) -> tuple[Expect, bool, str]:
    """Prepare the target, send and scan; return the outcome, whether state changed, the text."""
    if rule.prepare is not None:
        _prepare_report(db, target_id, rule.prepare)
    if rule.target == "user":
        target_id = _fresh_user(db, tally.requests)
    call = Call(
        world, db, caller.role, target, target_id, caller.csrf, tally.requests, caller.client
    )
    extra = rule.body(call) if rule.body else {}
    before = _state(db, rule, target_id) if method != "GET" else None
    response = caller.send(method, _url(path, target_id, rule.query), api, extra)
    got = outcome_of(response.status_code, response.headers.get("location"))
    tally.requests += 1
    tally.by_outcome[got] += 1
    label = f"{method} {path} [{caller.role or 'anonymous'} -> {target or '-'}]"
    asked = {target} if rule.target == "person" and target else set()
    _scan(response, caller.role, label, tally, call.sent, asked)
    changed = before is not None and _state(db, rule, target_id) != before
    return got, changed, response.text


def readable_text(response: Any) -> str:
    """A response's headers and body as text; an XLSX export is unzipped, sheet by sheet."""
    body = response.text
    if response.headers.get("content-type", "").startswith(XLSX):
        with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
            body = "\n".join(workbook.read(name).decode("utf-8") for name in workbook.namelist())
    return body + "\n" + json.dumps(dict(response.headers))


def _scan(
    response: Any, role: str | None, label: str, tally: Tally, sent: set[str], asked: set[str]
) -> None:
    """Record canaries outside the role's reach, and persons whose existence is revealed.

    What the request itself sent (a searched name, the public id in the URL) may be
    shown back to its sender: that reveals nothing.
    """
    text = readable_text(response)
    found = canaries_in(text)
    tally.canaries_seen.setdefault(role, set()).update(found)
    leaked = found - allowed_canaries(role) - {name.lower() for name in sent}
    if leaked:
        tally.canary_leaks.append(f"{label}: {sorted(leaked)}")
    if role in PERSON_READERS:
        revealed = {key for key, public_id in tally.public_ids.items() if public_id in text}
        revealed -= asked - PERSON_REACH[role]
        tally.public_ids_seen.setdefault(role, set()).update(revealed)
        if revealed - PERSON_REACH[role]:
            tally.existence_leaks.append(f"{label}: {sorted(revealed - PERSON_REACH[role])}")


# --- the tests ------------------------------------------------------------------------


def test_every_route_is_in_the_reference_table(app: FastAPI) -> None:
    unclassified = sorted(app_routes(app) - set(ROUTES))
    assert unclassified == [], "classify these routes in ROUTES: " + ", ".join(
        f"{m} {p}" for m, p in unclassified
    )


def test_reference_table_agrees_with_the_world() -> None:
    assert set(ROLES) == set(default_policy().roles)
    assert {r.key for r in SEED_RECORDS} == ALL_PERSONS
    assert all(reach <= ALL_PERSONS for reach in PERSON_REACH.values())
    assert OTHER_PROVINCE in REPORT_PROVINCES


@pytest.mark.slow
def test_access_matrix(
    access_app: FastAPI,
    access_world: AccessWorld,
    access_system: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = access_system.db
    with caplog.at_level(logging.DEBUG):
        tally = run_matrix(access_app, access_world, db)
    logged = canaries_in("\n".join(record.getMessage() for record in caplog.records))
    served = sorted(app_routes(access_app) & set(ROUTES))
    print(
        f"\naccess matrix [{db.dialect}]: {len(served)} routes, {len(ROLES)} roles + anonymous, "
        f"{tally.requests} requests; unauthorised successes: {len(tally.unauthorised_successes)}; "
        f"mismatches: {len(tally.mismatches)}; canary leaks: {len(tally.canary_leaks)}; "
        f"outcomes: {dict(sorted(tally.by_outcome.items()))}; "
        f"table rows not served yet: {len(set(ROUTES) - app_routes(access_app))}"
    )
    assert tally.unauthorised_successes == []
    assert tally.mismatches == [], "\n".join(tally.mismatches)
    assert tally.canary_leaks == [], "\n".join(tally.canary_leaks)
    assert tally.existence_leaks == [], "\n".join(tally.existence_leaks)
    assert {role: tally.public_ids_seen[role] for role in PERSON_READERS} == PERSON_REACH
    for role in IDENTITY_READERS:  # the scan works: each sees the names it may see
        names = {r.canaries[0] for r in SEED_RECORDS if r.key in PERSON_REACH[role]}
        assert names <= tally.canaries_seen[role], role
    assert tally.unchanged_violations == []
    assert logged == set(), "a log line holds a protected value"
    assert tally.requests > 500
