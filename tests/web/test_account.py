"""Accounts from outside, through the pages: finishing an account, own tokens, adding users.

Issue 18: a user added with a TOTP role could never sign in, nobody could get an API
token in the web, "Add a user" asked for an internal agency number (an unknown one gave a
500) and cleared the form after an error.
"""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.conftest import FAST, PASSWORD, WebUser, csrf_of, sign_in
from tipdata.access import add_user
from tipdata.access.passwords import Passwords
from tipdata.store import Agency
from tipdata.system import System

OWN = "kampot pepper harvest moon"
KEY = re.compile(r'<code id="totp-key" translate="no">([A-Z2-7 ]+)</code>')
HIDDEN_TOKEN = re.compile(r'name="token" value="(tdp_[A-Za-z0-9_-]+)"')


@pytest.fixture
def newcomer(system: System, users: dict[str, WebUser]) -> WebUser:
    """A police analyst added at the command line: a temporary password, no second factor."""
    with system.db.session() as session:
        agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == "NTF"))
        assert agency_id is not None
        add_user(
            session, None, username="dara", display_name="Dara", role="ntf_data_officer",
            agency_id=agency_id, province_code=None, password=PASSWORD,
            passwords=Passwords(FAST), password_must_change=True,
        )  # fmt: skip
    return WebUser("dara", "ntf_data_officer", PASSWORD, None, "")


def _login(client: TestClient, username: str, password: str, code: str = "") -> object:
    token = csrf_of(client.get("/login").text)
    data = {"csrf_token": token, "username": username, "password": password, "code": code}
    return client.post("/login", data=data)


def test_first_sign_in_enrols_the_second_factor_and_changes_the_password(
    client: TestClient, newcomer: WebUser
) -> None:
    page = _login(client, "dara", PASSWORD)
    assert page.status_code == 200  # type: ignore[attr-defined]
    html = page.text  # type: ignore[attr-defined]
    assert "Finish your account" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "<title>QR code" in html
    key = KEY.search(html)
    token = HIDDEN_TOKEN.search(html)
    assert key and token
    secret = key.group(1).replace(" ", "")
    assert client.cookies.get("tipdata_session") is None  # no session yet
    assert client.get("/dashboard").status_code == 303

    def finish(code: str, new: str = OWN, again: str = OWN) -> object:
        return client.post(
            "/account/setup",
            data={"csrf_token": csrf_of(html), "token": token.group(1), "new_password": new,
                  "confirm_password": again, "code": code},
        )  # fmt: skip

    wrong = finish("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    assert "The code does not match" in wrong.text  # type: ignore[attr-defined]
    assert secret in wrong.text.replace(" ", "")  # type: ignore[attr-defined]  # same QR
    differ = finish(pyotp.TOTP(secret).now(), again="mekong river at dusk 1998")
    assert "The two new passwords differ." in differ.text  # type: ignore[attr-defined]

    done = finish(pyotp.TOTP(secret).now())
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"] == "/account?done=finished"  # type: ignore[attr-defined]
    account = client.get("/account?done=finished").text
    assert "Your account is ready." in account
    assert '<dd id="totp-state">enrolled</dd>' in account
    assert "NTF data officer" in account and "ntf_data_officer" not in account
    client.cookies.clear()
    assert _login(client, "dara", PASSWORD).status_code == 401  # type: ignore[attr-defined]


def test_the_finishing_form_is_in_khmer(client: TestClient, newcomer: WebUser) -> None:
    client.cookies.set("tipdata_lang", "km")
    html = _login(client, "dara", PASSWORD).text  # type: ignore[attr-defined]
    assert "បំពេញគណនីរបស់អ្នក" in html
    assert "Finish your account" not in html and "Scan this QR code" not in html


def test_owners_issue_list_and_revoke_their_tokens_in_the_web(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    reader, admin = users["reader"], users["admin"]
    sign_in(client, reader)
    page = client.get("/account").text
    assert "Statistics reader" in page
    issued = client.post(
        "/account/tokens", data={"csrf_token": csrf_of(page), "name": "monthly export",
                                 "days": "30"},
    )  # fmt: skip
    assert issued.status_code == 200
    token = re.search(r"<code translate=\"no\">(tdt_[A-Za-z0-9_-]+)</code>", issued.text)
    assert token, "the new token is shown once"
    api = {"Authorization": f"Bearer {token.group(1)}"}
    assert client.get("/api/v1/me", headers=api).status_code == 200
    listed = client.get("/account").text
    assert "monthly export" in listed and token.group(1) not in listed
    token_id = int(re.findall(r'<tr id="token-(\d+)">', listed)[0])

    # another user's token is "no such token", even to an administrator on their own page
    admins = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {admin.api_token}"})
    admin_token_id = next(t["id"] for t in admins.json() if t["username"] == "admin")
    refused = client.post(
        f"/account/tokens/{admin_token_id}/revoke", data={"csrf_token": csrf_of(listed)}
    )
    assert refused.status_code == 404
    assert "There is no such token among yours." in refused.text
    client.cookies.clear()
    sign_in(client, admin)
    admin_page = client.get("/account").text
    assert "monthly export" not in admin_page  # the page lists only the owner's tokens
    refused = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(admin_page)}
    )
    assert refused.status_code == 404
    assert client.get("/api/v1/me", headers=api).status_code == 200

    client.cookies.clear()
    sign_in(client, reader)
    revoked = client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_of(client.get("/account").text)},
    )
    assert revoked.headers["location"] == "/account?done=revoked"
    assert client.get("/api/v1/me", headers=api).status_code == 401
    assert re.search(rf'<tr id="token-{token_id}">(?:(?!</tr>).)*revoked', client.get(
        "/account").text, re.S)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("export", "0", "A token lives from 1 to 365 days"),
        ("export", "366", "A token lives from 1 to 365 days"),
        ("export", "thirty", "A token lives from 1 to 365 days"),
        ("export", "99999999999999999999", "A token lives from 1 to 365 days"),
        ("   ", "30", "Give the token a name"),
    ],
)
def test_a_bad_token_form_is_refused_with_the_reason_and_kept(
    client: TestClient, users: dict[str, WebUser], name: str, days: str, message: str
) -> None:
    sign_in(client, users["reader"])
    page = client.get("/account").text
    answer = client.post(
        "/account/tokens", data={"csrf_token": csrf_of(page), "name": name, "days": days}
    )
    assert answer.status_code == 400
    assert message in answer.text
    assert f'value="{days}"' in answer.text  # the form keeps what was typed
    assert "You have no API token." not in answer.text or "tdt_" not in answer.text


