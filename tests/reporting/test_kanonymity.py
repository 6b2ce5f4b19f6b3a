"""k-anonymity of case-level exports."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tipdata.reporting.kanonymity import (
    DEFAULT_K,
    KAnonymityError,
    Violation,
    age_band,
    age_hierarchy,
    check_k_anonymity,
    child_or_adult,
    date_hierarchy,
    enforce_k_anonymity,
    province_hierarchy,
)

REGIONS = {"01": "north-west", "02": "north-west", "12": "centre", "18": "coast"}


def test_default_k_is_eleven() -> None:
    assert DEFAULT_K == 11


def test_check_finds_small_groups_over_all_columns_by_default() -> None:
    rows = [{"sex": "F", "province": "01"}] * 11 + [{"sex": "M", "province": "01"}] * 2
    assert check_k_anonymity(rows) == [Violation(("M", "01"), 2, (11, 12))]
    assert check_k_anonymity(rows, ["province"]) == []
    assert check_k_anonymity(rows, ["sex"], k=2) == []
    with pytest.raises(KAnonymityError):
        check_k_anonymity(rows, k=0)


def test_age_hierarchy() -> None:
    assert [age_band(a) for a in (0, 11, 12, 15, 17, 18, 34, 49, 50, 90)] == [
        "0-11", "0-11", "12-14", "15-17", "15-17", "18-24", "25-34", "35-49", "50+", "50+"
    ]  # fmt: skip
    assert [child_or_adult(a) for a in (17, 18)] == ["child", "adult"]


def test_date_hierarchy_accepts_dates_and_text() -> None:
    to_month, to_year = (f for _, f in date_hierarchy())
    assert to_month(date(2008, 3, 9)) == "2008-03"
    assert to_month("2008-03-09") == "2008-03"
    assert to_year("2008-03-09T10:00:00") == "2008"


def test_enforce_coarsens_the_column_that_helps_most_then_drops_residuals() -> None:
    rows = (
        [{"id": n, "sex": "F", "age": 14 + n % 3, "province": "01"} for n in range(12)]
        + [{"id": 100 + n, "sex": "F", "age": 25 + n % 5, "province": "02"} for n in range(11)]
        + [{"id": 200, "sex": "M", "age": 40, "province": "18"}]
    )
    result = enforce_k_anonymity(
        rows,
        ["sex", "age", "province"],
        k=11,
        hierarchies={"age": age_hierarchy(), "province": province_hierarchy(REGIONS)},
    )
    # Bands alone leave 13 rows at risk, child/adult leaves 1 (within the 5 % allowed).
    assert result.levels == {"sex": 0, "age": 2, "province": 0}
    assert result.level_names == {
        "sex": "recorded",
        "age": "child or adult",
        "province": "recorded",
    }
    assert result.dropped == (23,)
    assert result.rows[0] == {"id": 0, "sex": "F", "age": "child", "province": "01"}
    assert result.rows[-1] == {"id": 110, "sex": "F", "age": "adult", "province": "02"}
    assert check_k_anonymity(result.rows, ["sex", "age", "province"], k=11) == []


def test_province_is_coarsened_to_region_when_that_helps_most() -> None:
    rows = [{"sex": "F", "province": "01"}] * 6 + [{"sex": "F", "province": "02"}] * 6
    result = enforce_k_anonymity(
        rows, ["sex", "province"], k=11, hierarchies={"province": province_hierarchy(REGIONS)}
    )
    assert result.levels == {"sex": 0, "province": 1}
    assert {row["province"] for row in result.rows} == {"north-west"}
    assert result.dropped == ()


def test_missing_values_stay_missing_until_withheld() -> None:
    rows = [{"age": None}] * 11 + [{"age": 30}] * 11
    result = enforce_k_anonymity(rows, ["age"], k=11, hierarchies={"age": age_hierarchy()})
    assert result.levels == {"age": 0}
    assert [row["age"] for row in result.rows].count(None) == 11


def test_too_few_rows_are_all_withheld_or_dropped() -> None:
    result = enforce_k_anonymity([{"sex": "F"}] * 5, ["sex"], k=11)
    assert result.rows == []
    assert result.dropped == (0, 1, 2, 3, 4)


def test_hierarchy_for_a_column_that_is_not_a_quasi_identifier() -> None:
    with pytest.raises(KAnonymityError, match="not quasi-identifiers"):
        enforce_k_anonymity([], ["sex"], hierarchies={"age": age_hierarchy()})


ROW = st.fixed_dictionaries(
    {
        "sex": st.sampled_from(["F", "M"]),
        "age": st.one_of(st.none(), st.integers(min_value=0, max_value=80)),
        "province": st.sampled_from(sorted(REGIONS)),
        "identified": st.dates(min_value=date(2007, 1, 1), max_value=date(2009, 12, 31)),
    }
)


@settings(max_examples=50, deadline=None)
@given(st.lists(ROW, max_size=120), st.integers(min_value=2, max_value=11))
def test_enforced_exports_are_k_anonymous(rows: list[dict[str, object]], k: int) -> None:
    columns = ["sex", "age", "province", "identified"]
    result = enforce_k_anonymity(
        rows,
        columns,
        k=k,
        hierarchies={
            "age": age_hierarchy(),
            "province": province_hierarchy(REGIONS),
            "identified": date_hierarchy(),
        },
    )
    assert check_k_anonymity(result.rows, columns, k=k) == []
    assert len(result.rows) + len(result.dropped) == len(rows)
