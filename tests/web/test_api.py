"""The JSON API: bearer tokens, problem details (RFC 9457), pagination, body limits."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import WebUser, csrf_of, sign_in
from tipdata.system import System


def bearer(user: WebUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api_token}"}


def test_api_without_token_is_401_problem(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Send a valid API token: Authorization: Bearer <token>.",
        "instance": "/api/v1/me",
    }


def test_api_refuses_a_wrong_token_and_the_session_cookie(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer tdt_nope"}).status_code == 401
    sign_in(client, users["auditor"])
    assert client.get("/api/v1/me").status_code == 401  # cookies are not API credentials


def test_me_answers_with_role_and_permissions(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    response = client.get("/api/v1/me", headers=bearer(users["auditor"]))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "username": "auditor",
        "role": "auditor",
        "agency_id": 1,
        "province_code": "12",
        "permissions": ["audit:read"],
    }


def test_missing_permission_is_403_problem(client: TestClient, users: dict[str, WebUser]) -> None:
    response = client.get("/api/v1/audit-events", headers=bearer(users["reader"]))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Your role does not have the permission 'audit:read'."

    # the refusal is in the audit log: who, which permission, which route
    events = client.get(
        "/api/v1/audit-events?action=access.denied", headers=bearer(users["auditor"])
    ).json()["items"]
    assert [(e["username"], e["object_type"], e["object_ids"]) for e in events][:1] == [
        ("reader", "route", "/api/v1/audit-events")
    ]


def test_invalid_parameters_are_422_problem_with_fields(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    response = client.get("/api/v1/audit-events?limit=0", headers=bearer(users["auditor"]))
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Unprocessable Content"
    assert body["errors"][0]["location"] == "query.limit"


def test_bad_cursor_is_400_problem(client: TestClient, users: dict[str, WebUser]) -> None:
    response = client.get("/api/v1/audit-events?cursor=abc", headers=bearer(users["auditor"]))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The cursor is not valid")


def test_unknown_endpoint_is_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "There is no API endpoint at /api/v1/nothing."


def test_audit_events_are_paginated_with_an_opaque_cursor(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    headers = bearer(users["auditor"])
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/audit-events", params=params, headers=headers).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert not cursor.isdigit()
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) >= 5  # 4 users created + 1 TOTP enrolment


def test_imports_need_imports_permission(client: TestClient, users: dict[str, WebUser]) -> None:
    response = client.get("/api/v1/imports", headers=bearer(users["officer"]))
    assert response.json() == {"items": [], "limit": 50, "next_cursor": None}
    assert client.get("/api/v1/imports", headers=bearer(users["auditor"])).status_code == 403


def test_openapi_needs_a_token(client: TestClient, users: dict[str, WebUser]) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 401
    document = client.get("/api/v1/openapi.json", headers=bearer(users["reader"])).json()
    assert "/api/v1/me" in document["paths"]
    assert not any(path.startswith(("/login", "/dashboard")) for path in document["paths"])


def test_too_large_body_is_413_problem(client: TestClient) -> None:
    response = client.post(
        "/api/v1/me", content=b"x" * (1024 * 1024 + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "limit of 1,048,576 bytes" in response.json()["detail"]


@contextmanager
def locked_database(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Another process holds the SQLite write lock; the app gives up waiting after 50 ms."""
    monkeypatch.setattr("tipdata.store.database.SQLITE_BUSY_TIMEOUT_MS", 50)
    system.db.engine.dispose()  # new connections take the short timeout
    path = system.db.url.database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield path
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_locked_database_is_a_503_that_hides_the_database(
    client: TestClient,
    users: dict[str, WebUser],
    system: System,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = users["auditor"]
    token = csrf_of(client.get("/login").text)
    form = {"csrf_token": token, "username": user.username, "password": user.password,
            "code": user.code() if user.totp_secret else ""}  # fmt: skip
    # a busy database is a warning (it is retried first), not an error
    with caplog.at_level(logging.WARNING), locked_database(system, monkeypatch) as path:
        page = client.post("/login", data=form)
        api = client.get(f"/api/v1/persons/{'P' * 13}", headers=bearer(user))
    assert page.status_code == 503
    assert page.headers["retry-after"] == "5"
    assert "The database is busy: try again in a moment." in page.text
    assert api.status_code == 503
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json() == {
        "type": "about:blank", "title": "Service Unavailable", "status": 503,
        "detail": "The database is busy: try again in a moment.",
        "instance": f"/api/v1/persons/{'P' * 13}",
    }  # fmt: skip
    assert path not in page.text and "locked" not in page.text
    assert path not in api.text
    logged = [r.getMessage() for r in caplog.records if r.name == "tipdata.web.problems"]
    # each attempt (the request is retried with backoff before the 503) is logged
    assert any("POST /login" in line for line in logged)
    assert any(f"GET /api/v1/persons/{'P' * 13}" in line for line in logged)
    assert all("database is locked" in line and path in line for line in logged)


def test_the_document_describes_problems_as_problem_json(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    """Error bodies are sent as application/problem+json: their schema must be there."""
    document = client.get("/api/v1/openapi.json", headers=bearer(users["auditor"])).json()
    problem_responses = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.startswith(("4", "5")):
                    where = f"{method.upper()} {path} {status}"
                    assert set(content) == {"application/problem+json"}, where
                    assert "$ref" in content["application/problem+json"]["schema"], where
                    problem_responses += 1
    assert problem_responses > 100
