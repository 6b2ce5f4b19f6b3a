"""Releases are the public figures: readers are served stored releases only, over the API.

The NTF publishes fixed periods that overlap and nest (2008, 2008Q1, January 2008); the
statistics reader then runs the differencing attack of issue 14 over the API — every
period it can get, every nested pair subtracted cell by cell — and recovers no small
count. Without the cross-release gate the same attack succeeds (shown on the same data).
Readers get the stored bytes, never a computation; an unreleased period is 404.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web import demo_web as shared
from tests.web.demo_web import DemoWeb, bearer, signed_in
from tipdata.reporting.publish import publish
from tipdata.reporting.release_figures import figures_document
from tipdata.reporting.releases import releasable
from tipdata.reporting.tip import tip_report
from tipdata.store import ReportRelease, ReportReleaseFile

demo_delivery, sqlite_demo_db = shared.demo_delivery, shared.sqlite_demo_db  # fixtures used here
demo_web, demo_client = shared.demo_web, shared.demo_client

pytestmark = pytest.mark.slow  # three releases published on a copy of the demo


@pytest.fixture(scope="module")
def demo_db(sqlite_demo_db: shared.DemoDb) -> shared.DemoDb:
    """The demo on SQLite only: what this module tests is the API and the gate's arithmetic.

    Each release is a disclosure audit (thousands of linear programs) that costs the same on
    either engine; what PostgreSQL adds is covered where it is stored and counted:
    ``tests/reporting/test_releases.py`` stores and lists releases on both engines,
    ``tests/reporting/test_tip.py`` and ``tests/web/test_reports_web.py`` compute the
    figures of the demo on both.
    """
    return sqlite_demo_db


PERIODS = ("2008", "2008Q1", "200801")
"""Released in this order: a year, a quarter nested in it, a month nested in both."""

Cells = dict[tuple[str, str, str], tuple[int | None, str]]


@pytest.fixture(scope="module")
def released(demo_web: DemoWeb) -> Iterator[dict[str, dict[str, Any]]]:
    """The three periods published by the NTF officer over the API (module-wide)."""
    app, users, _db = demo_web
    answers = {}
    with TestClient(app, base_url=shared.BASE_URL) as client:
        for code in PERIODS:
            response = client.post(
                f"/api/v1/reports/tip/publish?period={code}", headers=bearer(users["officer"])
            )
            assert response.status_code == 200, response.text
            answers[code] = response.json()
    yield answers


def _cells(document: dict[str, Any]) -> Cells:
    return {
        (table["name"], cell["row"], cell["column"]): (cell["value"], cell["status"])
        for table in document["tables"]
        for cell in table["cells"]
    }


def _days(document: dict[str, Any]) -> tuple[date, date]:
    return date.fromisoformat(document["start"]), date.fromisoformat(document["end"])


def differencing_attack(documents: list[dict[str, Any]], threshold: int) -> list[str]:
    """Subtract every nested pair of documents cell by cell; report each small difference.

    A difference between a period and a period nested in it is the count of the piece
    of time nobody released: a value from 1 to threshold - 1 there is a small count a
    reader has recovered (the issue's "exactly one girl aged 0-11 on 1 January").
    """
    found = []
    for outer, inner in itertools.permutations(documents, 2):
        (outer_start, outer_end), (inner_start, inner_end) = _days(outer), _days(inner)
        if not (outer_start <= inner_start and inner_end <= outer_end):
            continue
        inner_cells = _cells(inner)
        for key, (value, status) in _cells(outer).items():
            other, other_status = inner_cells.get(key, (0, "free"))
            if status != "free" or other_status != "free" or value is None or other is None:
                continue
            if 1 <= value - other <= threshold - 1:
                found.append(f"{outer['start']}-{outer['end']} minus {inner['start']}: {key}")
    return found


def test_the_differencing_attack_over_the_api_recovers_nothing(
    demo_client: TestClient, demo_web: DemoWeb, released: dict[str, dict[str, Any]]
) -> None:
    app, users, database = demo_web
    reader = bearer(users["reader"])
    threshold = app.state.web.system.settings.disclosure_threshold
    listed = demo_client.get("/api/v1/reports/tip/releases", headers=reader).json()
    assert [item["period"] for item in listed] == ["2008", "2008Q1", "200801"]
    documents = []
    for item in listed:
        response = demo_client.get(f"/api/v1/reports/tip?period={item['period']}", headers=reader)
        assert response.status_code == 200
        documents.append(response.json())
    # the requests: overlapping day ranges are not published, whatever they are
    for query in (
        "start=2008-01-02&end=2008-12-31",
        "start=2008-01-01&end=2008-12-30",
        "start=2008-02-01&end=2008-11-30",
        "period=2008Q2",
        "year=2007",
    ):
        refused = demo_client.get(f"/api/v1/reports/tip?{query}", headers=reader)
        assert refused.status_code == 404, query
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["detail"].startswith("Not published: no release of the tip report")
    assert differencing_attack(documents, threshold) == []
    # every suppressed cell of every release stays out of reach of subtraction too:
    # the gate's own exact audit over the union of what the reader holds finds nothing
    from tipdata.reporting.overlap import audit_overlaps
    from tipdata.reporting.release_figures import published_from_document, released_figures

    with database.session() as session:
        rows = {r.period_code: r for r in session.scalars(sa.select(ReportRelease))}
        held = [
            released_figures(
                code, published_from_document(rows[code].figures or ""),
                rows[code].relations or {}, None,
            )
            for code in PERIODS
        ]  # fmt: skip
    assert audit_overlaps(held, threshold) == []


def test_without_releases_the_same_attack_succeeds(demo_web: DemoWeb) -> None:
    """The attack is real: the figures of 1 January-31 December and 2 January-31 December
    2008, each protected on its own as readers were served them before, give small counts
    away by subtraction (the issue's 1,797 cells; here on the small demo)."""
    app, _users, database = demo_web
    threshold = app.state.web.system.settings.disclosure_threshold
    documents = []
    for start in (date(2008, 1, 1), date(2008, 1, 2)):
        report = releasable(tip_report(database, start, date(2008, 12, 31)))
        alone = publish(report, threshold=threshold)
        text = figures_document(
            alone, release_id=0, report_kind="tip_report", period_code="",
            released_at=report.generated_at,
        )  # fmt: skip
        documents.append(json.loads(text))
    assert len(differencing_attack(documents, threshold)) > 0


def test_readers_get_the_stored_release_byte_for_byte_and_nothing_is_computed(
    demo_client: TestClient,
    demo_web: DemoWeb,
    released: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, users, database = demo_web

    def no_counting(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a reader's request computed figures")

    monkeypatch.setattr("tipdata.web.figures.tip_report", no_counting)
    app.state.web.figures.clear()
    with database.session() as session:
        row = session.scalars(
            sa.select(ReportRelease).where(ReportRelease.period_code == "2008")
        ).one()
        stored_files = {
            f.name: f.content
            for f in session.scalars(
                sa.select(ReportReleaseFile).where(ReportReleaseFile.release_id == row.id)
            )
        }
        figures, files = row.figures, dict(row.files)
    assert figures is not None
    for role in ("reader", "focal"):
        response = demo_client.get("/api/v1/reports/tip?year=2008", headers=bearer(users[role]))
        assert response.status_code == 200
        assert response.content == figures.encode("utf-8")
        assert response.headers["content-encoding"] == "gzip"  # sent compressed, same bytes
    plain = demo_client.get(
        "/api/v1/reports/tip?year=2008",
        headers={**bearer(users["reader"]), "Accept-Encoding": "identity"},
    )
    assert "content-encoding" not in plain.headers
    assert plain.content == figures.encode("utf-8")
    held = demo_client.get(
        "/api/v1/reports/tip?year=2008",
        headers={**bearer(users["reader"]), "If-None-Match": plain.headers["etag"]},
    )
    assert (held.status_code, held.content) == (304, b"")
    body = json.loads(figures)
    assert (body["kind"], body["period"], body["release_id"]) == ("published", "2008", row.id)
    assert body["digest"] == released["2008"]["digest"]
    for file_format in ("csv", "xlsx"):
        download = demo_client.get(
            f"/api/v1/reports/tip.{file_format}?period=2008", headers=bearer(users["reader"])
        )
        assert download.status_code == 200
        name = next(n for n in stored_files if n.endswith(f".{file_format}"))
        assert download.content == stored_files[name]
        assert hashlib.sha256(download.content).hexdigest() == files[name]
    unreleased = demo_client.get(
        "/api/v1/reports/tip.csv?start=2008-01-02&end=2008-12-31", headers=bearer(users["reader"])
    )
    assert unreleased.status_code == 404
    # the page: the release's digits, and a clear message for an unreleased period
    signed_in(demo_client, demo_web, "reader")
    page = demo_client.get("/reports?period=2008")
    assert page.status_code == 200
    assert f"Release {row.id} of 2008" in page.text
    missing = demo_client.get("/reports?start=2008-01-02&end=2008-12-31")
    assert missing.status_code == 404
    assert "Not published: no release of the tip report covers 2008-01-02 to 2008-12-31" in (
        missing.text
    )
    # the dashboard: the release for 2008, "not published" for 2007, never a computation
    board = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["reader"])).json()
    assert board["figures_kind"] == "published"
    stored = {(c[1], c[2]): c for c in _cells(body) if c[0] == "pathway_funnel"}
    funnel = {f["code"]: (f["value"], f["status"]) for f in board["funnel"]}
    assert funnel == {
        row_code: _cells(body)[("pathway_funnel", row_code, "Total")]
        for (row_code, column) in stored
        if column == "Total" and row_code != "Total"
    }
    earlier = demo_client.get("/api/v1/dashboard?year=2007", headers=bearer(users["reader"]))
    assert earlier.json()["figures_kind"] == "not_published"
    assert (
        demo_client.get("/api/v1/dashboard", headers=bearer(users["reader"])).json()["year"] == 2008
    )  # opens on the newest released year


def test_the_ntf_still_asks_any_period_and_publishes_only_fixed_ones(
    demo_client: TestClient, demo_web: DemoWeb, released: dict[str, dict[str, Any]]
) -> None:
    users = demo_web[1]
    officer = bearer(users["officer"])
    asked = "start=2008-01-02&end=2008-12-31"
    internal = demo_client.get(f"/api/v1/reports/tip?{asked}", headers=officer)
    assert internal.status_code == 200 and internal.json()["kind"] == "internal"
    refused = demo_client.post(
        "/api/v1/reports/tip/publish?start=2008-01-02&end=2008-12-31", headers=officer
    )
    assert refused.status_code == 422
    assert (
        "a release covers one whole fixed period (year, quarter, month)"
        in (refused.json()["detail"])
    )
    assert demo_client.get("/api/v1/dashboard", headers=officer).json()["year"] == 2008


def _withheld_marks(html: str) -> set[str]:
    """How each withheld cell (``x``) of a page's tables is written: its opening tag (the
    page links every figure, withheld or not, to its explanation alike)."""
    return set(re.findall(r"(<td[^>]*>)(?:<a [^>]*>)?x(?:</a>)?(?:</td>|\s*<)", html))


def test_no_public_form_of_a_release_tells_primary_from_secondary_cells(
    demo_client: TestClient, demo_web: DemoWeb, released: dict[str, dict[str, Any]]
) -> None:
    """A reader who could tell a small count (primary) from a cell hidden to protect it
    (secondary) would know where the small counts are. Every public form of a release,
    fetched as the statistics reader, writes every withheld cell the same way."""
    app, users, database = demo_web
    reader = bearer(users["reader"])
    threshold = app.state.web.system.settings.disclosure_threshold
    # the test means something: inside the gate 2008 has both kinds
    inside = publish(releasable(tip_report(database, date(2008, 1, 1), date(2008, 12, 31))),
                     threshold=threshold)  # fmt: skip
    kinds = {c.status for t in inside.tables for c in t.cells.values()}
    assert {"primary", "secondary"} <= kinds
    for code in PERIODS:
        # the figures over the API
        response = demo_client.get(f"/api/v1/reports/tip?period={code}", headers=reader)
        assert response.status_code == 200
        document = response.json()
        statuses = {status for _value, status in _cells(document).values()}
        assert statuses <= {"free", "withheld"}, code
        assert "withheld" in statuses, code
        assert all(
            (value is None) == (status == "withheld") for value, status in _cells(document).values()
        )
        assert "primary" not in response.text and "secondary" not in response.text
        # the CSV over the API: a note, the same for every withheld cell
        csv_file = demo_client.get(f"/api/v1/reports/tip.csv?period={code}", headers=reader)
        rows = list(csv.DictReader(io.StringIO(csv_file.text)))
        assert "status" not in rows[0]
        assert {row["note"] for row in rows if row["value"] == ""} <= {"withheld", "not recorded"}
        assert "primary" not in csv_file.text and "secondary" not in csv_file.text
        # the XLSX over the API: every withheld cell an x with the same look
        workbook = openpyxl.load_workbook(
            io.BytesIO(
                demo_client.get(f"/api/v1/reports/tip.xlsx?period={code}", headers=reader).content
            )
        )
        looks = set()
        for sheet in workbook.worksheets:
            for line in sheet.iter_rows():
                for cell in line:
                    text = str(cell.value or "")
                    assert "primary" not in text.lower() and "secondary" not in text.lower()
                    if cell.value == "x":
                        looks.add((cell.fill.fgColor.rgb, cell.font.b, cell.number_format))
        assert 1 <= len({look[0] for look in looks}) <= 1  # one fill for every x
    # the reader's page of each release: every x written alike
    signed_in(demo_client, demo_web, "reader")
    for code in PERIODS:
        page = demo_client.get(f"/reports?period={code}")
        assert page.status_code == 200
        assert len(_withheld_marks(page.text)) == 1, code
        assert not re.search(r'data-status="(primary|secondary)"', page.text)
    # the HTML file stored with each release (what the NTF hands out): no status but withheld
    with database.session() as session:
        pages = [
            f.content.decode("utf-8")
            for f in session.scalars(
                sa.select(ReportReleaseFile).where(ReportReleaseFile.name.endswith(".html"))
            )
        ]
    assert len(pages) == len(PERIODS)
    for html in pages:
        assert set(re.findall(r'data-status="([^"]+)"', html)) <= {
            "free",
            "withheld",
            "not_recorded",
        }
        assert "withheld" in re.findall(r'data-status="([^"]+)"', html)
        marks = {mark for mark in _withheld_marks(html) if "total" not in mark}
        assert len(marks) == 1, marks
        assert not re.search(r'class="[^"]*\b(primary|secondary)\b', html)
