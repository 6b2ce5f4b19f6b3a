"""Importing an agency file through the web: upload, validation report, confirm; and the API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import WebUser, csrf_of, sign_in
from tipdata.system import System
from tipdata.web.routes.imports import ImportRejected

HEADER = (
    "Person Ref,Case No,Role,Name,Sex,Age,Event Date,Destination,Case Status,Exploitation,"
    "Nationality,Home Province\n"
)
GOOD = (
    HEADER
    + "P-1,K-1,victim,Sok Test,F,16,03-04-2008,Thailand,open,labour,Khmer,Phnom Penh\n"
    + "P-2,K-1,suspect,Chan Test,M,41,04-04-2008,Thailand,open,labour,Khmer,Kandal\n"
)
BAD = GOOD + "P-3,K-2,bystander,Keo Test,F,30,05-04-2008,Thailand,open,labour,Khmer,Kandal\n"
SOURCE = "moi_police_register"


def bearer(user: WebUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api_token}"}


def _upload(client: TestClient, content: str, token: str) -> object:
    return client.post(
        "/imports/new",
        data={"csrf_token": token, "source": SOURCE},
        files={"file": ("moi_police_register_2008.csv", content.encode(), "text/csv")},
    )


def test_upload_shows_the_validation_report_then_confirm_imports(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    sign_in(pwg_client, pwg_users["officer"])
    form = pwg_client.get("/imports/new")
    assert form.status_code == 200
    assert f'<option value="{SOURCE}"' in form.text
    checked = _upload(pwg_client, GOOD, csrf_of(form.text))
    assert checked.status_code == 200, checked.text
    assert re.search(r'id="rows-read">2<', checked.text)
    assert re.search(r'id="rows-new">2<', checked.text)
    assert "Confirm the import" in checked.text
    assert (
        pwg_client.get("/api/v1/imports", headers=bearer(pwg_users["officer"])).json()["items"]
        == []
    )  # a dry run stores nothing
    token = re.search(r'name="token" value="([0-9a-f]{32})"', checked.text)
    assert token
    done = pwg_client.post(
        "/imports/confirm",
        data={"csrf_token": csrf_of(checked.text), "token": token.group(1), "source": SOURCE},
    )
    assert done.status_code == 303
    run = re.fullmatch(r"/imports/(\d+)\?done=committed", done.headers["location"])
    assert run, done.headers["location"]  # the details of the import just made
    details = pwg_client.get(done.headers["location"])
    assert details.status_code == 200
    assert re.search(r'id="rows-new">2<', details.text)
    assert re.search(r'id="rows-rejected">0<', details.text)
    assert details.text.count("<td>New record</td>") == 2
    runs = pwg_client.get("/api/v1/imports", headers=bearer(pwg_users["officer"])).json()["items"]
    assert [(r["source"], r["file_name"], r["rows_stored"], r["status"]) for r in runs] == [
        (SOURCE, "moi_police_register_2008.csv", 2, "committed")
    ]
    again = pwg_client.post(
        "/imports/confirm",
        data={"csrf_token": csrf_of(checked.text), "token": token.group(1), "source": SOURCE},
    )
    assert again.status_code == 404  # the staged file is gone once imported


def test_file_with_errors_lists_them_by_row_and_offers_no_confirm(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    sign_in(pwg_client, pwg_users["officer"])
    checked = _upload(pwg_client, BAD, csrf_of(pwg_client.get("/imports/new").text))
    assert checked.status_code == 422
    assert re.search(r'id="rows-rejected">1<', checked.text)
    assert '<td class="num">4</td><td>Role</td>' in checked.text
    assert "Confirm the import" not in checked.text


def test_api_dry_run_then_import(pwg_client: TestClient, pwg_users: dict[str, WebUser]) -> None:
    officer = bearer(pwg_users["officer"])
    files = {"file": ("moi_police_register_2008.csv", GOOD.encode(), "text/csv")}
    dry = pwg_client.post(
        "/api/v1/imports", data={"source": SOURCE, "dry_run": "true"}, files=files, headers=officer
    )
    assert dry.status_code == 200, dry.text
    assert (dry.json()["status"], dry.json()["rows_stored"], dry.json()["import_run_id"]) == (
        "validated", 2, None,
    )  # fmt: skip
    real = pwg_client.post("/api/v1/imports", data={"source": SOURCE}, files=files, headers=officer)
    assert (real.json()["status"], real.json()["rows_stored"]) == ("committed", 2)
    bad = pwg_client.post(
        "/api/v1/imports",
        data={"source": SOURCE},
        files={"file": ("moi_police_register_2008.csv", BAD.encode(), "text/csv")},
        headers=officer,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    problem = bad.json()
    assert (problem["status"], problem["title"]) == (422, "The file was rejected")
    assert problem["report"]["status"] == "rejected"
    # the body is what the OpenAPI document promises for a 422
    documented = pwg_client.get("/api/v1/openapi.json", headers=officer).json()["paths"][
        "/api/v1/imports"
    ]["post"]
    schema = documented["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert schema["$ref"].endswith("/ImportRejected")
    ImportRejected.model_validate(problem)  # raises if a documented required field is missing
    assert problem["report"]["rows_stored"] == 0
    errors = [
        (i["row"], i["column"]) for i in problem["report"]["issues"] if i["severity"] == "error"
    ]
    assert errors == [(4, "Role"), (4, "Role")]  # the role and the event it implies


@pytest.mark.parametrize(
    ("source", "name", "content", "status"),
    [
        ("no_such_source", "x.csv", b"a,b\n1,2\n", 422),
        (SOURCE, "x.exe", b"MZ\x90\x00", 415),
    ],
)
def test_api_refuses_unknown_source_and_wrong_file_type(
    pwg_client: TestClient,
    pwg_users: dict[str, WebUser],
    source: str,
    name: str,
    content: bytes,
    status: int,
) -> None:
    response = pwg_client.post(
        "/api/v1/imports",
        data={"source": source},
        files={"file": (name, content, "application/octet-stream")},
        headers=bearer(pwg_users["officer"]),
    )
    assert response.status_code == status


def test_imports_need_imports_run(pwg_client: TestClient, pwg_users: dict[str, WebUser]) -> None:
    sign_in(pwg_client, pwg_users["focal"])
    assert pwg_client.get("/imports/new").status_code == 403


def test_a_file_with_errors_may_store_its_valid_rows_and_keeps_the_errors(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    # the data officer chooses to store the two valid rows; the rejected row's errors
    # (file, row, field, value, message) stay with the import, its value encrypted
    import sqlalchemy as sa

    from tipdata.store import ImportRunIssue

    sign_in(pwg_client, pwg_users["officer"])
    checked = _upload(pwg_client, BAD, csrf_of(pwg_client.get("/imports/new").text))
    assert checked.status_code == 422
    assert 'id="store-valid-rows"' in checked.text and "Confirm the import" not in checked.text
    token = re.search(r'name="token" value="([0-9a-f]{32})"', checked.text)
    assert token
    done = pwg_client.post(
        "/imports/confirm",
        data={
            "csrf_token": csrf_of(checked.text),
            "token": token.group(1),
            "source": SOURCE,
            "accept_valid_rows": "true",
        },
    )
    assert done.status_code == 303, done.text
    run_id = re.fullmatch(r"/imports/(\d+)\?done=committed", done.headers["location"])
    assert run_id
    page = pwg_client.get(done.headers["location"]).text
    assert re.search(r'id="rows-new">2<', page) and re.search(r'id="rows-rejected">1<', page)
    issues = re.search(r'<table id="import-issues">(.*?)</table>', page, re.S)
    assert issues
    row = (
        r"<tr><td[^>]*>(.*?)</td><td[^>]*>(\d+)</td><td[^>]*>(.*?)</td>"
        r"<td[^>]*>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>"
    )
    cells = re.findall(row, issues.group(1))
    assert [(f, r, c, v, outcome) for f, r, c, v, _m, outcome in cells] == [
        ("moi_police_register_2008.csv", "4", "Role", "bystander", "Row rejected")
    ] * 2  # the role and the event it implies
    assert all("bystander" in message or "role" in message.lower() for *_, message, _o in cells)

    api = pwg_client.get(
        f"/api/v1/imports/{run_id.group(1)}", headers=bearer(pwg_users["officer"])
    ).json()
    assert (api["rows_new"], api["rows_rejected"], api["issues_total"]) == (2, 1, 2)
    assert {(i["row"], i["column"], i["value"], i["severity"]) for i in api["issues"]} == {
        (4, "Role", "bystander", "error")
    }
    with pwg_system.db.session() as session:
        stored = session.scalars(sa.select(ImportRunIssue.value_encrypted)).all()
    assert len(stored) == 2 and all(v and "bystander" not in v for v in stored)

    pwg_client.cookies.set("tipdata_lang", "km")
    khmer = pwg_client.get(f"/imports/{run_id.group(1)}").text
    assert "ជួរត្រូវបានបដិសេធ" in khmer and "បញ្ហាដែលបានរកឃើញ (2 ក្នុងចំណោម 2)" in khmer
