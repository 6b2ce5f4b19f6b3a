"""Validation rules: each rule, explicit 0 vs missing, outliers flagged but not blocking."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.provincial.datasets import DataSetError, load_data_set
from tipdata.provincial.validation_rules import RULES_DIR, blocking, load_rules

DATA_SET = load_data_set()
RULES = load_rules(DATA_SET)
VI = "victims_identified"


def rules_hit(values: dict[tuple[str, str], int | None], **kwargs: object) -> dict[str, str]:
    return {r.rule: r.importance for r in RULES.check(values, **kwargs)}  # type: ignore[arg-type]


def test_shipped_rules() -> None:
    assert {r.code: r.importance for r in RULES.rules} == {
        "non_negative": "error",
        "breakdowns_sum_to_totals": "error",
        "referred_le_identified": "warning",
        "suspects_ge_cases": "warning",
        "outlier_in_province_history": "warning",
    }


def test_negative_count_is_an_error_even_on_save() -> None:
    results = RULES.check({("cases_investigated", "total"): -1}, stage="save")
    assert [(r.rule, r.data_element, r.disaggregation, dict(r.values)) for r in results] == [
        ("non_negative", "cases_investigated", "total", {"value": -1})
    ]
    assert blocking(results) == results


def test_only_save_stage_rules_run_on_save() -> None:
    values = {(VI, "female"): 1, (VI, "male"): 1, (VI, "total"): 5}
    assert RULES.check(values, stage="save") == []
    assert rules_hit(values) == {"breakdowns_sum_to_totals": "error"}


def test_breakdowns_sum_to_totals() -> None:
    ok = {(VI, "female"): 3, (VI, "male"): 1, (VI, "total"): 4, (VI, "child"): 0, (VI, "adult"): 4}
    assert RULES.check(ok) == []
    results = RULES.check({**ok, (VI, "adult"): 3})
    assert [(r.rule, r.disaggregation, dict(r.values)) for r in results] == [
        ("breakdowns_sum_to_totals", "total", {"child": 0, "adult": 3, "total": 4})
    ]
    assert results[0].message == "victims_identified: child + adult = 3, but total is 4"


def test_parts_entered_may_not_exceed_their_total() -> None:
    assert RULES.check({(VI, "female"): 3, (VI, "total"): 4}) == []  # male missing: fine
    results = RULES.check({(VI, "female"): 5, (VI, "total"): 4})
    assert [(r.rule, r.importance) for r in results] == [("breakdowns_sum_to_totals", "error")]


def test_cells_sum_to_their_margins() -> None:
    values = {(VI, "female_child"): 1, (VI, "female_adult"): 2, (VI, "female"): 4}
    results = RULES.check(values)
    assert [(r.disaggregation, dict(r.values)) for r in results] == [
        ("female", {"female_child": 1, "female_adult": 2, "female": 4})
    ]


def test_referred_more_than_identified_is_a_warning() -> None:
    values = {("victims_referred", "total"): 3, (VI, "total"): 2}
    results = RULES.check(values)
    assert [(r.rule, r.importance, dict(r.values)) for r in results] == [
        ("referred_le_identified", "warning", {"victims_referred": 3, "victims_identified": 2})
    ]
    assert blocking(results) == []


def test_explicit_zero_is_a_value_and_missing_is_not() -> None:
    referred = {("victims_referred", "total"): 1}
    assert rules_hit({**referred, (VI, "total"): 0}) == {"referred_le_identified": "warning"}
    assert rules_hit({**referred, (VI, "total"): None}) == {}
    assert rules_hit(referred) == {}


def test_identified_total_is_derived_from_its_cells() -> None:
    cells = {(VI, f"{s}_{a}"): 0 for s in ("female", "male") for a in ("child", "adult")}
    assert rules_hit({**cells, ("victims_referred", "total"): 1}) == {
        "referred_le_identified": "warning"
    }
    cells[(VI, "male_adult")] = None
    assert rules_hit({**cells, ("victims_referred", "total"): 1}) == {}


def test_outlier_is_flagged_for_review_but_does_not_block() -> None:
    key = ("cases_investigated", "total")
    history = {key: [0, 1, 0, 2, 1, 0, 1]}
    assert rules_hit({key: 5}, history=history) == {}
    results = RULES.check({key: 40}, history=history)
    assert [(r.rule, r.importance) for r in results] == [("outlier_in_province_history", "warning")]
    assert dict(results[0].values) == {
        "value": 40,
        "median": 1,
        "mad": 1,
        "limit": 6,
        "history_length": 7,
    }
    assert blocking(results) == []


def test_outlier_needs_enough_history() -> None:
    key = ("cases_investigated", "total")
    assert rules_hit({key: 40}, history={key: [0, 1, 0, 2, 1]}) == {}
    assert rules_hit({key: 40}) == {}  # no history given: outlier rules are skipped


def test_rules_file_errors_name_file_and_line(tmp_path: Path) -> None:
    text = (RULES_DIR / "pwg_biweekly.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "rules.yaml"
    bad.write_text(text.replace("right: [victims_identified]", "right: [victims_found]"))
    with pytest.raises(DataSetError, match="no value 'victims_found'") as caught:
        load_rules(DATA_SET, tmp_path)
    assert (caught.value.file, caught.value.line) == (str(bad), 29)
    bad.write_text(text.replace("kind: compare", "kind: compares", 1))
    with pytest.raises(DataSetError) as caught:
        load_rules(DATA_SET, tmp_path)
    assert (caught.value.line, caught.value.field) == (21, "rules.2")
