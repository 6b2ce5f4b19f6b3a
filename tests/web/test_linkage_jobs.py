"""Linkage started from the web runs outside the request (issue 18, item 5), on both engines.

The form and ``POST /api/v1/linkage/jobs`` answer at once with a job; the job's page reloads
itself while the run goes on and shows the run with its calibration once finished; a second
start while one runs is refused (409), in English and in Khmer. The app's jobs are given a
runner that waits for the test's signal before it calls the real :func:`link`, so "while
one runs" is a state the test holds, not a race.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import WebUser, csrf_of, sign_in
from tipdata.linkage.service import LinkageJobs, LinkRun, link
from tipdata.system import System

HEADER = (
    "Person Ref,Case No,Role,Name,Sex,Age,Event Date,Destination,Case Status,Exploitation,"
    "Nationality,Home Province\n"
)
ROWS = (
    "P-1,K-1,victim,Sok Dara,F,16,03-04-2008,Thailand,open,labour,Khmer,Phnom Penh\n"
    "P-2,K-1,suspect,Chan Vuthy,M,41,04-04-2008,Thailand,open,labour,Khmer,Kandal\n"
    "P-3,K-2,victim,Sok Dara,F,16,05-05-2008,Thailand,open,labour,Khmer,Phnom Penh\n"
    "P-4,K-2,victim,Keo Srey,F,19,05-05-2008,Malaysia,open,sex,Khmer,Kampot\n"
)
ALERT = re.compile(r'id="linkage-error">([^<]*)<')


class HeldRunner:
    """The real :func:`link`, called only once the test lets it go."""

    def __init__(self) -> None:
        self.go = threading.Event()

    def __call__(self, db: Any, **options: Any) -> LinkRun:
        assert self.go.wait(60), "the test never let the run go"
        return link(db, **options)


def _import(system: System, tmp_path: Path) -> None:
    from tipdata.ingest import import_file

    export = tmp_path / "moi_police_register_2008.csv"
    export.write_text(HEADER + ROWS)
    assert import_file(system.db, export, "moi_police_register").status == "committed"


def _held(app: FastAPI, system: System) -> HeldRunner:
    runner = HeldRunner()
    app.state.linkage_jobs = LinkageJobs(system.db, runner=runner)
    return runner


def _start(client: TestClient, mode: str = "auto") -> Any:
    token = csrf_of(client.get("/linkage").text)
    return client.post("/linkage/run", data={"csrf_token": token, "mode": mode})


def test_the_form_starts_a_run_that_its_page_follows_to_the_calibration(
    pwg_system: System,
    pwg_users: dict[str, WebUser],
    pwg_app: FastAPI,
    pwg_client: TestClient,
    tmp_path: Path,
) -> None:
    system, client = pwg_system, pwg_client
    _import(system, tmp_path)
    runner = _held(pwg_app, system)
    sign_in(client, pwg_users["officer"])

    started = _start(client)
    assert started.status_code == 303
    assert started.headers["location"] == "/linkage/jobs/1"
    page = client.get("/linkage/jobs/1")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "Linkage run under way" in page.text and 'id="job-step">Starting<' in page.text
    listing = client.get("/linkage").text
    assert 'id="linkage-running"' in listing and 'href="/linkage/jobs/1"' in listing

    # a second start while the first runs: refused on the same page, in both languages
    refused = _start(client, "full")
    assert refused.status_code == 409
    assert (
        ALERT.search(refused.text)
        .group(1)
        .startswith(  # type: ignore[union-attr]
            "A linkage run is under way, started by officer at "
        )
    )
    client.cookies.set("tipdata_lang", "km")
    refused = _start(client, "full")
    assert refused.status_code == 409
    khmer = ALERT.search(refused.text).group(1)  # type: ignore[union-attr]
    assert khmer.startswith("ការភ្ជាប់កំណត់ត្រាមួយកំពុងដំណើរការ ដែលចាប់ផ្តើមដោយ officer")
    assert not re.search(r"[A-Za-z]{4,}", khmer.replace("officer", "").replace("UTC", ""))
    assert "ការភ្ជាប់កំណត់ត្រាកំពុងដំណើរការ" in client.get("/linkage/jobs/1").text
    client.cookies.set("tipdata_lang", "en")

    runner.go.set()
    job = pwg_app.state.linkage_jobs.wait(1, timeout=300)
    assert job.state == "finished", job.error
    done = client.get("/linkage/jobs/1")
    assert done.status_code == 303
    assert done.headers["location"] == f"/linkage?done={job.run_id}"
    shown = client.get(done.headers["location"]).text
    assert f'id="run-records">{len(ROWS.splitlines())}<' in shown
    assert 'id="calibration"' in shown and 'id="linkage-running"' not in shown
    assert "Prior: share of compared pairs that are one person" in shown
    assert "m</th>" in shown and "u</th>" in shown  # each level's m and u


def test_an_impossible_run_is_refused_before_it_starts(
    pwg_system: System, pwg_users: dict[str, WebUser], pwg_app: FastAPI, pwg_client: TestClient
) -> None:
    # no model yet: new records alone cannot be linked; said at once, no job started
    sign_in(pwg_client, pwg_users["officer"])
    refused = _start(pwg_client, "incremental")
    assert refused.status_code == 422
    assert (
        ALERT.search(refused.text)
        .group(1)
        .startswith(  # type: ignore[union-attr]
            "The new records alone cannot be linked now"
        )
    )
    assert pwg_app.state.linkage_jobs.latest() is None
    assert pwg_client.get("/linkage/jobs/1").status_code == 404


def test_the_api_starts_a_job_and_refuses_a_second(
    pwg_system: System,
    pwg_users: dict[str, WebUser],
    pwg_app: FastAPI,
    pwg_client: TestClient,
    tmp_path: Path,
) -> None:
    system, client = pwg_system, pwg_client
    _import(system, tmp_path)
    runner = _held(pwg_app, system)
    officer = {"Authorization": f"Bearer {pwg_users['officer'].api_token}"}
    reader = {"Authorization": f"Bearer {pwg_users['reader'].api_token}"}

    assert client.post("/api/v1/linkage/jobs", json={}, headers=reader).status_code == 403
    started = client.post("/api/v1/linkage/jobs", json={"mode": "full"}, headers=officer)
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["job_id"], job["state"], job["mode"], job["started_by"]) == (
        1,
        "running",
        "full",
        "officer",
    )
    second = client.post("/api/v1/linkage/runs", json={"mode": "full"}, headers=officer)
    assert second.status_code == 409
    assert second.json()["detail"].startswith("a linkage run is under way, started by officer")
    assert client.get("/api/v1/linkage/jobs/1", headers=reader).status_code == 403

    runner.go.set()
    pwg_app.state.linkage_jobs.wait(1, timeout=300)
    finished = client.get("/api/v1/linkage/jobs/1", headers=officer).json()
    assert finished["state"] == "finished" and finished["error"] is None
    runs = client.get("/api/v1/linkage/runs", headers=officer).json()
    assert [run["run_id"] for run in runs] == [finished["run_id"]]
    assert runs[0]["records"] == len(ROWS.splitlines())
    assert runs[0]["calibration"]["prior"] > 0
    assert client.get("/api/v1/linkage/jobs/2", headers=officer).status_code == 404
