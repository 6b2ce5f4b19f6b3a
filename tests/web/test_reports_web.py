"""TIP tables on the web: view, download, publish with disclosure control (SQLite, PostgreSQL).

Readers of published figures see stored releases only (more in ``test_releases_web.py``).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.web import demo_web as shared
from tests.web.conftest import csrf_of
from tests.web.demo_web import DemoWeb, bearer, signed_in
from tipdata.reporting.releases import published_release
from tipdata.reporting.suppression import DisclosureError, UnsafeCell
from tipdata.reporting.tip import tip_report

demo_delivery, demo_db = shared.demo_delivery, shared.demo_db  # the fixtures used here
demo_web, demo_client = shared.demo_web, shared.demo_client
YEAR = "start=2008-01-01&end=2008-12-31"


def test_officer_sees_internal_tables_with_naive_sums(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    _app, users, database = demo_web
    body = demo_client.get(f"/api/v1/reports/tip?{YEAR}", headers=bearer(users["officer"])).json()
    assert body["kind"] == "internal"
    report = tip_report(database, date(2008, 1, 1), date(2008, 12, 31))
    assert [t["name"] for t in body["tables"]] == [t.name for t in report.tables]
    funnel = next(t for t in body["tables"] if t["name"] == "pathway_funnel")
    expected = report.table("pathway_funnel")
    assert {(c["row"], c["column"]): (c["value"], c["naive"]) for c in funnel["cells"]} == {
        (r, c): (expected.cell(r, c).value, expected.cell(r, c).naive)
        for r in expected.rows
        for c in expected.columns
    }
    # a figure a source cannot produce: no value, its status and the note naming the field
    offenders = next(t for t in body["tables"] if t["name"] == "foreign_child_sex_offenders")
    arrested = next(
        c for c in offenders["cells"] if c["row"] == "foreign_child_sex_offenders_arrested"
    )
    assert (arrested["value"], arrested["status"]) == (None, "not_recorded")
    assert "victim age" in arrested["note"]
    signed_in(demo_client, demo_web, "officer")
    page = demo_client.get(f"/reports?{YEAR}").text
    assert "not recorded" in page and "does not record victim age" in page


def test_fiscal_year_period_and_inverted_period(demo_client: TestClient, demo_web: DemoWeb) -> None:
    officer = bearer(demo_web[1]["officer"])
    fiscal = demo_client.get(
        "/api/v1/reports/tip?start=2008-04-01&end=2009-03-31", headers=officer
    ).json()
    assert (fiscal["start"], fiscal["end"]) == ("2008-04-01", "2009-03-31")
    inverted = demo_client.get(
        "/api/v1/reports/tip?start=2008-05-01&end=2008-04-01", headers=officer
    )
    assert inverted.status_code == 422
    assert inverted.json()["detail"] == "the period starts (2008-05-01) after it ends (2008-04-01)"
    this_year = date.today().year
    half = demo_client.post("/api/v1/reports/tip/publish?end=2000-04-01", headers=officer)
    assert half.status_code == 422  # the start defaults to 1 January of this year
    assert half.json()["detail"] == (
        f"the period starts ({this_year}-01-01) after it ends (2000-04-01)"
    )


@pytest.mark.slow
def test_reader_gets_published_figures_and_downloads_them(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    _app, users, database = demo_web
    reader = bearer(users["reader"])
    before = demo_client.get(f"/api/v1/reports/tip?{YEAR}", headers=reader)
    if before.status_code == 404:  # not released yet: the NTF releases it
        published = demo_client.post(
            f"/api/v1/reports/tip/publish?{YEAR}", headers=bearer(users["officer"])
        )
        assert published.status_code == 200, published.text
    body = demo_client.get(f"/api/v1/reports/tip?{YEAR}", headers=reader).json()
    assert body["kind"] == "published"
    stored = published_release(database, date(2008, 1, 1), date(2008, 12, 31), actor=None)
    table = stored.published().table("victims_by_exploitation")
    got = next(t for t in body["tables"] if t["name"] == "victims_by_exploitation")
    assert {(c["row"], c["column"]): (c["value"], c["status"]) for c in got["cells"]} == {
        key: (cell.value, cell.status) for key, cell in table.cells.items()
    }
    assert all(c["naive"] is None for t in body["tables"] for c in t["cells"])

    download = demo_client.get(f"/api/v1/reports/tip.csv?{YEAR}", headers=reader)
    assert download.headers["content-disposition"] == (
        'attachment; filename="tip-2008-01-01-2008-12-31-published.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {row["naive_sum"] for row in rows} == {""}
    assert "status" not in rows[0]  # primary/secondary would point at the small counts
    suppressed = [r for r in rows if r["note"] == "withheld"]
    assert suppressed and all(r["value"] == "" for r in suppressed)


def test_officer_downloads_xlsx_from_the_page_and_it_is_audited(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    users = demo_web[1]
    signed_in(demo_client, demo_web, "officer")
    page = demo_client.get(f"/reports?{YEAR}")
    assert page.status_code == 200
    assert f'href="/reports/tip.xlsx?{YEAR.replace("&", "&amp;")}"' in page.text
    assert "(internal figures, not for release)" in page.text
    response = demo_client.get(f"/reports/tip.xlsx?{YEAR}")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert "pathway_funnel" in " ".join(workbook.sheetnames) or len(workbook.sheetnames) > 1
    events = demo_client.get(
        "/api/v1/audit-events?action=export", headers=bearer(users["auditor"])
    ).json()["items"]
    assert events[0]["username"] == "officer"
    assert '"format": "xlsx"' in events[0]["detail"]


@pytest.mark.slow
def test_publish_records_the_release_digest(demo_client: TestClient, demo_web: DemoWeb) -> None:
    users = demo_web[1]
    response = demo_client.post(
        f"/api/v1/reports/tip/publish?{YEAR}", headers=bearer(users["officer"])
    )
    assert response.status_code == 200, response.text
    digest = response.json()["digest"]
    assert len(digest) == 64
    events = demo_client.get(
        "/api/v1/audit-events?action=report_release", headers=bearer(users["auditor"])
    ).json()["items"]
    assert f'"digest": "{digest}"' in events[0]["detail"]
    refused = demo_client.post(
        f"/api/v1/reports/tip/publish?{YEAR}", headers=bearer(users["reader"])
    )
    assert refused.status_code == 403


UNSAFE = UnsafeCell("victims_by_destination", "Thailand", "female", "primary", 2, 2, "disclosed")


@pytest.fixture
def unsafe_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the disclosure check refuse, as it does when a release is unsafe."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise DisclosureError([UNSAFE])

    monkeypatch.setattr("tipdata.reporting.releases.publish", refuse)


@pytest.mark.usefixtures("unsafe_release")
def test_unsafe_release_fails_listing_the_cells(demo_client: TestClient, demo_web: DemoWeb) -> None:
    users = demo_web[1]
    before = _releases(demo_client, demo_web)
    response = demo_client.post(
        f"/api/v1/reports/tip/publish?{YEAR}", headers=bearer(users["officer"])
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": "victims_by_destination[Thailand × female]", "message": str(UNSAFE)}
    ]
    signed_in(demo_client, demo_web, "officer")
    page = demo_client.get(f"/reports?{YEAR}")
    refused = demo_client.post(
        "/reports/publish",
        data={
            "csrf_token": csrf_of(page.text),
            "start": "2008-01-01",
            "end": "2008-12-31",
            "confirm": "yes",
        },
    )
    assert refused.status_code == 422
    assert "Not published: these cells could be recovered by a reader" in refused.text
    assert str(UNSAFE) in refused.text
    assert _releases(demo_client, demo_web) == before  # nothing recorded as released


def _releases(client: TestClient, demo: DemoWeb) -> int:
    events = client.get(
        "/api/v1/audit-events?action=report_release", headers=bearer(demo[1]["auditor"])
    ).json()["items"]
    return len(events)


def test_an_unreleased_download_is_not_published_on_the_page_as_by_the_api(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    period = "start=2008-02-01&end=2008-11-30"  # a period nobody released
    api = demo_client.get(
        f"/api/v1/reports/tip.csv?{period}", headers=bearer(demo_web[1]["reader"])
    )
    assert api.status_code == 404
    assert api.json()["detail"].startswith("Not published")
    signed_in(demo_client, demo_web, "reader")
    for file_format in ("csv", "xlsx"):
        page = demo_client.get(f"/reports/tip.{file_format}?{period}")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Not published: no release of the tip report covers 2008-02-01" in page.text


def test_officer_sees_every_indicator_with_naive_sums_and_readers_are_refused(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    from tipdata.reporting.engine import evaluate
    from tipdata.reporting.indicators import default_catalogue

    _app, _users, database = demo_web
    signed_in(demo_client, demo_web, "officer")
    page = demo_client.get(f"/reports/indicators?{YEAR}")
    assert page.status_code == 200
    catalogue = default_catalogue()
    assert page.text.count('<tr id="indicator-') == len(catalogue)
    victims = evaluate(
        database, catalogue["victims_identified"], date(2008, 1, 1), date(2008, 12, 31)
    )[()]
    row = page.text.split('id="indicator-victims_identified"')[1].split("</tr>")[0]
    assert f"<td>{victims.value}</td>" in row and f"<td>{victims.naive}</td>" in row
    assert victims.naive > victims.value > 0  # the overlap between agencies is visible

    signed_in(demo_client, demo_web, "reader")
    assert demo_client.get(f"/reports/indicators?{YEAR}").status_code == 403


def test_an_indicator_breaks_down_by_an_allowed_disaggregation(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    from tipdata.reporting.engine import evaluate
    from tipdata.reporting.indicators import default_catalogue

    _app, _users, database = demo_web
    signed_in(demo_client, demo_web, "officer")
    page = demo_client.get(f"/reports/indicators?{YEAR}&indicator=victims_identified&by=sex")
    assert page.status_code == 200
    table = page.text.split('id="breakdown-table"')[1].split("</table>")[0]
    indicator = default_catalogue()["victims_identified"]
    cells = evaluate(database, indicator, date(2008, 1, 1), date(2008, 12, 31), by=["sex"])
    shown = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>', table)
    expected = {
        ("unknown" if key[0] is None else str(key[0]), str(c.value), str(c.naive))
        for key, c in cells.items()
        if key
    }
    assert set(shown) == expected and len(shown) >= 2
    total = evaluate(database, indicator, date(2008, 1, 1), date(2008, 12, 31))[()]
    assert sum(int(value) for _c, value, _n in shown) == total.value  # one sex per person

    refused = demo_client.get(f"/reports/indicators?{YEAR}&indicator=victims_identified&by=colour")
    assert refused.status_code == 422
    assert "cannot be broken down by" in refused.text and "colour" in refused.text
