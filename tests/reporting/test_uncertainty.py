"""Ranges over the review queue: exact values on tiny inline examples and on a real database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.reporting.uncertainty import (
    EXACT_PAIRS,
    FigureRange,
    alternatives_from_pairs,
    answers_of,
    count_range,
    figure_range,
    ranges_of,
    units_ranges,
)


def test_no_pending_pair_gives_the_figure_itself() -> None:
    none = alternatives_from_pairs(())
    assert count_range(none, [1, 2, 2, 3]) == FigureRange(3, 3, 3.0)


def test_a_count_falls_when_pending_pairs_merge_its_persons() -> None:
    # persons 1, 2, 3, 4; pending: 1~2 (0.4) and 3~4 (0.3); 2~5 joins a person outside
    pairs = [(1, 2, 0.4), (3, 4, 0.3), (2, 5, 0.25)]
    found = count_range(alternatives_from_pairs(pairs, draws=2000, seed=1), [1, 2, 3, 4])
    assert (found.low, found.high) == (2, 4)
    assert found.expected == pytest.approx(4 - 0.4 - 0.3, abs=0.05)
    assert str(found) == "2–4"


def test_a_derived_figure_can_rise_when_persons_merge() -> None:
    # workers of a company (keys 1, 2) identified as victims (key 7): merging 2 and 7
    # makes one more of the company's workers a victim
    workers, victims = {1, 2}, {7}
    alternatives = alternatives_from_pairs([(2, 7, 0.3)], draws=1000, seed=2)

    def victims_among_workers(key_of):  # type: ignore[no-untyped-def]
        return len({key_of(k) for k in workers} & {key_of(k) for k in victims})

    found = figure_range(alternatives, victims_among_workers)
    assert (found.low, found.high) == (0, 1)
    assert found.expected == pytest.approx(0.3, abs=0.05)


def test_pending_pairs_fall_into_groups_joined_through_shared_persons() -> None:
    alternatives = alternatives_from_pairs([(1, 2, 0.4), (2, 3, 0.3), (7, 8, 0.2), (2, 1, 0.4)])
    assert sorted(alternatives.groups) == [
        (((1, 2), (2, 3)), frozenset({1, 2, 3})),
        (((7, 8),), frozenset({7, 8})),
    ]
    # every subset of a group's pairs is an answer; the first is "no pair a match"
    assert answers_of(((1, 2), (2, 3))) == [{}, {2: 1}, {3: 2}, {2: 1, 3: 1}]
    big = tuple((i, i + 1) for i in range(EXACT_PAIRS + 1))
    assert len(answers_of(big)) == 2  # beyond EXACT_PAIRS: none and every one


def test_a_figure_of_what_all_records_say_can_rise_and_fall_with_one_answer() -> None:
    # persons known only to NGOs: 1 (NGO), 2 (NGO), 3 (police); pending 1~3 and 2~4,
    # 4 an NGO record identified in no period: 1~3 removes person 1, 2~4 keeps person 2
    ngo_only, identified = {1: True, 2: True, 3: False, 4: True}, {1, 2, 3}
    alternatives = alternatives_from_pairs([(1, 3, 0.4), (2, 4, 0.3)], draws=400, seed=3)

    def counted(key_of, only):  # type: ignore[no-untyped-def]
        keys = ngo_only if only is None else only
        units: dict[int, bool] = {}
        for key in keys:
            units[key_of(key)] = units.get(key_of(key), True) and ngo_only[key]
        counts = {key_of(k) for k in keys if k in identified}
        return {"ngo_only": {u for u in counts if units[u]}}

    found = units_ranges(alternatives, counted)["ngo_only"]
    assert (found.low, found.high) == (1, 2)
    assert found.expected == pytest.approx(2 - 0.4, abs=0.1)


def test_a_table_is_computed_once_per_alternative() -> None:
    calls = []

    def table(key_of):  # type: ignore[no-untyped-def]
        calls.append(1)
        return {"a": len({key_of(1), key_of(2)}), "b": 1}

    ranges = ranges_of(alternatives_from_pairs([(1, 2, 0.5)], draws=5), table)
    assert len(calls) == 1 + 1 + 5
    assert (ranges["a"].low, ranges["a"].high, ranges["b"].low, ranges["b"].high) == (1, 2, 1, 1)


@given(
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12), st.floats(0.2, 0.5)), max_size=15),
    st.lists(st.integers(0, 12), max_size=20),
)
def test_the_range_holds_the_figure_and_its_expectation(
    pairs: list[tuple[int, int, float]], keys: list[int]
) -> None:
    found = count_range(alternatives_from_pairs(pairs, draws=10), keys)
    assert found.low <= len(set(keys)) <= found.high
    assert found.low <= found.expected <= found.high


def test_a_figure_that_rises_and_falls_as_pairs_merge_has_its_draws_inside_its_range() -> None:
    # workers 1 and 2 departed, a return record 3 (2 came back: key 2 holds a return
    # too). Pending: 1~3 (1 came back) and 1~2 (one worker). None merged: 1 returned
    # (worker 2); all merged: 1 (one worker); only 1~3: 2 returned. 2 lies outside
    # "none" and "all"; the draws find it.
    workers, returns = (1, 2), (2, 3)
    alternatives = alternatives_from_pairs([(1, 3, 0.45), (1, 2, 0.3)], draws=200, seed=3)

    def returned_early(key_of):  # type: ignore[no-untyped-def]
        back = {key_of(k) for k in returns}
        return len({key_of(k) for k in workers} & back)

    found = figure_range(alternatives, returned_early)
    assert (found.low, found.high) == (1, 2)
    assert found.low <= found.expected <= found.high
