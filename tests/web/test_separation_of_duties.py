"""Administrators never hold a way into accounts with data access (issue 15, items 7, 9, 21).

The review's attack: the "no victim data" administrator created a court-clerk account,
signed in as it and listed cases. Now an administrator chooses no password (the user sets
one through a one-time link), an account that reaches victim data starts disabled until a
*second* administrator approves it, and the link goes to that approver. Users change
their own passwords; weak ones are refused. All through the pages and the API.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import FAST, PASSWORD, WebUser, csrf_of, sign_in
from tests.web.test_admin import bearer, set_password_with_link, setup_link_of
from tipdata.access import Passwords, add_user
from tipdata.access.sessions import create_api_token
from tipdata.system import System


def _post_login(client: TestClient, username: str, password: str) -> int:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, "code": ""},
    ).status_code


def _add(client: TestClient, username: str, role: str) -> object:
    token = csrf_of(client.get("/admin/users").text)
    return client.post(
        "/admin/users",
        data={
            "csrf_token": token, "username": username, "display_name": username.title(),
            "role": role, "agency": "NTF", "password": PASSWORD,  # ignored: no admin password
        },
    )  # fmt: skip


@pytest.fixture
def second_admin(system: System, users: dict[str, WebUser]) -> WebUser:
    """Another administrator, made by the local operator."""
    with system.db.session() as session:
        user = add_user(
            session, None, username="admin2", display_name="Admin 2", role="administrator",
            agency_id=1, province_code=None, password=PASSWORD, passwords=Passwords(FAST),
        )  # fmt: skip
        token = create_api_token(session, user.id, "tests", datetime.now(UTC))
    return WebUser("admin2", "administrator", PASSWORD, None, token)


def test_an_administrator_cannot_give_itself_victim_data(
    client: TestClient, users: dict[str, WebUser], second_admin: WebUser
) -> None:
    admin = users["admin"]
    sign_in(client, admin)
    made = _add(client, "clerk1", "court_clerk")
    assert made.status_code == 303  # type: ignore[attr-defined]
    assert "done=awaiting&" in made.headers["location"]  # type: ignore[attr-defined]
    # it knows no password of the account, and cannot approve its own request
    assert _post_login(client, "clerk1", PASSWORD) == 401
    sign_in(client, admin)
    page = client.get("/admin/users")
    assert "awaiting approval" in page.text and "/account/setup/" not in page.text
    own = client.post("/admin/users/clerk1/approve", data={"csrf_token": csrf_of(page.text)})
    assert own.status_code == 403
    assert client.post("/api/v1/users/clerk1/approve", headers=bearer(admin)).status_code == 403

    # the detour: an account without data access, its link used by the admin, then regranted
    reader = _add(client, "detour", "statistics_reader")
    link = setup_link_of(reader.text)  # type: ignore[attr-defined]
    client.cookies.clear()
    set_password_with_link(client, link, "tonle sap river boats at dawn")
    assert _post_login(client, "detour", "tonle sap river boats at dawn") == 303
    granted = client.post(
        "/api/v1/users/detour/role", headers=bearer(admin), json={"role": "court_clerk"}
    )
    assert granted.status_code == 200
    assert (granted.json()["active"], granted.json()["awaiting_approval"]) == (False, True)
    assert _post_login(client, "detour", "tonle sap river boats at dawn") == 401

    # a second administrator approves; the link goes to it, and the clerk gets in
    approved = client.post("/api/v1/users/clerk1/approve", headers=bearer(second_admin))
    assert approved.status_code == 200
    clerk_link = approved.json()["setup_link"]
    client.cookies.clear()
    set_password_with_link(client, clerk_link, "kampot pepper harvest moon")
    clerk = WebUser("clerk1", "court_clerk", "kampot pepper harvest moon", None, "")
    sign_in(client, clerk)
    assert client.get("/cases").status_code == 200


@pytest.mark.parametrize(
    "weak", ["123456789012", "Qwertyuiop12", "abcdefghijkl", "Passw0rdPassw0rd"]
)
def test_users_change_their_own_password_and_weak_ones_are_refused(
    client: TestClient, users: dict[str, WebUser], weak: str
) -> None:
    reader = users["reader"]
    api = client.post(
        "/api/v1/account/password", headers=bearer(reader),
        json={"current_password": reader.password, "new_password": weak},
    )  # fmt: skip
    assert api.status_code == 400
    sign_in(client, reader)
    form = csrf_of(client.get("/account/password").text)

    def change(current: str, new: str, again: str | None = None) -> object:
        return client.post(
            "/account/password",
            data={
                "csrf_token": form, "current_password": current, "new_password": new,
                "confirm_password": new if again is None else again,
            },
        )  # fmt: skip

    assert change(reader.password, weak).status_code == 400  # type: ignore[attr-defined]
    wrong = change("not my password", "mekong river at dusk 1998")
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    differ = change(reader.password, "mekong river at dusk 1998", "mekong river at dawn")
    assert differ.status_code == 400  # type: ignore[attr-defined]
    done = change(reader.password, "mekong river at dusk 1998")
    assert done.headers["location"] == "/login?done=password"  # type: ignore[attr-defined]
    assert client.get("/dashboard").status_code == 303  # every session ended
    assert _post_login(client, "reader", reader.password) == 401
    assert _post_login(client, "reader", "mekong river at dusk 1998") == 303


def test_the_api_changes_your_own_password(client: TestClient, users: dict[str, WebUser]) -> None:
    reader = users["reader"]
    answer = client.post(
        "/api/v1/account/password", headers=bearer(reader),
        json={"current_password": reader.password, "new_password": "mekong river at dusk 1998"},
    )  # fmt: skip
    assert answer.status_code == 204
    assert _post_login(client, "reader", "mekong river at dusk 1998") == 303
