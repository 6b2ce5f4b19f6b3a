"""Hostile upload content and bodies, over the API and the pages (review findings 11, 15, 20).

* 11: a NUL byte after the first 8 KB of a CSV was accepted (only the head was sniffed); on
  PostgreSQL the insert failed with a 500 whose log dumped every bound parameter.
* 15: the error page of a bad upload showed the server's staging path.
* 20: a body without a ``Content-Length`` over the limit was answered 400, not 413.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import BASE_URL, FAST, PASSWORD, WebUser, csrf_of, sign_in
from tests.web.test_imports_web import GOOD, SOURCE, bearer
from tipdata.access.passwords import Passwords
from tipdata.system import System
from tipdata.web import WebOptions, create_app

NAME = "moi_police_register_2008.csv"


def padded_with_nul_after_8_kb() -> tuple[bytes, int]:
    """A valid register whose 203rd row hides a NUL in the name, beyond the sniffed 8 KB."""
    rows = [
        f"P-{n},K-{n},victim,Sok Test,F,16,03-04-2008,Thailand,open,labour,Khmer,Phnom Penh\n"
        for n in range(10, 210)
    ]
    bad = "P-9,K-9,victim,Sok\x00Test,F,16,03-04-2008,Thailand,open,labour,Khmer,Kandal\n"
    content = (GOOD + "".join(rows) + bad).encode()
    assert content.index(b"\x00") > 8192
    return content, 1 + 2 + len(rows) + 1  # header, the two good rows, the padding, the bad one


def test_a_nul_anywhere_in_a_csv_is_refused_naming_file_row_and_field(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    content, row = padded_with_nul_after_8_kb()
    officer = bearer(pwg_users["officer"])
    response = pwg_client.post(
        "/api/v1/imports", data={"source": SOURCE}, files={"file": (NAME, content, "text/csv")},
        headers=officer,
    )  # fmt: skip
    assert 400 <= response.status_code < 500, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{NAME}, line {row}, field 'Name': a NUL character"), detail
    assert pwg_client.get("/api/v1/imports", headers=officer).json()["items"] == []


def test_the_error_page_of_a_bad_upload_shows_the_file_name_not_the_server_path(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    content, row = padded_with_nul_after_8_kb()
    sign_in(pwg_client, pwg_users["officer"])
    form = pwg_client.get("/imports/new")
    page = pwg_client.post(
        "/imports/new", data={"csrf_token": csrf_of(form.text), "source": SOURCE},
        files={"file": (f"C:\\Users\\clerk\\{NAME}", content, "text/csv")},
    )  # fmt: skip
    # an unreadable file is a 422 (the upload is well-formed; its content is refused)
    assert page.status_code == 422
    assert f"{NAME}, line {row}, field &#39;Name&#39;" in page.text
    home = str(pwg_system.settings.home)
    assert home not in page.text and "/uploads/" not in page.text and "Users" not in page.text


def test_a_file_level_refusal_names_the_file_not_the_server_path(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    """A header without rows is refused for the whole file: the page named the staged path."""
    header_only = GOOD.splitlines(keepends=True)[0].encode()
    sign_in(pwg_client, pwg_users["officer"])
    form = pwg_client.get("/imports/new")
    page = pwg_client.post(
        "/imports/new", data={"csrf_token": csrf_of(form.text), "source": SOURCE},
        files={"file": (NAME, header_only, "text/csv")},
    )  # fmt: skip
    assert page.status_code == 422
    assert f"{NAME}, line 2: the file has a header but no data rows" in page.text
    assert str(pwg_system.settings.home) not in page.text and "/uploads/" not in page.text
    api = pwg_client.post(
        "/api/v1/imports", data={"source": SOURCE}, files={"file": (NAME, header_only, "text/csv")},
        headers=bearer(pwg_users["officer"]),
    )  # fmt: skip
    assert api.json()["detail"] == f"{NAME}, line 2: the file has a header but no data rows"


def test_the_database_refusing_a_value_is_a_4xx_that_logs_no_bound_value(
    pwg_client: TestClient,
    pwg_users: dict[str, WebUser],
    pwg_system: System,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A NUL in a form field reaches the database (PostgreSQL refuses it; SQLite keeps it)."""
    sign_in(pwg_client, pwg_users["admin"])
    token = csrf_of(pwg_client.get("/admin/users").text)
    with caplog.at_level(logging.DEBUG):
        response = pwg_client.post(
            "/admin/users",
            data={
                "csrf_token": token, "username": "kanha", "display_name": "Kan\x00ha",
                "role": "statistics_reader", "agency": "NTF", "password": PASSWORD,
            },
        )  # fmt: skip
    if pwg_system.db.dialect == "postgresql":
        assert response.status_code == 422, response.text
    else:
        # the account is created and the page shows its one-time set-password link
        assert response.status_code == 200
    assert "argon2" not in caplog.text and PASSWORD not in caplog.text


@pytest.fixture
def small_limits_client(pwg_system: System, pwg_users: dict[str, WebUser]) -> Iterator[TestClient]:
    options = WebOptions(max_body_bytes=1024, max_upload_bytes=4096)
    app = create_app(pwg_system, options, passwords=Passwords(FAST))
    with TestClient(app, base_url=BASE_URL) as client:
        yield client


def chunks(total: int) -> Iterator[bytes]:
    """A body streamed without a Content-Length (chunked transfer)."""
    sent = 0
    while sent < total:
        yield b"x" * 512
        sent += 512


def test_a_body_without_a_length_over_the_limit_is_413(
    small_limits_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    officer = bearer(pwg_users["officer"])

    def json_body() -> Iterator[bytes]:
        yield b'{"name": "'
        yield from chunks(4096)
        yield b'"}'

    search = small_limits_client.post(
        "/api/v1/persons/search", content=json_body(),
        headers=officer | {"content-type": "application/json"},
    )  # fmt: skip
    assert "content-length" not in search.request.headers
    assert search.status_code == 413, search.text
    assert search.headers["content-type"] == "application/problem+json"

    boundary = "b0undary"

    def multipart() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\n{SOURCE}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{NAME}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        yield from chunks(8192)
        yield f"\r\n--{boundary}--\r\n".encode()

    upload = small_limits_client.post(
        "/api/v1/imports", content=multipart(),
        headers=officer | {"content-type": f"multipart/form-data; boundary={boundary}"},
    )  # fmt: skip
    assert upload.status_code == 413, upload.text

    page_form = small_limits_client.post(
        "/login", content=chunks(4096),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert page_form.status_code == 413
