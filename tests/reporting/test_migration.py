"""Migration pathway and recruiter accountability per licensed company, against ground truth.

The demo generator follows licensed workers to Malaysia past their departure
(``tipdata.demo.agencies.labour``) and writes the true figure of every company and
destination (``ground_truth/migration_figures.csv``). Linked by ground truth, every figure
must equal it exactly; linked by the model, every count must lie inside its range over the
review queue (:mod:`tipdata.reporting.uncertainty`).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.reporting.tipdemo import build_demo_database, demo_db, demo_delivery, sqlite_demo_db
from tests.shared_demo import SCALE, SEED
from tipdata.codelists import load_codelists
from tipdata.linkage.service import link
from tipdata.reporting import migration
from tipdata.reporting.migration import COLUMNS, COUNT_TABLE, row_code
from tipdata.reporting.render import render_html
from tipdata.reporting.suppression import DEFAULT_THRESHOLD
from tipdata.reporting.tip import tip_report
from tipdata.store import Database

__all__ = ["demo_db", "demo_delivery", "sqlite_demo_db"]

START, END = date(2008, 1, 1), date(2008, 12, 31)


def true_figures(delivery: Path) -> dict[str, dict[str, str]]:
    """The true figures by table row (the country as the code list names it)."""
    countries = load_codelists().countries
    path = delivery / "ground_truth" / "migration_figures.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    result = {}
    for line in rows:
        country = countries.resolve(line["destination"])
        assert country is not None, line["destination"]
        result[row_code(line["company"], country.name)] = line
    return result


def test_every_company_figure_equals_the_ground_truth(
    demo_db: tuple[Database, dict[int, str], Path],
) -> None:
    database, _truth, delivery = demo_db
    truth = true_figures(delivery)
    counts, days = migration.migration_tables(database, START, END)
    assert set(counts.rows) == set(truth)
    found = {row: {c: counts.cell(row, c).value for c in COLUMNS} for row in counts.rows}
    assert found == {row: {c: int(line[c]) for c in COLUMNS} for row, line in truth.items()}
    medians = {row: days.cell(row, "median_days").value for row in days.rows}
    assert medians == {
        row: round(float(line["median_days_to_identification"]))
        for row, line in truth.items()
        if line["median_days_to_identification"]
    }
    # the demo holds every kind of story, at the test scale too
    totals = {c: sum(int(line[c]) for line in truth.values()) for c in COLUMNS}
    assert all(totals[c] > 0 for c in COLUMNS), totals
    assert totals["workers_departed"] == round(22_000 * SCALE)
    # linked by ground truth, no pair waits for review: every range is the figure itself
    assert all(r.low == r.high == counts.cell(*key).value for key, r in counts.ranges.items())


def test_the_tip_report_carries_the_table_and_the_gate_suppresses_small_company_counts(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],
) -> None:
    database, _truth, _delivery = sqlite_demo_db
    report = tip_report(database, START, END)
    table = report.table(COUNT_TABLE)
    assert table.rows and table.columns == COLUMNS
    published, medians = migration.publish_migration(
        migration.migration_report(database, START, END), DEFAULT_THRESHOLD
    )
    shown = published.table(COUNT_TABLE)
    small = [
        (row, column)
        for row in table.rows
        for column in COLUMNS
        if 1 <= table.cell(row, column).value < DEFAULT_THRESHOLD
    ]
    assert small, "the demo has small per-company counts"
    assert all(shown.cell(*key).value is None for key in small)
    assert all(shown.cell(*key).status != "free" for key in small)
    # a median is published only over at least `threshold` victims, never over a suppressed count
    for row, median in medians.items():
        if median is not None:
            assert table.cell(row, "victims_identified").value >= DEFAULT_THRESHOLD
            assert shown.cell(row, "victims_identified").status == "free"
    html = render_html(report)
    assert "Labour migration and recruiter accountability" in html


@pytest.fixture(scope="module")
def model_linked(
    demo_files: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Database, Path]:
    """The demo imported and linked by the model (``tipdata link``), on SQLite."""
    from tests.conftest import TEST_MASTER_KEY

    path = tmp_path_factory.mktemp("model-linked") / "demo.db"
    database = Database(f"sqlite:///{path}", master_key=TEST_MASTER_KEY)
    database.upgrade()
    build_demo_database(database, demo_files)
    link(database, mode="full", actor=None)
    return database, demo_files


@pytest.mark.slow
def test_every_company_count_lies_inside_its_range_when_linked_by_the_model(
    model_linked: tuple[Database, Path],
) -> None:
    database, delivery = model_linked
    truth = true_figures(delivery)
    counts, _days = migration.migration_tables(database, START, END)
    outside = {
        (row, column): (int(line[column]), str(counts.ranges[(row, column)]))
        for row, line in truth.items()
        for column in COLUMNS
        if not counts.ranges[(row, column)].contains(int(line[column]))
    }
    widths = sum(r.width for r in counts.ranges.values())
    print(f"\nseed {SEED} scale {SCALE}: {len(truth) * len(COLUMNS)} counts, range widths {widths}")
    print(f"counts outside their range: {outside}")
    # Issue 21's done-when, at the test scale: every count inside its range (measured
    # 2026-12-07 with the chain veto by evidence and a placeless victim's country as no
    # evidence: 294 of 294; model 6 as first merged left agents_prosecuted outside). At
    # scale 1.0 three of 306 are still outside with the company comparison, seeds 1 and 3
    # (victims_identified one or two short; seed 3 one agent too many): docs/linkage.md,
    # "Labour-migration pairs".
    assert outside == {}
    # ... and not by ranges wide enough to hold anything: the review queue moves few counts
    assert widths <= len(counts.ranges) // 10, widths
    # the expected value lies in its range
    assert all(r.low <= r.expected <= r.high for r in counts.ranges.values())
