"""The release gate across releases: overlapping and nested releases audited together."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tipdata.reporting.engine import Cell
from tipdata.reporting.overlap import Relation, ReleasedFigures, atoms, audit_overlaps
from tipdata.reporting.releases import (
    NotAFixedPeriod,
    NotPublished,
    published_release,
    release_report,
)
from tipdata.reporting.report import TOTAL, CellSource, Report, ReportTable
from tipdata.reporting.suppression import DisclosureError
from tipdata.store import Database

YEAR = (date(2008, 1, 1), date(2008, 12, 31))
Q1 = (date(2008, 1, 1), date(2008, 3, 31))
ROWS, COLUMNS = ("female", "male"), ("child", "adult")


def _report(period: tuple[date, date], counts: dict[tuple[str, str], int]) -> Report:
    cells = {key: Cell(v, v) for key, v in counts.items()}
    for r in ROWS:
        cells[(r, TOTAL)] = Cell(sum(counts[(r, c)] for c in COLUMNS), 0)
    for c in COLUMNS:
        cells[(TOTAL, c)] = Cell(sum(counts[(r, c)] for r in ROWS), 0)
    cells[(TOTAL, TOTAL)] = Cell(sum(counts.values()), 0)
    table = ReportTable(
        "victims_by_sex_age", "Victims", ("d",), "Sex", (*ROWS, TOTAL), (*COLUMNS, TOTAL),
        cells, {(TOTAL, TOTAL): CellSource("victims_identified")},
    )  # fmt: skip
    return Report("Test", *period, (table,), datetime(2009, 1, 5, tzinfo=UTC))


YEAR_COUNTS = {
    ("female", "child"): 40,
    ("female", "adult"): 25,
    ("male", "child"): 12,
    ("male", "adult"): 30,
}
# the quarter differs from the year in one cell only, by 3: April-December holds 3 girls
Q1_COUNTS = {**YEAR_COUNTS, ("female", "child"): 37}


def test_atoms_cut_time_at_every_boundary() -> None:
    assert atoms([YEAR, Q1]) == [Q1, (date(2008, 4, 1), date(2008, 12, 31))]
    apart = atoms([(date(2008, 1, 1), date(2008, 1, 31)), (date(2008, 3, 1), date(2008, 3, 31))])
    assert apart == [(date(2008, 1, 1), date(2008, 1, 31)), (date(2008, 3, 1), date(2008, 3, 31))]


def test_subtraction_across_two_published_tables_is_found() -> None:
    """Year and quarter both published in full: year - quarter = 3 girls in April-December."""
    table = "t"

    def figures(
        label: str, period: tuple[date, date], counts: dict[tuple[str, str], int]
    ) -> ReleasedFigures:
        return ReleasedFigures(label, *period, {table: {k: (v, "free") for k, v in counts.items()}})

    found = audit_overlaps(
        [figures("year", YEAR, YEAR_COUNTS), figures("quarter", Q1, Q1_COUNTS)], threshold=10
    )
    assert [(c.row, c.column, c.lower, c.upper, c.reason) for c in found] == [
        ("female", "child", 3.0, 3.0, "disclosed")
    ]
    assert "2008-04-01 to 2008-12-31 (not released)" in str(found[0])
    # the same published as suppressed in the quarter, with its relations: still safe?
    relations = {table: [Relation(("female", TOTAL), (("female", "child"), ("female", "adult")))]}
    hidden = ReleasedFigures(
        "quarter", *Q1,
        {table: {**{k: (v, "free") for k, v in Q1_COUNTS.items()},
                 ("female", "child"): (None, "secondary"),
                 ("female", "adult"): (None, "secondary")}},
        relations,
    )  # fmt: skip
    assert audit_overlaps([figures("year", YEAR, YEAR_COUNTS), hidden], threshold=10) == []


def test_the_gate_suppresses_what_subtraction_would_reveal_and_says_which(
    db: Database, tmp_path: Path
) -> None:
    year = release_report(db, _report(YEAR, YEAR_COUNTS), tmp_path / "y", actor=None, threshold=10)
    assert year.release.overlap_suppressed == ()
    quarter = release_report(db, _report(Q1, Q1_COUNTS), tmp_path / "q", actor=None, threshold=10)
    assert "victims_by_sex_age [female × child]" in quarter.release.overlap_suppressed
    cell = quarter.published.table("victims_by_sex_age").cell("female", "child")
    assert (cell.value, cell.status) == (None, "secondary")
    stored = published_release(db, *Q1, actor=None)
    assert "suppressed because earlier releases overlap this period" in stored.figures
    assert f"release {year.release.release_id} (2008)" in stored.figures
    # what a reader holds now (both releases) gives nothing away
    from tipdata.reporting.release_figures import published_from_document, released_figures

    held = []
    for period in (YEAR, Q1):
        row = published_release(db, *period, actor=None)
        held.append(
            released_figures(row.info.period_code or "", published_from_document(row.figures),
                             _relations(db, row.info.release_id), None)
        )  # fmt: skip
    assert audit_overlaps(held, threshold=10) == []


def _relations(db: Database, release_id: int) -> dict:  # type: ignore[type-arg]
    from tipdata.store import ReportRelease

    with db.session() as session:
        row = session.get(ReportRelease, release_id)
        assert row is not None
        return dict(row.relations or {})


def test_the_gate_refuses_when_suppressing_cannot_help(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When suppressing more is not possible, the release is refused, naming the cells."""
    from tipdata.reporting import releases

    original = releases.publish

    def cannot_suppress_more(report: Report, **kwargs: object) -> object:
        kwargs.pop("also_suppress", None)
        return original(report, **kwargs)  # type: ignore[arg-type]

    release_report(db, _report(YEAR, YEAR_COUNTS), tmp_path / "y", actor=None, threshold=10)
    monkeypatch.setattr(releases, "publish", cannot_suppress_more)
    with pytest.raises(DisclosureError) as refused:
        release_report(db, _report(Q1, Q1_COUNTS), tmp_path / "q", actor=None, threshold=10)
    unsafe = refused.value.unsafe
    assert {(cell.row, cell.column) for cell in unsafe} == {
        ("female", "child"),
        ("female", TOTAL),
        (TOTAL, "child"),
        (TOTAL, TOTAL),
    }  # the girls, and every total they are in
    assert str(unsafe[-1]) == (
        "victims_by_sex_age [female × child] of 2008-04-01 to 2008-12-31 (not released) lies "
        "in [3, 3] across overlapping releases: disclosed"
    )
    with pytest.raises(NotPublished):
        published_release(db, *Q1, actor=None)  # nothing stored


def test_releases_cover_fixed_periods_and_readers_get_only_those(
    db: Database, tmp_path: Path
) -> None:
    with pytest.raises(NotAFixedPeriod, match="2008-01-02 to 2008-12-31 is none of these"):
        release_report(
            db, _report((date(2008, 1, 2), YEAR[1]), YEAR_COUNTS), tmp_path, actor=None,
            threshold=10,
        )  # fmt: skip
    release_report(db, _report(YEAR, YEAR_COUNTS), tmp_path / "y", actor=None, threshold=10)
    assert published_release(db, *YEAR, actor=None).info.period_code == "2008"
    with pytest.raises(NotPublished, match="Not published"):
        published_release(db, date(2008, 1, 2), YEAR[1], actor=None)
