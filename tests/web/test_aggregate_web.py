"""Aggregate reporting pages over HTTP: the period chooser from the period now due, the
entry grid's totals, warnings apart from errors, the reopen notice, the NTF's queue, the
pivot table (page, CSV, XLSX, the reports behind a cell), the map; and who sees what.
"""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.web.conftest import WebUser, csrf_of, sign_in

OWN, OTHER = "12", "01"
GRID = {
    "victims_identified.female_child": 1,
    "victims_identified.female_adult": 2,
    "victims_identified.male_child": 0,
    "victims_identified.male_adult": 4,
    "cases_investigated": 1,
    "suspects_arrested": 2,
}


def as_user(client: TestClient, user: WebUser) -> None:
    """Sign in as this user (signing out whoever was)."""
    client.cookies.clear()
    sign_in(client, user)


def bearer(user: WebUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api_token}"}


def submit(client: TestClient, user: WebUser, province: str, period: str, values: dict) -> None:
    url = f"/api/v1/provincial/submissions/{province}/{period}/submit"
    answer = client.post(url, json={"values": values}, headers=bearer(user))
    assert answer.status_code == 200, answer.text


def test_the_chooser_starts_at_the_period_now_due_with_each_status(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal = pwg_users["focal"]
    submit(pwg_client, focal, OWN, "2008BW03", GRID)
    as_user(pwg_client, focal)
    page = pwg_client.get("/provincial?year=2008")
    assert page.status_code == 200
    rows = re.findall(r'<tr(?: class="now-due")? id="p-(\d{4}BW\d\d)">', page.text)
    assert rows[0] == "2008BW26" and rows[-1] == "2008BW01" and len(rows) == 26  # newest first
    row = page.text.split('id="p-2008BW03"')[1].split("</tr>")[0]
    assert "submitted" in row and "overdue" not in row
    missing = page.text.split('id="p-2008BW04"')[1].split("</tr>")[0]
    assert "not started" in missing and "overdue" in missing
    this_year = pwg_client.get("/provincial")  # today's year: starts at the period now due
    first = re.findall(r'<tr(?: class="now-due")? id="p-(\d{4}BW\d\d)">', this_year.text)[0]
    assert f'<tr class="now-due" id="p-{first}">' in this_year.text


def test_the_grid_works_out_totals_and_keeps_warnings_apart_from_errors(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    as_user(pwg_client, pwg_users["focal"])
    url = f"/provincial/{OWN}/2008BW05"
    page = pwg_client.get(url)
    typed = {k: str(v) for k, v in GRID.items()} | {"victims_referred": "9"}
    totals = pwg_client.post(
        url, data={"csrf_token": csrf_of(page.text), "action": "totals", **typed}
    )
    assert totals.status_code == 200
    assert 'id="sum-victims_identified-female">3<' in totals.text  # down the column
    assert 'id="sum-victims_identified-adult">6<' in totals.text  # along the row
    assert "The parts add up to 7." in totals.text
    assert pwg_client.get(f"/api/v1/provincial/submissions/{OWN}/2008BW05").status_code == 401
    submitted = pwg_client.post(
        url, data={"csrf_token": csrf_of(totals.text), "action": "submit", **typed}
    )
    assert submitted.status_code == 303  # a warning (referred 9 > identified 7) never blocks
    shown = pwg_client.get(submitted.headers["location"])
    assert '<li class="warning"><strong>Warning</strong>' in shown.text
    assert '<li class="error">' not in shown.text
    assert 'class="has-warning" aria-describedby="e-victims_referred"' in shown.text


def test_a_reopened_report_is_announced_to_its_province_and_the_queue_empties(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    focal, officer = pwg_users["focal"], pwg_users["officer"]
    submit(pwg_client, focal, OWN, "2008BW03", GRID)
    submit(pwg_client, officer, OTHER, "2008BW03", GRID)
    as_user(pwg_client, officer)
    queue = pwg_client.get("/provincial/queue")
    assert re.findall(r'id="q-(\d\d)-2008BW03"', queue.text) == [OWN, OTHER]
    reopen = pwg_client.post(
        f"/api/v1/provincial/submissions/{OWN}/2008BW03/reopen",
        json={"version": 2, "reason": "male adults look too high"},
        headers=bearer(officer),
    )
    assert reopen.status_code == 200
    queue = pwg_client.get("/provincial/queue")
    assert re.findall(r'id="q-(\d\d)-2008BW03"', queue.text) == [OTHER]
    as_user(pwg_client, focal)
    chooser = pwg_client.get("/provincial?year=2008")
    notice = chooser.text.split('id="notices"')[1].split("</section>")[0]
    assert "male adults look too high" in notice and "/provincial/12/2008BW03" in notice


def test_the_pivot_splits_by_sex_and_age_and_explains_a_cell(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    officer = pwg_users["officer"]
    submit(pwg_client, officer, OWN, "2008BW03", GRID)
    submit(pwg_client, officer, OTHER, "2008BW03", {"victims_identified": 5})  # total only
    submit(pwg_client, officer, OTHER, "2008BW04", GRID)
    as_user(pwg_client, officer)
    query = "rows=province&columns=sex&data_element=victims_identified"
    page = pwg_client.get(f"/provincial/pivot?{query}")
    assert page.status_code == 200
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", page.text, re.S)
    cells = {name: re.findall(r">(\d+|—)<", body) for name, body in rows}
    assert cells["Banteay Meanchey"] == ["3", "4", "5", "12"]  # female, male, not broken down
    assert cells["Phnom Penh"] == ["3", "4", "—", "7"]
    lines = list(csv.reader(io.StringIO(pwg_client.get(f"/provincial/pivot.csv?{query}").text)))
    assert lines[0] == ["\ufeffProvince", "female", "male", "not broken down", "Total"]
    assert lines[-1] == ["Total", "6", "8", "5", "19"]
    book = load_workbook(io.BytesIO(pwg_client.get(f"/provincial/pivot.xlsx?{query}").content))
    assert [c.value for c in book.active[4]] == ["Total", 6, 8, 5, 19]
    cell = pwg_client.get(f"/provincial/pivot/cell?{query}&row={OTHER}&column=male")
    assert re.findall(r"<a href=\"/provincial/01/(\w+)\">", cell.text) == ["2008BW04"]
    assert "= <strong>4</strong>" in cell.text


def test_a_focal_point_pivots_only_their_province_and_never_sees_queue_or_map(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    submit(pwg_client, pwg_users["officer"], OTHER, "2008BW03", GRID)
    submit(pwg_client, pwg_users["focal"], OWN, "2008BW03", GRID)
    as_user(pwg_client, pwg_users["focal"])
    asked_other = pwg_client.get(f"/provincial/pivot?rows=province&province={OTHER}")
    assert re.findall(r"<th scope=\"row\">([^<]+)</th>", asked_other.text) == ["Phnom Penh"]
    assert f'name="province" value="{OTHER}"' not in asked_other.text  # not even offered
    cell = pwg_client.get(f"/provincial/pivot/cell?rows=province&row={OTHER}")
    assert "/provincial/01/" not in cell.text
    file = pwg_client.get(f"/provincial/pivot.csv?rows=province&province={OTHER}").text
    assert "Banteay Meanchey" not in file
    assert pwg_client.get("/provincial/queue").status_code == 403
    assert pwg_client.get("/provincial/map").status_code == 403
    as_user(pwg_client, pwg_users["reader"])
    for path in ("/provincial/pivot", "/provincial/pivot.csv", "/provincial/queue"):
        assert pwg_client.get(path).status_code == 403, path


def test_the_map_draws_every_province_with_its_figure(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    officer = pwg_users["officer"]
    submit(pwg_client, officer, OWN, "2008BW03", GRID)
    as_user(pwg_client, officer)
    page = pwg_client.get("/provincial/map?data_element=victims_identified&year=2008")
    assert page.status_code == 200
    assert page.text.count("<path ") == 25
    assert page.text.count('<path class="shade-0"') == 24  # no report: grey
    assert "<title>Phnom Penh: 7</title>" in page.text
    assert "geoBoundaries (CC BY 4.0)" in page.text
    assert len(page.content) < 40_000  # small for a slow connection
    assert "<script" not in page.text


def test_unknown_pivot_dimension_is_422(
    pwg_client: TestClient, pwg_users: dict[str, WebUser]
) -> None:
    as_user(pwg_client, pwg_users["officer"])
    assert pwg_client.get("/provincial/pivot?rows=colour").status_code == 422
    assert pwg_client.get("/provincial/pivot?rows=sex&sex=other").status_code == 422
