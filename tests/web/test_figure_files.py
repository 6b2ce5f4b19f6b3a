"""The NTF's internal TIP files are written once per period and data version, kept beside
the figures, and made afresh after an import (SQLite: the cache is the same on every engine).

Each download is compared with the file written from a report computed afresh, outside the
web's cache, so a kept file is proven to be the file a fresh computation gives.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests import factories
from tests.web import demo_web as shared
from tests.web.demo_web import DemoWeb, bearer
from tipdata.model import EventType, PersonRole
from tipdata.reporting.render import write_csv, write_xlsx
from tipdata.reporting.tip import tip_report
from tipdata.store import Database, Event

demo_delivery, sqlite_demo_db = shared.demo_delivery, shared.sqlite_demo_db  # fixtures used here
demo_web, demo_client = shared.demo_web, shared.demo_client
START, END = date(2008, 1, 1), date(2008, 12, 31)
YEAR = "start=2008-01-01&end=2008-12-31"


@pytest.fixture(scope="module")
def demo_db(sqlite_demo_db: shared.DemoDb) -> shared.DemoDb:
    """This module's own copy of the demo, on SQLite only."""
    return sqlite_demo_db


def _fresh(database: Database, file_format: str, tmp_path: Path) -> bytes:
    """The file written from the year's report computed now, without any cache."""
    writer = write_xlsx if file_format == "xlsx" else write_csv
    path = tmp_path / f"fresh.{file_format}"
    return writer(tip_report(database, START, END), path).read_bytes()


def _cells(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values (an XLSX file's bytes also hold the time it was zipped)."""
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def test_the_kept_files_are_the_freshly_computed_ones(
    demo_client: TestClient, demo_web: DemoWeb, tmp_path: Path
) -> None:
    app, users, database = demo_web
    officer = bearer(users["officer"])
    cache = app.state.web.figures
    cache.clear()
    first = demo_client.get(f"/api/v1/reports/tip.csv?{YEAR}", headers=officer)
    assert first.status_code == 200
    assert first.headers["content-disposition"] == (
        'attachment; filename="tip-2008-01-01-2008-12-31-internal.csv"'
    )
    assert first.content == _fresh(database, "csv", tmp_path)
    workbook = demo_client.get(f"/api/v1/reports/tip.xlsx?{YEAR}", headers=officer)
    assert _cells(workbook.content) == _cells(_fresh(database, "xlsx", tmp_path))
    computed = cache.computed  # the report once, then each file once
    assert computed == 3

    again = demo_client.get(f"/api/v1/reports/tip.csv?{YEAR}", headers=officer)
    workbook_again = demo_client.get(f"/api/v1/reports/tip.xlsx?{YEAR}", headers=officer)
    assert again.content == first.content
    assert workbook_again.content == workbook.content  # the very bytes kept
    assert cache.computed == computed  # nothing computed or written again


def test_an_import_makes_the_files_afresh(
    demo_client: TestClient, demo_web: DemoWeb, tmp_path: Path
) -> None:
    app, users, database = demo_web
    officer = bearer(users["officer"])
    before = demo_client.get(f"/api/v1/reports/tip.csv?{YEAR}", headers=officer).content
    workbook_before = demo_client.get(f"/api/v1/reports/tip.xlsx?{YEAR}", headers=officer)

    with database.session() as session:  # one more victim identified in 2008, a new import run
        agency = factories.agency(session, "MOSAVY")
        row = factories.source_record(session, agency.id, "figure-files-1")
        keyring = app.state.web.system.keyring()
        victim = factories.person_record(
            session, keyring, protected={}, owner_agency_id=agency.id,
            source_record_id=row.id, role=PersonRole.VICTIM,
        )  # fmt: skip
        identified = Event(
            owner_agency_id=agency.id, person_record_id=victim.id, agency_id=agency.id,
            event_type=EventType.IDENTIFIED, event_date=date(2008, 6, 1), source_record_id=row.id,
        )  # fmt: skip
        session.add(identified)

    after = demo_client.get(f"/api/v1/reports/tip.csv?{YEAR}", headers=officer).content
    assert after != before
    assert after == _fresh(database, "csv", tmp_path)
    workbook_after = demo_client.get(f"/api/v1/reports/tip.xlsx?{YEAR}", headers=officer)
    assert _cells(workbook_after.content) != _cells(workbook_before.content)
    assert _cells(workbook_after.content) == _cells(_fresh(database, "xlsx", tmp_path))
