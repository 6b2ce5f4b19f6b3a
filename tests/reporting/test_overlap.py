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
    assert "withheld because earlier releases overlap this period" in stored.figures
    assert "female × child" not in stored.figures  # which cells: the publisher's list only
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


def _sourced(name: str, period: tuple[date, date], counts: dict[tuple[str, str], int]) -> Report:
    """The victims by sex and age group with what every cell counts, as ``build_tables``
    writes it: the TIP report's ``victims_by_sex_age`` and SDG 16.2.2's ``sdg_victims``
    are the same counts under two names."""
    table = _report(period, counts).tables[0]
    sources = {
        (r, c): CellSource(
            "victims_identified",
            tuple(pair for pair in (("sex", r), ("age_group", c)) if TOTAL not in pair),
        )
        for r in table.rows
        for c in table.columns
    }
    sourced = ReportTable(
        name, table.title, table.definitions, table.row_header, table.rows, table.columns,
        table.cells, sources,
    )  # fmt: skip
    return Report("Test", *period, (sourced,), datetime(2009, 1, 5, tzinfo=UTC))


def test_an_sdg_release_is_audited_against_the_tip_release_it_overlaps(
    db: Database, tmp_path: Path
) -> None:
    """The TIP report's first quarter is out; SDG 16.2.2 for the year counts the same
    persons (victims identified by sex and age group) under another report kind and table
    name. The year minus the quarter would be 3 girls in April-December: the gate finds
    it across the two kinds and withholds the SDG cell."""
    from tipdata.reporting.release_figures import published_from_document, released_figures

    tip = release_report(
        db, _sourced("victims_by_sex_age", Q1, Q1_COUNTS), tmp_path / "tip", actor=None,
        threshold=10,
    )  # fmt: skip
    assert tip.release.overlap_suppressed == ()
    sdg = release_report(
        db, _sourced("sdg_victims", YEAR, YEAR_COUNTS), tmp_path / "sdg", actor=None,
        threshold=10, report_kind="sdg_16_2_2",
    )  # fmt: skip
    # every count is 10 or more: alone, the SDG release would withhold nothing
    assert "sdg_victims [female × child]" in sdg.release.overlap_suppressed
    published = sdg.published.table("sdg_victims")
    assert published.cell("female", "child").value is None
    # what a reader holds (both releases, as stored) gives nothing away
    held = []
    for kind, period in (("tip_report", Q1), ("sdg_16_2_2", YEAR)):
        row = published_release(db, *period, actor=None, report_kind=kind)
        held.append(
            released_figures(kind, published_from_document(row.figures),
                             _relations(db, row.info.release_id), None)
        )  # fmt: skip
    assert audit_overlaps(held, threshold=10) == []
    # and the subtraction the gate prevented was real: the same two tables, measures
    # known, the year published in full
    full = released_figures(
        "sdg in full", publish_in_full(_sourced("sdg_victims", YEAR, YEAR_COUNTS)), {}, None
    )
    found = audit_overlaps([held[0], full], threshold=10)
    assert {(c.row, c.column, c.lower, c.upper, c.where) for c in found} == {
        (row, column, 3, 3, "2008-04-01 to 2008-12-31 (not released)")
        for row, column in (
            ("female", "child"),
            ("female", TOTAL),
            (TOTAL, "child"),
            (TOTAL, TOTAL),
        )
    }  # the girls, and every total they are in


def publish_in_full(report: Report):  # type: ignore[no-untyped-def]
    """Every cell published as counted (no gate): what an unaudited release would show."""
    from tipdata.reporting.publish import PublishedCell, PublishedReport, PublishedTable

    tables = tuple(
        PublishedTable(t, {key: PublishedCell(cell.value, "free") for key, cell in t.cells.items()})
        for t in report.tables
    )
    return PublishedReport(report, tables, 10, None, "")


def test_tables_counting_the_same_thing_are_audited_together() -> None:
    """Two tables of two releases share a measure: one group; a table with none: alone."""
    from tipdata.reporting.overlap import table_groups

    first = ReleasedFigures("a", *YEAR, {"t1": {}, "lonely": {}},
                            measures={"t1": {("f", "c"): "persons:v|sex=f"}})  # fmt: skip
    second = ReleasedFigures("b", *Q1, {"t2": {}}, measures={"t2": {("x", "y"): "persons:v|sex=f"}})
    assert sorted(table_groups([first, second])) == [("lonely",), ("t1", "t2")]
