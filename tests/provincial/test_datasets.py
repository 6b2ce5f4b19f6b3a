"""Data set definitions: the shipped PWG data set and errors that name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.periods import parse_period
from tipdata.provincial.datasets import (
    DataSetError,
    load_data_set,
    load_data_set_file,
)

SHIPPED = Path(__file__).parents[2] / "tipdata" / "provincial" / "datasets" / "pwg_biweekly.yaml"


def test_pwg_biweekly_has_the_demo_columns_as_values() -> None:
    data_set = load_data_set("PWG_BIWEEKLY")
    assert [e.code for e in data_set.elements] == [
        "victims_identified",
        "victims_referred",
        "victims_repatriated",
        "cases_investigated",
        "suspects_arrested",
    ]
    assert data_set.period_type == "bi_week"
    assert data_set.grace_days == 5
    assert data_set.parse_column("victims_identified_female_child") == (
        "victims_identified",
        "female_child",
    )
    assert data_set.parse_column("suspects_arrested") == ("suspects_arrested", "total")
    assert data_set.parse_column("Report ID") is None


def test_disaggregations_and_partitions_of_sex_by_age() -> None:
    data_set = load_data_set()
    assert data_set.disaggregations("victims_identified") == (
        "total",
        "female",
        "male",
        "child",
        "adult",
        "female_child",
        "female_adult",
        "male_child",
        "male_adult",
    )
    assert data_set.disaggregations("cases_investigated") == ("total",)
    splits = {(p.whole, p.parts) for p in data_set.partitions("victims_identified")}
    assert splits == {
        ("total", ("female", "male")),
        ("total", ("child", "adult")),
        ("female", ("female_child", "female_adult")),
        ("male", ("male_child", "male_adult")),
        ("child", ("female_child", "male_child")),
        ("adult", ("female_adult", "male_adult")),
    }


def test_a_total_is_derived_only_from_a_complete_set_of_parts() -> None:
    data_set = load_data_set()
    key = ("victims_identified", "total")
    cells = {
        ("victims_identified", "female_child"): 1,
        ("victims_identified", "female_adult"): 2,
        ("victims_identified", "male_child"): 0,
        ("victims_identified", "male_adult"): 3,
    }
    assert data_set.value(cells, key) == 6
    cells[("victims_identified", "male_child")] = None
    assert data_set.value(cells, key) is None  # a blank is not 0
    assert data_set.value({**cells, key: 0}, key) == 0  # an explicit 0 is a value


def test_org_units_are_the_provinces_of_the_period() -> None:
    data_set = load_data_set()
    assert len(data_set.org_units_for(parse_period("2008BW10"))) == 24
    assert len(data_set.org_units_for(parse_period("2015BW10"))) == 25


def test_a_period_of_another_type_is_refused() -> None:
    with pytest.raises(DataSetError, match="reported by bi_week"):
        load_data_set().parse_period("200803")


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("grace_days: 5", "grace_days: 5\nfrequency: often", 12, "unknown key"),
        (
            "    category_combo: sex_age\n  - code: victims_referred",
            "    category_combo: sex_and_age\n  - code: victims_referred",
            33,
            "unknown category combo",
        ),
        ("  - code: suspects_arrested", "  - code: cases_investigated", 45, "duplicate code"),
        (
            "    options: [child, adult]",
            "    options: [child, female]",
            27,
            "used by two categories",
        ),
    ],
)
def test_definition_errors_name_the_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataSetError, match=message) as caught:
        load_data_set_file(bad)
    assert caught.value.file == str(bad)
    assert caught.value.line == line
