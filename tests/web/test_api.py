"""The JSON API: bearer tokens, problem details (RFC 9457), pagination, body limits."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import WebUser, sign_in


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
