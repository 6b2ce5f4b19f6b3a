"""Uploads that attack or fail (issue 15, items 2 and 5), through the page and the API.

Item 2: a 2-cell workbook spanning A1:XFD1048576 and a (scaled-down) zip bomb are
refused with one line naming the file as uploaded, and the server keeps answering. Item
5: no plaintext upload stays under ``HOME/uploads/``: a file failing validation on the
page, an unreadable file and an API import leave nothing; uploads older than the age
limit (abandoned, or left by a crashed server) are swept when the app starts.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.ingest.test_hostile_xlsx import sparse_corners, zip_bomb
from tests.web.conftest import BASE_URL, FAST, WebUser, csrf_of, sign_in
from tests.web.test_imports_web import BAD, GOOD, SOURCE, bearer
from tipdata.access.passwords import Passwords
from tipdata.system import System
from tipdata.web import create_app

XLSX_SOURCE = "ngo_afesip_intake"


def _staged_files(home: Path) -> list[Path]:
    root = home / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _page_upload(client: TestClient, name: str, content: bytes, source: str) -> object:
    token = csrf_of(client.get("/imports/new").text)
    return client.post(
        "/imports/new",
        data={"csrf_token": token, "source": source},
        files={"file": (name, content)},
    )


@pytest.mark.parametrize("attack", ["corners", "bomb"])
def test_hostile_workbooks_are_refused_on_the_page_and_the_api(
    pwg_client: TestClient,
    pwg_users: dict[str, WebUser],
    pwg_system: System,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    attack: str,
) -> None:
    monkeypatch.setenv("TIPDATA_XLSX_MAX_UNCOMPRESSED_MB", "8")
    folder = tmp_path / "attack"
    folder.mkdir()
    # the sheet the mapping reads (a workbook without it is refused before any cell is read)
    hostile = (
        sparse_corners(folder / "x.xlsx", title="Intake")
        if attack == "corners"
        else zip_bomb(folder / "x.xlsx", title="Intake")
    )
    content = hostile.read_bytes()
    name = "ngo_afesip_intake_2008.xlsx"
    expected = "16384" if attack == "corners" else "would unpack to"

    api = pwg_client.post(
        "/api/v1/imports",
        headers=bearer(pwg_users["officer"]),
        data={"source": XLSX_SOURCE, "dry_run": "true"},
        files={"file": (name, content)},
    )
    assert api.status_code == 422, api.text
    detail = api.json()["detail"]
    assert detail.startswith(f"{name}: ") and expected in detail and "\n" not in detail
    assert str(pwg_system.settings.home) not in detail  # the sender's name, not the server's

    sign_in(pwg_client, pwg_users["officer"])
    page = _page_upload(pwg_client, name, content, XLSX_SOURCE)
    assert page.status_code == 422  # type: ignore[attr-defined]
    assert expected in page.text  # type: ignore[attr-defined]
    assert _staged_files(pwg_system.settings.home) == []
    assert pwg_client.get("/imports/new").status_code == 200  # the server is still up


def test_a_file_failing_validation_on_the_page_leaves_no_upload_in_clear(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    """A rejected file with valid rows waits sealed (the officer may store those rows); no
    other upload stays, and nothing stays in clear."""
    sign_in(pwg_client, pwg_users["officer"])
    rejected = _page_upload(pwg_client, "moi_police_register_2008.csv", BAD.encode(), SOURCE)
    assert rejected.status_code == 422  # type: ignore[attr-defined]
    assert "Store the valid rows" in rejected.text  # type: ignore[attr-defined]
    waiting = _staged_files(pwg_system.settings.home)
    assert [path.name for path in waiting] == ["moi_police_register_2008.csv.sealed"]
    assert b"Keo Test" not in waiting[0].read_bytes()
    unreadable = _page_upload(
        pwg_client, "moi_police_register_2008.csv", b"Person Ref,Name\nP-1,x\n", SOURCE
    )
    assert unreadable.status_code == 422, unreadable.text  # type: ignore[attr-defined]
    assert "missing required column" in unreadable.text  # type: ignore[attr-defined]
    api = pwg_client.post(
        "/api/v1/imports",
        headers=bearer(pwg_users["officer"]),
        data={"source": SOURCE, "dry_run": "true"},
        files={"file": ("moi_police_register_2008.csv", BAD.encode())},
    )
    assert api.status_code == 422

    assert _staged_files(pwg_system.settings.home) == waiting  # the unreadable file left none


def test_stale_uploads_are_swept_when_the_app_starts(pwg_system: System) -> None:
    home = pwg_system.settings.home
    stale = home / "uploads" / "7" / ("a" * 32) / "moi_police_register_2008.csv"
    fresh = home / "uploads" / "7" / ("b" * 32) / "moi_police_register_2008.csv"
    stray = home / "uploads" / "stray.csv"
    for path in (stale, fresh, stray):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("P-1,Zzsweepqx Name\n", encoding="utf-8")
    old = time.time() - (pwg_system.settings.upload_max_age_hours * 3600 + 60)
    os.utime(stale, (old, old))
    os.utime(stale.parent, (old, old))

    app = create_app(pwg_system, passwords=Passwords(FAST))
    with TestClient(app, base_url=BASE_URL):
        pass

    assert _staged_files(home) == [fresh]


def test_an_upload_waiting_for_confirmation_is_sealed_not_plaintext(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    sign_in(pwg_client, pwg_users["officer"])
    checked = _page_upload(pwg_client, "moi_police_register_2008.csv", GOOD.encode(), SOURCE)
    assert checked.status_code == 200  # type: ignore[attr-defined]

    staged = _staged_files(pwg_system.settings.home)
    assert [p.name for p in staged] == ["moi_police_register_2008.csv.sealed"]
    assert b"Sok Test" not in staged[0].read_bytes() and b"Person Ref" not in staged[0].read_bytes()

    token = re.search(r'name="token" value="([0-9a-f]{32})"', checked.text)  # type: ignore[attr-defined]
    assert token
    done = pwg_client.post(
        "/imports/confirm",
        data={"csrf_token": csrf_of(checked.text), "token": token.group(1), "source": SOURCE},  # type: ignore[attr-defined]
    )
    assert done.status_code == 303
    assert re.fullmatch(r"/imports/\d+\?done=committed", done.headers["location"])
    assert _staged_files(pwg_system.settings.home) == []


def test_a_sealed_upload_of_an_earlier_run_cannot_be_confirmed(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    sign_in(pwg_client, pwg_users["officer"])
    checked = _page_upload(pwg_client, "moi_police_register_2008.csv", GOOD.encode(), SOURCE)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', checked.text)  # type: ignore[attr-defined]
    assert token
    pwg_client.app.state.upload_key = os.urandom(32)  # type: ignore[attr-defined]  # a restart

    done = pwg_client.post(
        "/imports/confirm",
        data={"csrf_token": csrf_of(checked.text), "token": token.group(1), "source": SOURCE},  # type: ignore[attr-defined]
    )

    assert done.status_code == 404
    assert _staged_files(pwg_system.settings.home) == []
