"""The national dashboard over a small demo database (SQLite and PostgreSQL), as real users.

The figures must be exactly what the reporting services compute: internal
(de-duplicated beside the naive agency sums) for the NTF, the stored release of the year
for readers of published figures (never a computation); each section only for the roles
that may see it.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web import demo_web as shared
from tests.web.demo_web import DemoWeb, bearer, signed_in
from tipdata.reporting import migration
from tipdata.reporting.report import TOTAL
from tipdata.reporting.tip import tip_report
from tipdata.store import ReportRelease

START, END = date(2008, 1, 1), date(2008, 12, 31)
demo_delivery, demo_db = shared.demo_delivery, shared.demo_db  # the fixtures used here
demo_web, demo_client = shared.demo_web, shared.demo_client


def test_ntf_sees_deduplicated_figures_beside_naive_sums_exactly_as_the_service(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    _app, users, database = demo_web
    response = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["officer"]))
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["figures_kind"] == "internal"
    report = tip_report(database, START, END)
    expected = {
        row: (report.table(t).cell(row, TOTAL).value, report.table(t).cell(row, TOTAL).naive)
        for t, row in [
            ("pathway_funnel", "victims_identified"),
            ("pathway_funnel", "victims_referred"),
            ("law_enforcement", "investigations"),
            ("law_enforcement", "suspects_arrested"),
            ("law_enforcement", "persons_prosecuted"),
            ("law_enforcement", "persons_convicted"),
        ]
    }
    assert {f["code"]: (f["value"], f["naive"]) for f in board["headline"]} == expected
    identified = expected["victims_identified"]
    assert 0 < identified[0] < identified[1]  # the overlap between agencies is visible
    exploitation = report.table("victims_by_exploitation")
    assert [(f["code"], f["value"], f["naive"]) for f in board["by_exploitation"]] == [
        (row, exploitation.cell(row, TOTAL).value, exploitation.cell(row, TOTAL).naive)
        for row in exploitation.rows
        if row != TOTAL
    ]
    assert board["completeness"]["expected"] == 24 * 26  # 24 provinces in 2008, 26 bi-weeks
    assert board["import_quality"] and board["findings"] is not None


@pytest.fixture(scope="module")
def released_2008(demo_web: DemoWeb) -> dict:  # type: ignore[type-arg]
    """The NTF releases 2008 (readers see releases only); its stored figures document."""
    app, users, database = demo_web
    with TestClient(app, base_url=shared.BASE_URL) as client:
        response = client.post(
            "/api/v1/reports/tip/publish?year=2008", headers=bearer(users["officer"])
        )
        assert response.status_code == 200, response.text
    with database.session() as session:
        figures = session.scalars(
            sa.select(ReportRelease.figures).where(ReportRelease.period_code == "2008")
        ).one()
    return json.loads(figures or "{}")


@pytest.mark.usefixtures("released_2008")
def test_statistics_reader_gets_published_figures_only(
    demo_client: TestClient,
    demo_web: DemoWeb,
    released_2008: dict,  # type: ignore[type-arg]
) -> None:
    _app, users, _database = demo_web
    board = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["reader"])).json()
    assert board["figures_kind"] == "published"
    funnel = next(t for t in released_2008["tables"] if t["name"] == "pathway_funnel")
    stored = {(c["row"], c["column"]): (c["value"], c["status"]) for c in funnel["cells"]}
    assert [(f["code"], f["value"], f["status"]) for f in board["funnel"]] == [
        (row, *stored[(row, TOTAL)]) for row in funnel["rows"] if row != TOTAL
    ]
    assert all(f["naive"] is None for f in board["headline"])
    assert (board["completeness"], board["findings"], board["import_quality"]) == (None,) * 3


@pytest.mark.usefixtures("released_2008")
def test_sections_follow_the_role(demo_client: TestClient, demo_web: DemoWeb) -> None:
    _app, users, _db = demo_web
    auditor = demo_client.get(
        "/api/v1/dashboard?year=2008", headers=bearer(users["auditor"])
    ).json()
    assert [k for k, v in auditor.items() if v not in (None, [])] == ["year", "start", "end"]
    focal = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["focal"])).json()
    assert focal["figures_kind"] == "published"
    assert focal["completeness"] is not None
    assert (focal["findings"], focal["import_quality"]) == (None, None)


@pytest.mark.usefixtures("released_2008")
def test_dashboard_page_for_the_officer_and_for_a_reader(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    signed_in(demo_client, demo_web, "officer")
    html = demo_client.get("/dashboard?year=2008").text
    for heading in ("National figures", "Provincial reporting completeness", "Legal findings"):
        assert heading in html
    assert "Sum of agency records" in html
    assert 'src="/dashboard/charts/trend.svg?year=2008"' in html
    chart = demo_client.get("/dashboard/charts/exploitation.svg?year=2008")
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.text.startswith("<svg")
    grid = demo_client.get("/dashboard/charts/completeness.svg?year=2008")
    assert grid.status_code == 200
    signed_in(demo_client, demo_web, "reader")
    html = demo_client.get("/dashboard?year=2008").text
    assert "Published, disclosure-controlled figures" in html
    assert "Sum of agency records" not in html
    assert "Provincial reporting completeness" not in html
    assert demo_client.get("/dashboard/charts/completeness.svg?year=2008").status_code == 403


def test_ntf_and_molvt_see_migration_figures_by_company(
    demo_client: TestClient,
    demo_web: DemoWeb,
    released_2008: dict,  # type: ignore[type-arg]
) -> None:
    app, users, database = demo_web
    report = migration.migration_report(database, START, END)
    counts = report.table(migration.COUNT_TABLE)
    officer = demo_client.get(
        "/api/v1/dashboard?year=2008", headers=bearer(users["officer"])
    ).json()
    assert officer["migration_kind"] == "internal"
    assert {
        (row["company"], row["destination"], f["code"]): (f["value"], f["low"], f["high"])
        for row in officer["migration"]
        for f in row["figures"]
    } == {
        (*row.split(" | "), column): (
            counts.cell(row, column).value,
            counts.ranges[(row, column)].low,
            counts.ranges[(row, column)].high,
        )
        for row in counts.rows
        for column in counts.columns
    }
    # the regulator is served the year's stored release: its figures as stored, no medians
    stored = next(t for t in released_2008["tables"] if t["name"] == migration.COUNT_TABLE)
    cells = {(c["row"], c["column"]): c for c in stored["cells"]}
    molvt = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["molvt"])).json()
    assert molvt["migration_kind"] == "published"
    by_row = {f"{row['company']} | {row['destination']}": row for row in molvt["migration"]}
    assert list(by_row) == stored["rows"]
    assert {
        (row, f["code"]): (f["value"], f["status"], f["low"], f["high"])
        for row, entry in by_row.items()
        for f in entry["figures"]
    } == {
        (row, column): (
            cells[(row, column)]["value"], cells[(row, column)]["status"],
            cells[(row, column)].get("low"), cells[(row, column)].get("high"),
        )
        for row in stored["rows"]
        for column in stored["columns"]
    }  # fmt: skip
    assert {entry["median_days"] for entry in by_row.values()} == {None}
    threshold = app.state.web.system.settings.disclosure_threshold
    small = [
        (row, f["code"])
        for row in officer["migration"]
        for f in row["figures"]
        if f["value"] is not None and 1 <= f["value"] < threshold
    ]
    assert small
    assert all(
        f["value"] is None and f["low"] is None
        for row, code in small
        for f in by_row[f"{row['company']} | {row['destination']}"]["figures"]
        if f["code"] == code
    )
    assert molvt["figures_kind"] == "published" and molvt["import_quality"] is None
    # a year nobody released: "not published", and nothing is computed for the regulator
    cache = app.state.web.figures
    computed = cache.computed
    unreleased = demo_client.get(
        "/api/v1/dashboard?year=2007", headers=bearer(users["molvt"])
    ).json()
    assert (unreleased["migration_kind"], unreleased["migration"]) == ("not_published", None)
    assert cache.computed == computed
    reader = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["reader"])).json()
    assert (reader["migration"], reader["migration_kind"]) == (None, None)
    signed_in(demo_client, demo_web, "molvt")
    html = demo_client.get("/dashboard?year=2008").text
    assert "Labour migration by licensed company" in html
    html = demo_client.get("/dashboard?year=2007").text
    assert 'id="migration"' in html and "Not published" in html
    signed_in(demo_client, demo_web, "officer")
    html = demo_client.get("/dashboard?year=2008").text
    assert "Labour migration by licensed company" in html and "range over the linkage" in html


def test_every_person_count_carries_its_range_internally_and_as_released(
    demo_client: TestClient,
    demo_web: DemoWeb,
    released_2008: dict,  # type: ignore[type-arg]
) -> None:
    _app, users, database = demo_web
    report = tip_report(database, START, END)
    officer = demo_client.get(
        "/api/v1/dashboard?year=2008", headers=bearer(users["officer"])
    ).json()
    funnel = report.table("pathway_funnel")
    assert {f["code"]: (f["low"], f["high"], f["expected"]) for f in officer["funnel"]} == {
        row: (r.low, r.high, r.expected)
        for (row, _column), r in funnel.ranges.items()
        if row != TOTAL
    }
    reader = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["reader"])).json()
    stored = next(t for t in released_2008["tables"] if t["name"] == "pathway_funnel")
    cells = {(c["row"], c["column"]): c for c in stored["cells"]}
    assert [(f["code"], f["low"], f["high"]) for f in reader["funnel"]] == [
        (row, cells[(row, TOTAL)]["low"], cells[(row, TOTAL)]["high"])
        for row in stored["rows"]
        if row != TOTAL
    ]
    assert all(f["expected"] is None for f in reader["funnel"])  # the expectation is internal
    api = demo_client.get("/api/v1/reports/tip?year=2008", headers=bearer(users["officer"]))
    table = next(t for t in api.json()["tables"] if t["name"] == "victims_by_sex_age")
    ranges = report.table("victims_by_sex_age").ranges
    assert {
        (c["row"], c["column"]): (c["low"], c["high"], c["expected"]) for c in table["cells"]
    } == {
        (row, column): (r.low, r.high, r.expected)
        if (r := ranges.get((row, column)))
        else (None,) * 3
        for row in report.table("victims_by_sex_age").rows
        for column in report.table("victims_by_sex_age").columns
    }


def test_figures_are_computed_once_per_period(demo_client: TestClient, demo_web: DemoWeb) -> None:
    app, users, _db = demo_web
    cache = app.state.web.figures
    cache.clear()
    before = cache.computed
    for _ in range(3):
        demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["officer"]))
    # the TIP tables and the migration tables (the officer reads both), each once
    assert cache.computed == before + 2


def test_year_out_of_range_is_422(demo_client: TestClient, demo_web: DemoWeb) -> None:
    response = demo_client.get(
        "/api/v1/dashboard?year=1900", headers=bearer(demo_web[1]["officer"])
    )
    assert response.status_code == 422


def test_days_late_count_to_the_years_reporting_date_and_a_cut_list_says_so(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    """Issue 18: "Days late" was counted to today (6,898 days for 2008), the list cut silently."""
    _app, users, _database = demo_web
    board = demo_client.get("/api/v1/dashboard?year=2008", headers=bearer(users["officer"]))
    completeness = board.json()["completeness"]
    assert completeness["as_of"] == "2009-01-02"  # 2008BW26 due: its last day + 5 days
    late = completeness["late"]
    assert late and max(row["days_late"] for row in late) <= 366
    assert completeness["late_total"] >= len(late)
    signed_in(demo_client, demo_web, "officer")
    html = demo_client.get("/dashboard?year=2008").text
    assert "(to 2009-01-02)" in html
    if completeness["late_total"] > len(late):
        assert f"the {len(late)} most late of {completeness['late_total']:,}" in html