def _add(client: TestClient, **fields: str) -> object:
    token = csrf_of(client.get("/admin/users").text)
    data = {"csrf_token": token, "username": "sokha", "display_name": "Sokha Chan",
            "role": "provincial_focal_point", "agency": "NTF", "province_code": "12"}  # fmt: skip
    data.update(fields)
    return client.post("/admin/users", data=data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"agency": "999"}, "There is no such agency: choose one from the list."),
        ({"agency": ""}, "There is no such agency: choose one from the list."),
        ({"province_code": "99"}, "There is no such province: choose one from the list."),
        ({"province_code": ""}, "This role needs a province."),
        ({"role": "emperor"}, "There is no such role: choose one from the list."),
        ({"username": "s"}, "This username is refused"),
        ({"display_name": " "}, "Give the user&#39;s name (up to 120 characters)."),
        ({"display_name": "x" * 121}, "Give the user&#39;s name (up to 120 characters)."),
        ({"username": "u" * 100}, "This username is refused"),
    ],
)
def test_adding_a_user_with_bad_input_says_why_and_keeps_the_form(
    client: TestClient, users: dict[str, WebUser], fields: dict[str, str], message: str
) -> None:
    sign_in(client, users["admin"])
    answer = _add(client, **fields)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    assert message in html
    kept = {"username": "sokha", "display_name": "Sokha Chan", **fields}
    assert (
        f'name="username" required maxlength="64" autocomplete="off" value="{kept["username"]}"'
        in html
    )
    assert '<option value="provincial_focal_point" selected>' in html or "emperor" in fields.get(
        "role", ""
    )


def test_the_users_page_shows_names_not_codes(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["admin"])
    html = client.get("/admin/users").text
    row = re.search(r'<tr id="user-officer">(.*?)</tr>', html, re.S)
    assert row
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[:5] == ["officer", "Officer", "NTF data officer", "NTF secretariat", "Phnom Penh"]
    assert '<option value="NTF">NTF secretariat</option>' in html
