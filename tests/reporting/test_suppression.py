"""Primary and secondary cell suppression, checked by the exact LP audit."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipdata.errors import TipdataError
from tipdata.reporting.suppression import (
    CellStatus,
    DisclosureError,
    ProtectedRelease,
    ProtectedTable,
    Release,
    Table,
    TableError,
    audit,
    check_release,
    link_margins,
    protect_release,
    protect_table,
    round_to_base,
    rounded,
)

F, P, S = "free", "primary", "secondary"


def victims_by_province() -> Table:
    return Table.build(
        "victims",
        ["Banteay Meanchey", "Battambang", "Koh Kong"],
        ["sexual", "labour", "begging"],
        [[3, 20, 15], [12, 25, 30], [18, 0, 40]],
    )


def test_small_counts_are_primary_and_every_row_and_column_hides_two() -> None:
    protected = protect_table(victims_by_province())
    assert protected.status == (
        (P, F, S, F),
        (S, F, S, F),
        (F, F, F, F),
        (F, F, F, F),
    )
    assert protected.published() == [
        [None, 20, None, 38],
        [None, 25, None, 67],
        [18, 0, 40, 58],
        [33, 45, 85, 163],
    ]
    assert audit(protected) == []
    check_release(protected)


def test_zeros_are_published_unless_asked() -> None:
    table = Table.build("t", ["a", "b"], ["x", "y"], [[0, 20], [30, 40]])
    assert protect_table(table).published() == [[0, 20, 20], [30, 40, 70], [30, 60, 90]]
    protected = protect_table(table, suppress_zeros=True)
    assert protected.status[0][0] == "primary"
    assert audit(protected) == []


def test_small_totals_are_suppressed_too() -> None:
    table = Table.build("t", ["a", "b", "c"], ["x", "y"], [[3, 0], [20, 30], [25, 40]])
    protected = protect_table(table)
    assert protected.status[0][0] == "primary"
    assert protected.status[0][2] == "primary"  # the row total 3
    assert audit(protected) == []


def test_threshold_is_configurable() -> None:
    table = Table.build("t", ["a", "b"], ["x", "y"], [[12, 20], [30, 40]])
    assert protect_table(table).published()[0][0] == 12
    assert protect_table(table, threshold=15).status[0][0] == "primary"
    with pytest.raises(TableError):
        protect_table(table, threshold=0)


# --- the audit catches unsafe patterns ------------------------------------------------


def hand_made(table: Table, status: list[list[CellStatus]]) -> ProtectedTable:
    return ProtectedTable(table, tuple(tuple(row) for row in status))


def test_a_single_suppressed_cell_in_a_row_is_disclosed() -> None:
    protected = hand_made(
        victims_by_province(),
        [[P, F, F, F], [F, F, F, F], [F, F, F, F], [F, F, F, F]],
    )
    unsafe = audit(protected)
    assert [(u.table, u.row, u.column, u.lower, u.upper, u.reason) for u in unsafe] == [
        ("victims", "Banteay Meanchey", "sexual", 3.0, 3.0, "disclosed")
    ]
    with pytest.raises(DisclosureError) as caught:
        check_release(protected)
    assert isinstance(caught.value, TipdataError)
    assert caught.value.unsafe == unsafe
    assert "victims [Banteay Meanchey × sexual] (primary) lies in [3, 3]" in str(caught.value)


def test_a_rectangle_of_small_counts_still_shows_they_are_small() -> None:
    # The four small cells can only shift together by d in [-3, 5]: b×x and b×y stay in [1, 9].
    table = Table.build(
        "t", ["a", "b", "c"], ["x", "y", "z"], [[3, 5, 15], [6, 4, 30], [18, 25, 40]]
    )
    protected = hand_made(table, [[P, P, F, F], [P, P, F, F], [F, F, F, F], [F, F, F, F]])
    unsafe = audit(protected)
    assert [(u.row, u.column, u.lower, u.upper, u.reason) for u in unsafe] == [
        ("b", "x", 1.0, 9.0, "small"),
        ("b", "y", 1.0, 9.0, "small"),
    ]
    repaired = protect_table(table)
    assert sum(flag == "secondary" for row in repaired.status for flag in row) > 0
    assert audit(repaired) == []


def test_an_unbounded_cell_is_safe() -> None:
    table = Table.build("t", ["a", "b"], ["x", "y"], [[3, 20], [12, 40]])
    everything = [[P if (i, j) == (0, 0) else S for j in range(3)] for i in range(3)]
    unsafe = audit(hand_made(table, everything))
    assert unsafe == []


# --- releases with shared margins -----------------------------------------------------


def test_a_margin_suppressed_in_one_table_is_suppressed_in_the_other() -> None:
    by_sex = Table.build(
        "by sex", ["p1", "p2", "p3"], ["female", "male"], [[4, 2], [30, 25], [40, 33]]
    )
    by_age = Table.build(
        "by age", ["p1", "p2", "p3"], ["child", "adult"], [[1, 5], [20, 35], [30, 43]]
    )
    release = Release.build([by_sex, by_age], link_margins(by_sex, "rows", by_age, "rows"))
    protected = protect_release(release)
    assert protected.table("by sex").status[0][2] == "primary"  # p1 total 6
    assert protected.table("by age").status[0][2] == "primary"
    assert audit(protected) == []

    # Without the link the second table publishes p1's total and the audit sees it.
    leaky = ProtectedRelease(
        (protect_table(by_sex), protect_table(by_age, threshold=2)), release.links
    )
    assert any(u.table == "by sex" for u in audit(leaky))


def test_linked_cells_must_agree() -> None:
    a = Table.build("a", ["p1", "p2"], ["x"], [[1], [2]])
    b = Table.build("b", ["p1", "p2"], ["y"], [[1], [3]])
    with pytest.raises(TableError, match="differ"):
        protect_release(Release.build([a, b], link_margins(a, "rows", b, "rows")))


def test_malformed_tables_are_refused() -> None:
    with pytest.raises(TableError, match="shape"):
        Table.build("t", ["a"], ["x", "y"], [[1]])
    with pytest.raises(TableError, match="integers"):
        Table.build("t", ["a"], ["x"], [[-1]])
    with pytest.raises(TableError, match="total label"):
        Table.build("t", ["Total"], ["x"], [[1]])


# --- rounding -------------------------------------------------------------------------


def test_rounding_to_base_five() -> None:
    assert [round_to_base(n) for n in range(9)] == [0, 0, 0, 5, 5, 5, 5, 5, 10]
    assert round_to_base(163) == 165
    assert rounded(protect_table(victims_by_province())) == [
        [None, 20, None, 40],
        [None, 25, None, 65],
        [20, 0, 40, 60],
        [35, 45, 85, 165],
    ]


# --- property: random tables ----------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> Table:
    rows = draw(st.integers(min_value=2, max_value=6))
    columns = draw(st.integers(min_value=2, max_value=6))
    counts = draw(
        st.lists(
            st.lists(st.integers(min_value=0, max_value=40), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
    return Table.build(
        "random", [f"r{i}" for i in range(rows)], [f"c{j}" for j in range(columns)], counts
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from([5, 10]))
def test_protected_random_tables_pass_the_audit(table: Table, threshold: int) -> None:
    protected = protect_table(table, threshold=threshold)
    assert audit(protected) == []
    for true_row, published_row, flags in zip(
        table.with_totals(), protected.published(), protected.status, strict=True
    ):
        for value, shown, flag in zip(true_row, published_row, flags, strict=True):
            assert (flag == "primary") == (1 <= value < threshold)
            assert shown == (value if flag == "free" else None)
    assert not math.isnan(sum(v for row in protected.published() for v in row if v is not None))
