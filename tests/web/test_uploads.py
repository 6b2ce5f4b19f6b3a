"""Upload type and size limits, on a test route built with the same dependency as real ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import BASE_URL, FAST
from tipdata.access.passwords import Passwords
from tipdata.system import System
from tipdata.web import WebOptions, create_app
from tipdata.web.uploads import CheckedUpload

XLSX_HEAD = b"PK\x03\x04" + b"\x00" * 30


@pytest.fixture
def upload_client(system: System) -> Iterator[TestClient]:
    app: FastAPI = create_app(system, WebOptions(max_upload_bytes=4096), passwords=Passwords(FAST))

    @app.post("/api/v1/test-upload")
    def accept(upload: CheckedUpload) -> dict[str, object]:
        return {"suffix": upload.suffix, "name": upload.display_name, "size": len(upload.content)}

    with TestClient(app, base_url=BASE_URL) as client:
        yield client


def post(client: TestClient, name: str, content: bytes) -> object:
    return client.post("/api/v1/test-upload", files={"file": (name, content)})


def test_csv_and_xlsx_are_accepted(upload_client: TestClient) -> None:
    ok = post(upload_client, "../../etc/police.csv", "id,name\n1,សុខ\n".encode())
    assert ok.json() == {"suffix": ".csv", "name": "police.csv", "size": 20}  # type: ignore[attr-defined]
    assert post(upload_client, "cases.XLSX", XLSX_HEAD).status_code == 200  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content", "detail"),
    [
        ("run.exe", b"MZ", "Files ending .exe are not accepted; use .csv, .xlsx."),
        ("noext", b"a,b", "Files ending (none) are not accepted; use .csv, .xlsx."),
        ("fake.xlsx", b"a,b\n", "The file's content is not XLSX."),
        ("fake.csv", XLSX_HEAD, "The file's content is not CSV."),
        ("empty.csv", b"", "The file is empty."),
    ],
)
def test_other_types_are_415_problems(
    upload_client: TestClient, name: str, content: bytes, detail: str
) -> None:
    response = post(upload_client, name, content)
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert response.json()["detail"] == detail  # type: ignore[attr-defined]


def test_upload_over_the_limit_is_413(upload_client: TestClient) -> None:
    response = post(upload_client, "big.csv", b"a," * 4096)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
