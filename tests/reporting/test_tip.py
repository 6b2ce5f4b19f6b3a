"""TIP tables on the demo data, linked by ground truth: de-duplicated figures equal the truth."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tests.reporting.tipdemo import demo_db, demo_delivery, true_persons  # noqa: F401
from tipdata.reporting.engine import members
from tipdata.reporting.indicators import default_catalogue
from tipdata.reporting.report import TOTAL
from tipdata.reporting.tip import ReportPeriodError, report_period, tip_report
from tipdata.store import Database

START, END = date(2008, 1, 1), date(2008, 12, 31)
DemoDb = tuple[Database, dict[int, str], Path]


@pytest.fixture(scope="module")
def report(demo_db: DemoDb):  # type: ignore[no-untyped-def]  # noqa: F811
    return tip_report(demo_db[0], START, END)


def test_every_figure_equals_the_ground_truth(demo_db: DemoDb, report) -> None:  # noqa: F811
    """Each indicator cell = distinct true persons behind its records; naive = its records."""
    database, truth, _delivery = demo_db
    catalogue = default_catalogue()
    checked = 0
    for table in report.tables:
        for (row, column), source in table.sources.items():
            indicator = catalogue[source.indicator]
            cell = table.cell(row, column)
            found = members(database, indicator, START, END, dict(source.where))
            if (row, column) in table.not_recorded:
                assert "not recorded" in table.not_recorded[(row, column)]
            records = {m.record_id for m in found}
            if indicator.unit == "persons":
                expected = len({truth[r] for r in records})
            else:
                expected = len({m.key for m in found})
            assert (cell.value, cell.naive) == (expected, len(records)), (table.name, row, column)
            checked += 1
    assert checked > 100


def test_victims_by_sex_match_true_sex(demo_db: DemoDb, report) -> None:  # noqa: F811
    database, truth, delivery = demo_db
    persons = true_persons(delivery)
    found = members(database, default_catalogue()["victims_identified"], START, END)
    true_ids = {truth[m.record_id] for m in found}
    expected = Counter({"F": "female", "M": "male"}[persons[t]["sex"]] for t in true_ids)
    table = report.table("victims_by_sex_age")
    assert {s: table.cell(s, TOTAL).value for s in ("female", "male")} == dict(expected)
    assert table.cell(TOTAL, TOTAL).value == len(true_ids)


def test_overlap_between_agencies_is_shown(report) -> None:
    table = report.table("victims_by_agency")
    total = table.cell(TOTAL, TOTAL)
    assert total.naive == sum(table.cell(r, TOTAL).naive for r in table.rows if r != TOTAL)
    assert total.value < total.naive  # the same victims are in several agencies' registers


def test_tables_state_definitions_and_lmis_sits_beside_returns(report) -> None:
    assert all(table.definitions for table in report.tables)
    lmis = report.table("lmis_by_destination")
    assert lmis.cell(TOTAL, "departures").value == 1100
    assert lmis.cell("Thailand", "victims_returned").value > 0


def test_report_period() -> None:
    assert report_period(2008) == (date(2008, 1, 1), date(2008, 12, 31))
    assert report_period(None, date(2008, 4, 1), date(2009, 3, 31)) == (
        date(2008, 4, 1),
        date(2009, 3, 31),
    )
    with pytest.raises(ReportPeriodError):
        report_period(None, date(2009, 1, 1), date(2008, 1, 1))
    with pytest.raises(ReportPeriodError):
        report_period()


def test_lmis_deportations_equal_the_ground_truth(demo_db: DemoDb, report) -> None:  # noqa: F811
    """Workers deported from Malaysia (``lmis_by_destination``) are everyone on Malaysia's
    deportation lists: the licensed workers the generator follows (per company in
    ``migration_figures.csv``) and the irregular deportees, who left through no company
    and so are in no company's row (at the test scale 14 + 8 = 22: the count was right,
    the per-company sum is not the destination's truth)."""
    import csv

    delivery = demo_db[2] / "ground_truth"
    with (delivery / "migration_figures.csv").open(encoding="utf-8") as f:
        licensed = sum(int(line["deported"]) for line in csv.DictReader(f)
                       if line["destination"] == "Malaysia")  # fmt: skip
    with (delivery / "persons.csv").open(encoding="utf-8") as f:
        irregular = sum(line["group"] == "irregular_deportee" for line in csv.DictReader(f))
    assert licensed > 0 and irregular > 0
    by_destination = report.table("lmis_by_destination")
    assert by_destination.cell("Malaysia", "workers_deported").value == licensed + irregular
    assert by_destination.cell(TOTAL, "workers_deported").value == licensed + irregular


def test_lmis_departures_equal_the_ground_truth(demo_db: DemoDb, report) -> None:  # noqa: F811
    """Every departure cell of ``lmis_by_agency`` (company x destination, and the totals)
    and the departures of ``lmis_by_destination`` equal the generator's true departures."""
    import csv

    from tipdata.codelists import load_codelists

    countries = load_codelists().countries
    expected: Counter[tuple[str, str]] = Counter()
    with (demo_db[2] / "ground_truth" / "migration_figures.csv").open(encoding="utf-8") as f:
        for line in csv.DictReader(f):
            country = countries.resolve(line["destination"])
            assert country is not None, line["destination"]
            departed = int(line["workers_departed"])
            for row, column in (
                (line["company"], country.name), (line["company"], TOTAL),
                (TOTAL, country.name), (TOTAL, TOTAL),
            ):  # fmt: skip
                expected[(row, column)] += departed
    by_agency = report.table("lmis_by_agency")
    found = {
        (row, column): by_agency.cell(row, column).value
        for row in by_agency.rows
        for column in by_agency.columns
        if by_agency.cell(row, column).value
    }
    assert found == {key: n for key, n in expected.items() if n}
    by_destination = report.table("lmis_by_destination")
    assert {
        row: by_destination.cell(row, "departures").value
        for row in by_destination.rows
        if by_destination.cell(row, "departures").value
    } == {column: n for (row, column), n in expected.items() if row == TOTAL and n}
