"""Usernames are plain ASCII (issue 15, item 16): no look-alike letters, no CR/LF, no case twins."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, WebUser, csrf_of, sign_in


@pytest.mark.parametrize(
    "username",
    [
        "\u0430dmin",  # Cyrillic a: looks like "admin"
        "officer\r\nINFO forged log line",
        "ｏｆｆｉｃｅｒ２",  # full-width: NFKC folds it into "officer2"
        "Officer",  # "officer" exists: usernames ignore case
        "sok dara",
        "-x",
    ],
)
def test_the_users_page_refuses_look_alike_and_control_character_usernames(
    client: TestClient, users: dict[str, WebUser], username: str
) -> None:
    sign_in(client, users["admin"])
    before = client.get(
        "/api/v1/users", headers={"Authorization": f"Bearer {users['admin'].api_token}"}
    ).json()
    token = csrf_of(client.get("/admin/users").text)
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": token, "username": username, "display_name": "Look-alike",
            "role": "statistics_reader", "agency": "NTF",
            "password": PASSWORD,  # ignored since item 21; the code before took it
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert "refused" in response.text or "exists already" in response.text
    after = client.get(
        "/api/v1/users", headers={"Authorization": f"Bearer {users['admin'].api_token}"}
    ).json()
    assert after == before
