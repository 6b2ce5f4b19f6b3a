"""Ranges under disclosure control: a bound is shown only where it discloses nothing more."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from tipdata.reporting.engine import Cell
from tipdata.reporting.publish import publish
from tipdata.reporting.published_ranges import LOW_SUFFIX
from tipdata.reporting.release_figures import (
    figures_document,
    published_from_document,
    released_figures,
)
from tipdata.reporting.report import TOTAL, Report, ReportTable
from tipdata.reporting.uncertainty import FigureRange

ROWS, COLUMNS = ("female", "male"), ("child", "adult")


def sex_by_age(values: dict[tuple[str, str], int], lows: dict[tuple[str, str], int]) -> Report:
    """A 2 x 2 table with its margins; each cell's range runs from its low to its value."""
    full: dict[tuple[str, str], int] = dict(values)
    low: dict[tuple[str, str], int] = dict(lows)
    for figures in (full, low):
        for r in ROWS:
            figures[(r, TOTAL)] = sum(figures[(r, c)] for c in COLUMNS)
        for c in (*COLUMNS, TOTAL):
            figures[(TOTAL, c)] = sum(figures[(r, c)] for r in ROWS)
    table = ReportTable(
        name="victims_by_sex_age",
        title="Victims by sex and age",
        definitions=("test",),
        row_header="Sex",
        rows=(*ROWS, TOTAL),
        columns=(*COLUMNS, TOTAL),
        cells={key: Cell(v, v) for key, v in full.items()},
        ranges={key: FigureRange(low[key], v, (low[key] + v) / 2) for key, v in full.items()},
    )
    return Report("t", date(2008, 1, 1), date(2008, 12, 31), (table,), datetime.now(UTC))


def test_every_bound_is_shown_beside_a_figure_that_is_shown() -> None:
    values = {("female", "child"): 20, ("female", "adult"): 30, ("male", "child"): 15,
              ("male", "adult"): 25}  # fmt: skip
    lows = {key: v - 2 for key, v in values.items()}
    published = publish(sex_by_age(values, lows), threshold=10).table("victims_by_sex_age")
    assert published.cell("female", "child").low == 18
    assert published.cell("female", "child").high == 20  # the figure: merges only lower it
    assert published.cell(TOTAL, TOTAL).low == 82
    assert published.cell(TOTAL, TOTAL).high == 90


def test_a_suppressed_figure_shows_no_range_and_bounds_are_rounded_like_figures() -> None:
    values = {("female", "child"): 3, ("female", "adult"): 30, ("male", "child"): 12,
              ("male", "adult"): 25}  # fmt: skip
    lows = {("female", "child"): 2, ("female", "adult"): 27, ("male", "child"): 11,
            ("male", "adult"): 24}  # fmt: skip
    published = publish(sex_by_age(values, lows), threshold=10, rounding_base=5)
    table = published.table("victims_by_sex_age")
    small = table.cell("female", "child")
    assert (small.value, small.status, small.low, small.high) == (None, "primary", None, None)
    total = table.cell(TOTAL, TOTAL)
    assert total.status == "free" and (total.value, total.low, total.high) == (70, 65, 70)
    # every shown bound stands beside a shown figure
    assert all(c.value is not None for c in table.cells.values() if c.low is not None)


def test_low_bounds_that_would_show_a_suppressed_small_figure_is_not_zero_are_withheld() -> None:
    # the low ends make a table of their own: male adult's low end (1) is small and
    # suppressed with the rectangle the figures suppressed, but its margins (female 33,
    # adult 31) then show female child's low end is at least 2, so its figure (3,
    # suppressed as small) is at least 2 too: the low ends of this table are withheld
    values = {("female", "child"): 3, ("female", "adult"): 30, ("male", "child"): 12,
              ("male", "adult"): 25}  # fmt: skip
    lows = {("female", "child"): 3, ("female", "adult"): 30, ("male", "child"): 12,
            ("male", "adult"): 1}  # fmt: skip
    published = publish(sex_by_age(values, lows), threshold=10)
    table = published.table("victims_by_sex_age")
    assert all(cell.low is None for cell in table.cells.values())
    assert table.cell(TOTAL, TOTAL).high == 70
    assert any("low ends of the ranges are withheld" in note for note in published.notes)


def test_the_release_document_stores_the_bounds_and_the_overlap_audit_reads_them() -> None:
    values = {("female", "child"): 20, ("female", "adult"): 30, ("male", "child"): 15,
              ("male", "adult"): 25}  # fmt: skip
    lows = {key: v - 2 for key, v in values.items()}
    published = publish(sex_by_age(values, lows), threshold=10)
    document = figures_document(
        published, release_id=1, report_kind="tip_report", period_code="2008",
        released_at=datetime(2009, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    cells = {(c["row"], c["column"]): c for c in json.loads(document)["tables"][0]["cells"]}
    assert (cells[("female", "child")]["low"], cells[("female", "child")]["high"]) == (18, 20)
    again = published_from_document(document)
    assert again.table("victims_by_sex_age").cell(TOTAL, TOTAL).low == 82
    figures = released_figures("release 1", again, {}, None)
    low_table = figures.cells["victims_by_sex_age" + LOW_SUFFIX]
    assert low_table[("male", "adult")] == (23, "free")


def test_low_ends_equal_to_their_figures_add_no_table_to_the_overlap_audit() -> None:
    # linked by ground truth (no pending pair) every low end is its figure: nothing new
    values = {("female", "child"): 20, ("female", "adult"): 30, ("male", "child"): 15,
              ("male", "adult"): 25}  # fmt: skip
    published = publish(sex_by_age(values, dict(values)), threshold=10)
    assert published.table("victims_by_sex_age").cell("female", "child").low == 20
    figures = released_figures("release 1", published, {}, None)
    assert set(figures.cells) == {"victims_by_sex_age"}
