"""Numbers and structures a database or parser cannot hold are refused with 4xx (review 10).

The review got a 500 from ids, cursors and offsets of 2**63 and more (SQLite and
PostgreSQL integers are 64-bit), from deeply nested JSON in the provincial bulk import
and from an unknown agency or province when adding a user (whose traceback logged the
new password's hash with the other bound parameters).
"""

from __future__ import annotations

import base64
import logging

import pytest
from fastapi.testclient import TestClient

from tests.web.casefiles_world import World, bearer, system, world
from tests.web.conftest import PASSWORD, WebUser, csrf_of, sign_in
from tests.web.test_provincial_web import PERIOD, VALUES

__all__ = ["system", "world"]  # fixtures used by the tests below

TOO_BIG = 2**63
HUGE = 10**30


def cursor_of(key: int) -> str:
    return base64.urlsafe_b64encode(f"k1:{key}".encode()).decode().rstrip("=")


@pytest.mark.parametrize("number", [TOO_BIG, HUGE])
def test_ids_offsets_and_cursors_beyond_64_bits_are_client_errors(
    client: TestClient, users: dict[str, WebUser], world: World, number: int
) -> None:
    officer = bearer(users["officer"])
    answers = {
        "case": client.get(f"/api/v1/cases/{number}", headers=officer),
        "pair": client.get(f"/api/v1/review/{number}", headers=officer),
        "offset": client.get(f"/api/v1/review?offset={number}", headers=officer),
        "cases cursor": client.get(f"/api/v1/cases?cursor={cursor_of(number)}", headers=officer),
        "persons cursor": client.get(
            f"/api/v1/persons?cursor={cursor_of(number)}", headers=officer
        ),
    }
    sign_in(client, users["officer"])
    answers["case page"] = client.get(f"/cases/{number}")
    answers["review page"] = client.get(f"/review?position={number}")
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert all(400 <= status < 500 for status in statuses.values()), statuses


def test_provincial_numbers_beyond_64_bits_are_client_errors(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal = bearer(pwg_users["focal"])
    url = f"/api/v1/provincial/submissions/12/{PERIOD}"
    huge_value = pwg_client.put(url, json={"values": {**VALUES, "cases_investigated": TOO_BIG}},
                                headers=focal)  # fmt: skip
    assert huge_value.status_code == 422, huge_value.text
    huge_version = pwg_client.put(url, json={"version": TOO_BIG, "values": VALUES}, headers=focal)
    assert huge_version.status_code == 422, huge_version.text
    body = f"province,period,cases_investigated\n12,{PERIOD},{TOO_BIG}\n"
    imported = pwg_client.post(
        "/api/v1/provincial/imports", content=body.encode(),
        headers=focal | {"content-type": "text/csv"},
    )  # fmt: skip
    assert imported.status_code == 422, imported.text


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_deeply_nested_json_in_the_bulk_import_is_a_clear_422(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], depth: int
) -> None:
    body = "[" * depth + "]" * depth
    response = pwg_client.post(
        "/api/v1/provincial/imports", content=body.encode(),
        headers=bearer(pwg_users["focal"]) | {"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    assert "nested" in response.text or "expected" in response.text


def test_a_json_number_too_long_to_read_is_a_clear_422(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    body = '{"reports": [{"province": "12", "period": "%s", "values": {"cases_investigated": %s}}]}'
    response = pwg_client.post(
        "/api/v1/provincial/imports", content=(body % (PERIOD, "9" * 5000)).encode(),
        headers=bearer(pwg_users["focal"]) | {"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("agency_id", "province_code"), [("999999", "12"), ("1", "99"), (str(TOO_BIG), "12")]
)
def test_adding_a_user_of_an_unknown_agency_or_province_is_refused_and_logs_no_hash(
    client: TestClient,
    users: dict[str, WebUser],
    caplog: pytest.LogCaptureFixture,
    agency_id: str,
    province_code: str,
) -> None:
    sign_in(client, users["admin"])
    token = csrf_of(client.get("/admin/users").text)
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/admin/users",
            data={
                "csrf_token": token, "username": "kanha", "display_name": "Kanha",
                "role": "provincial_focal_point", "agency_id": agency_id,
                "province_code": province_code, "password": PASSWORD,
            },
        )  # fmt: skip
    assert 400 <= response.status_code < 500, response.status_code
    assert "argon2" not in caplog.text and PASSWORD not in caplog.text
    listed = client.get("/api/v1/users", headers=bearer(users["admin"])).json()
    assert "kanha" not in {user["username"] for user in listed}
