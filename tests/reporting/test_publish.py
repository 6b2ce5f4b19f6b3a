"""The publication gate: an unsafe release fails with its cells; protected releases pass."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.reporting.engine import Cell
from tipdata.reporting.publish import PublishedCell, publish, release_tables, release_threshold
from tipdata.reporting.report import TOTAL, CellSource, Report, ReportTable
from tipdata.reporting.suppression import (
    DisclosureError,
    ProtectedRelease,
    ProtectedTable,
    check_release,
    protect_release,
)
from tipdata.reporting.tip import tip_report
from tipdata.settings import Settings


def _report(counts: dict[tuple[str, str], int]) -> Report:
    rows, columns = ("a", "b"), ("x", "y")
    cells = {key: Cell(v, v) for key, v in counts.items()}
    for r in rows:
        cells[(r, TOTAL)] = Cell(sum(counts[(r, c)] for c in columns), 0)
    for c in columns:
        cells[(TOTAL, c)] = Cell(sum(counts[(r, c)] for r in rows), 0)
    cells[(TOTAL, TOTAL)] = Cell(sum(counts.values()), 0)
    table = ReportTable(
        "t",
        "T",
        ("d",),
        "r",
        (*rows, TOTAL),
        (*columns, TOTAL),
        cells,
        {(TOTAL, TOTAL): CellSource("i")},
    )
    return Report("R", date(2008, 1, 1), date(2008, 12, 31), (table,), datetime.now(UTC))


def test_unsafe_release_fails_listing_cells_and_passes_after_suppression() -> None:
    report = _report({("a", "x"): 3, ("a", "y"): 20, ("b", "x"): 30, ("b", "y"): 40})
    release, _blocks = release_tables(report)
    only_primary = ProtectedRelease(
        tuple(
            ProtectedTable(
                table,
                tuple(
                    tuple("primary" if 1 <= v < 10 else "free" for v in row)
                    for row in table.with_totals()
                ),
            )
            for table in release.tables
        )
    )
    with pytest.raises(DisclosureError) as caught:
        check_release(only_primary)
    assert [(c.row, c.column) for c in caught.value.unsafe] == [("a", "x")]
    check_release(protect_release(release))  # suppression makes it safe
    published = publish(report)
    assert published.table("t").cell("a", "x").status == "primary"
    assert published.table("t").cell("a", "x").value is None
    assert {published.table("t").cell(r, c).status for r, c in [("a", "y"), ("b", "x")]} == {
        "secondary"
    }
    assert published.table("t").cell(TOTAL, TOTAL).value == 93


def test_threshold_is_configurable() -> None:
    report = _report({("a", "x"): 3, ("a", "y"): 20, ("b", "x"): 30, ("b", "y"): 40})
    assert publish(report, threshold=3).table("t").cell("a", "x").status == "free"


def test_tip_release_is_safe(sqlite_demo_db) -> None:  # noqa: F811
    database, _truth, _delivery = sqlite_demo_db
    report = tip_report(database, date(2008, 1, 1), date(2008, 12, 31))
    published = publish(report, rounding_base=5)
    release, _ = release_tables(report)
    assert len(release.tables) >= len(report.tables)
    statuses = {c.status for t in published.tables for c in t.cells.values()}
    assert statuses == {"free", "primary", "secondary"}
    for table in published.tables:
        for cell in table.cells.values():
            assert (cell.value is None) == (cell.status != "free")
            assert cell.value is None or cell.value % 5 == 0
    assert len(published.digest) == 64


def test_demo_path_is_a_path(demo_delivery: Path) -> None:  # noqa: F811
    assert (demo_delivery / "ground_truth").is_dir()


def test_a_table_of_totals_only_is_published() -> None:
    """An empty breakdown (no LMIS departures at all) leaves only totals; they publish."""
    table = ReportTable(
        "lmis_by_agency", "LMIS", ("d",), "Agency", (TOTAL,), (TOTAL,),
        {(TOTAL, TOTAL): Cell(0, 0)}, unit="records",
    )  # fmt: skip
    report = Report("r", date(2008, 1, 1), date(2008, 12, 31), (table,), datetime.now(UTC))
    published = publish(report)
    assert published.table("lmis_by_agency").cell(TOTAL, TOTAL) == PublishedCell(0, "free")


def test_a_published_report_counts_the_cells_it_withheld() -> None:
    """The SDG command printed its own count of suppressed cells; the report says it."""
    published = publish(_report({("a", "x"): 3, ("a", "y"): 20, ("b", "x"): 30, ("b", "y"): 40}))
    assert published.suppressed_cells == 4  # one primary, three secondary
    safe = publish(_report({("a", "x"): 13, ("a", "y"): 20, ("b", "x"): 30, ("b", "y"): 40}))
    assert safe.suppressed_cells == 0


def test_a_release_threshold_is_the_one_asked_for_else_the_setting() -> None:
    """Both fronts read the default threshold of a release through one service."""
    settings = Settings(disclosure_threshold=7)
    assert release_threshold(settings) == 7
    assert release_threshold(settings, 3) == 3
