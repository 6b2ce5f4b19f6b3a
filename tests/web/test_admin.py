"""User administration through the pages and the API, as an administrator; every change audited."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, WebUser, csrf_of, sign_in


def bearer(user: WebUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api_token}"}


def setup_link_of(html: str) -> str:
    """The set-password link an administrator's page shows once."""
    match = re.search(r"<code>(/account/setup/tdp_[A-Za-z0-9_-]+)</code>", html)
    assert match, "no set-password link on the page"
    return match.group(1)


def set_password_with_link(client: TestClient, link: str, password: str) -> None:
    """Open a set-password link and choose a password, as its owner would."""
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(
        "/account/setup",
        data={
            "csrf_token": csrf_of(page.text), "token": link.rsplit("/", 1)[1],
            "new_password": password, "confirm_password": password,
        },
    )  # fmt: skip
    assert (response.status_code, response.headers.get("location")) == (
        303, "/account?done=finished",
    ), response.text  # fmt: skip
    assert client.get("/account").status_code == 200  # finishing the account signs in
    client.cookies.clear()


def test_users_page_lists_every_account_for_administrators_only(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["admin"])
    html = client.get("/admin/users").text
    assert re.findall(r'<tr id="user-([a-z]+)">', html) == [
        "admin", "auditor", "focal", "molvt", "officer", "reader",
    ]  # fmt: skip
    assert 'href="/admin/users"' in html
    client.cookies.clear()
    sign_in(client, users["auditor"])
    assert client.get("/admin/users").status_code == 403


def test_administrator_adds_a_user_who_sets_a_password_with_the_link_and_signs_in(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["admin"])
    token = csrf_of(client.get("/admin/users").text)
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": token, "username": "kanha", "display_name": "Kanha",
            "role": "statistics_reader", "agency": "NTF",
        },
    )  # fmt: skip
    assert response.status_code == 200, response.text
    link = setup_link_of(response.text)
    listed = client.get("/api/v1/users", headers=bearer(users["admin"])).json()
    kanha = next(u for u in listed if u["username"] == "kanha")
    assert (kanha["role"], kanha["active"], kanha["awaiting_approval"]) == (
        "statistics_reader", True, False,
    )  # fmt: skip

    client.cookies.clear()
    set_password_with_link(client, link, "tonle sap river boats at dawn")
    kanha_user = WebUser("kanha", "statistics_reader", "tonle sap river boats at dawn", None, "")
    sign_in(client, kanha_user)
    # the link is spent
    client.cookies.clear()
    page = client.get(link)
    spent = client.post(
        "/account/setup",
        data={
            "csrf_token": csrf_of(page.text), "token": link.rsplit("/", 1)[1],
            "new_password": "mekong river at dusk 1998",
            "confirm_password": "mekong river at dusk 1998",
        },
    )  # fmt: skip
    assert spent.status_code == 400
    assert "unknown, used or expired" in spent.text


def test_provincial_role_without_province_is_refused_with_the_reason(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["admin"])
    token = csrf_of(client.get("/admin/users").text)
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": token, "username": "sokha", "display_name": "Sokha",
            "role": "provincial_focal_point", "agency": "NTF", "province_code": "",
            "password": PASSWORD,
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert "This role needs a province." in response.text


def test_disable_ends_the_users_token_and_is_audited(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    assert client.get("/api/v1/me", headers=bearer(users["reader"])).status_code == 200
    sign_in(client, users["admin"])
    token = csrf_of(client.get("/admin/users").text)
    response = client.post("/admin/users/reader/disable", data={"csrf_token": token})
    assert response.headers["location"] == "/admin/users?done=disabled&user=reader"
    assert client.get("/api/v1/me", headers=bearer(users["reader"])).status_code == 401
    events = client.get(
        "/api/v1/audit-events?action=user_changed", headers=bearer(users["auditor"])
    ).json()["items"]
    assert events[0]["username"] == "admin"
    assert '"change": "disabled"' in events[0]["detail"]


def test_grant_role_over_the_api_and_nobody_changes_their_own(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    granted = client.post(
        "/api/v1/users/reader/role", json={"role": "auditor"}, headers=bearer(users["admin"])
    )
    assert granted.status_code == 200
    assert granted.json()["role"] == "auditor"
    own = client.post(
        "/api/v1/users/admin/role", json={"role": "auditor"}, headers=bearer(users["admin"])
    )
    assert own.status_code == 403
    events = client.get(
        "/api/v1/audit-events?action=role_granted", headers=bearer(users["auditor"])
    ).json()["items"]
    assert [e["username"] for e in events] == ["admin"]


def test_users_api_needs_users_manage(client: TestClient, users: dict[str, WebUser]) -> None:
    assert client.get("/api/v1/users", headers=bearer(users["officer"])).status_code == 403
