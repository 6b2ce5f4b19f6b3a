"""Renders: HTML with inline SVG charts, XLSX with one sheet per table, CSV in long form."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.reporting.publish import publish
from tipdata.reporting.render import write_report
from tipdata.reporting.tip import tip_report


def test_internal_and_published_renders(sqlite_demo_db, tmp_path: Path) -> None:  # noqa: F811
    database, _truth, _delivery = sqlite_demo_db
    report = tip_report(database, date(2008, 1, 1), date(2008, 12, 31))
    paths = write_report(
        report, tmp_path, completeness={"Kandal": {"BW01": "on_time", "BW02": "missing"}}
    )
    html = paths["html"].read_text(encoding="utf-8")
    for table in report.tables:
        assert f'data-table="{table.name}"' in html
    assert html.count("<svg") == 6  # month trend, exploitation, destination, agencies, funnel, grid
    assert 'src="http' not in html and "<link" not in html and "<script" not in html  # no CDN
    workbook = load_workbook(paths["xlsx"])
    assert len(workbook.sheetnames) == len(report.tables) + 1
    with paths["csv"].open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["table"] for row in rows} == {t.name for t in report.tables}
    # internal figures carry their naive sum; a figure no source can produce has neither
    assert all((row["naive_sum"] != "") == (row["status"] != "not_recorded") for row in rows)
    assert any(row["status"] == "not_recorded" for row in rows)

    published = publish(report)
    public = write_report(report, tmp_path / "public", published=published)
    with public["csv"].open(encoding="utf-8") as handle:
        public_rows = list(csv.DictReader(handle))
    assert all(row["naive_sum"] == "" for row in public_rows)
    # issue 18: no primary/secondary in the published file (it would point at small counts)
    assert "status" not in public_rows[0]
    assert {row["note"] for row in public_rows} == {"", "withheld", "not recorded"}
    assert all((row["value"] == "") == (row["note"] != "") for row in public_rows)

    # the internal workbook says so inside, every sheet; the published one explains "x"
    assert all(sheet["A1"].value.startswith("INTERNAL - not for release") for sheet in workbook)
    assert workbook.properties.category == "internal"
    first = workbook[workbook.sheetnames[1]]
    assert 8 <= first.column_dimensions["A"].width <= 60  # widths set, not the default
    public_book = load_workbook(public["xlsx"])
    assert not any(str(sheet["A1"].value).startswith("INTERNAL") for sheet in public_book)
    legend = f"x: withheld so that nobody can be identified: a count under {published.threshold}"
    for sheet in public_book.worksheets[1:]:
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        if "x" in cells:
            assert any(text.startswith(legend) for text in cells), sheet.title
    # primary and secondary cells alike: the page never says which withheld cell is small
    assert {"primary", "secondary"} <= {
        c.status for t in published.tables for c in t.cells.values()
    }
    page = public["html"].read_text(encoding="utf-8")
    assert 'data-status="withheld"' in page
    assert "primary" not in page and "secondary" not in page
