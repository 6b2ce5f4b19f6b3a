"""The model's comparison levels and how a stored or national model fits another database."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from tipdata.linkage.settings import ROLE_M, linkage_settings
from tipdata.linkage.stored_model import DEFAULT_MODEL_FILE, default_model
from tipdata.linkage.training import ROLE_LABELS, ROLE_U_NATIONAL, role_m_for_mix


def _level_reached(comparison: str, values: dict[str, str | None]) -> str:
    """The label of the first level of ``comparison`` whose SQL holds for one pair (DuckDB)."""
    settings = linkage_settings().create_settings_dict("duckdb")
    levels = next(
        c["comparison_levels"]
        for c in settings["comparisons"]
        if c["output_column_name"] == comparison
    )
    columns = ", ".join(f"CAST(? AS VARCHAR) AS {name}" for name in values)
    with duckdb.connect() as connection:
        connection.execute(f"CREATE TABLE pair AS SELECT {columns}", list(values.values()))
        for level in levels:
            sql = level["sql_condition"]
            if sql.strip().upper() == "ELSE" or connection.execute(
                f"SELECT coalesce(({sql}), false) FROM pair"
            ).fetchone() == (True,):
                return str(level.get("label_for_charts", ""))
    raise AssertionError("no level")


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("06-24", "06-24", "same day and month"),
        ("06-24", "05-24", "one digit off, day and month swapped, or within a week"),
        ("04-07", "07-04", "one digit off, day and month swapped, or within a week"),
        ("01-30", "02-03", "one digit off, day and month swapped, or within a week"),
        ("10-11", "10-29", "within a month"),
        ("03-14", "11-02", "day and month differ"),
    ],
)
def test_a_clerks_slip_in_a_date_of_birth_is_not_a_different_date(
    left: str, right: str, level: str
) -> None:
    assert _level_reached("birth_day", {"birth_day_l": left, "birth_day_r": right}) == level


def test_syllables_joined_or_split_are_the_same_name_not_a_similar_one() -> None:
    from tipdata.linkage.features import linkage_table

    table = linkage_table(
        pd.DataFrame(
            {
                "record_id": [1, 2],
                "source_record_id": [1, 2],
                "source": ["police", "shelter"],
                "role": ["victim", "victim"],
                "full_name": ["Keo Chan Ny", "Keo Channy"],
            }
        )
    )
    values = {
        f"{column}_{side}": table[column][row]
        for column in ("name_clean", "name_key", "name_compact_key", "name_sorted_key")
        for side, row in (("l", 0), ("r", 1))
    }
    assert table["name_key"][0] != table["name_key"][1]
    assert _level_reached("name", values) == "same romanisation key"


def test_two_full_dates_are_compared_once_the_year_by_year_the_day_by_day() -> None:
    settings = linkage_settings().create_settings_dict("duckdb")
    labels = {
        c["output_column_name"]: [lv.get("label_for_charts") for lv in c["comparison_levels"]]
        for c in settings["comparisons"]
    }
    assert "same date of birth" not in labels["birth_year"]
    assert "two dates of birth that differ" not in labels["birth_year"]
    assert labels["birth_day"][1:] == [
        "same day and month",
        "one digit off, day and month swapped, or within a week",
        "within a month",
        "day and month differ",
    ]


def test_the_stored_default_model_runs_with_this_versions_levels_keeping_its_values() -> None:
    stored = json.loads(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"))
    trained = {
        level.get("label_for_charts"): level.get("m_probability")
        for c in stored["comparisons"]
        if c["output_column_name"] == "birth_year"
        for level in c["comparison_levels"]
    }

    model = default_model()

    current = linkage_settings().create_settings_dict("duckdb")
    shape = [(c["output_column_name"], len(c["comparison_levels"])) for c in model["comparisons"]]
    assert shape == [
        (c["output_column_name"], len(c["comparison_levels"])) for c in current["comparisons"]
    ]
    birth_year = next(c for c in model["comparisons"] if c["output_column_name"] == "birth_year")
    kept = {
        lv["label_for_charts"]: lv["m_probability"] for lv in birth_year["comparison_levels"][1:]
    }
    assert kept["same range"] == trained["same range"]
    assert kept["within 6 year(s)"] == trained["within 6 year(s)"]


def test_role_m_keeps_the_national_values_for_the_national_mix_of_roles() -> None:
    national = {label: ROLE_U_NATIONAL[key] for label, key in ROLE_LABELS.items()}

    found = role_m_for_mix(national)

    assert {label: round(m, 3) for label, m in found.items()} == {
        label: round(ROLE_M[key] / sum(ROLE_M.values()), 3) for label, key in ROLE_LABELS.items()
    }


def test_in_a_register_of_victims_only_both_victims_is_no_evidence() -> None:
    only_victims = dict.fromkeys(ROLE_LABELS, 0.0) | {"both victims": 1.0}

    found = role_m_for_mix(only_victims)

    # m = u: the level that every pair reaches weighs 0 bits (the national 0.48 gave -1 bit).
    assert found["both victims"] == pytest.approx(1.0, abs=1e-4)


def test_a_victims_and_returnees_mix_keeps_the_national_ratio_between_levels() -> None:
    mix = dict.fromkeys(ROLE_LABELS, 0.0) | {
        "both victims": 0.25,
        "victim and returnee or worker": 0.5,
        "both returnees or both workers": 0.25,
    }

    found = role_m_for_mix(mix)

    bayes = {label: found[label] / mix[label] for label in mix if mix[label]}
    national = {
        label: ROLE_M[ROLE_LABELS[label]] / ROLE_U_NATIONAL[ROLE_LABELS[label]] for label in bayes
    }
    ratio = bayes["both victims"] / bayes["victim and returnee or worker"]
    assert ratio == pytest.approx(
        national["both victims"] / national["victim and returnee or worker"]
    )


def test_a_stored_level_refined_since_runs_with_this_versions_sql_and_its_trained_m() -> None:
    # A level refined in a later version keeps its label: the stored model must run it
    # with the new condition and its trained m and u (it used to keep the old condition).
    from tipdata.linkage.stored_model import with_current_levels

    stored = json.loads(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"))
    name = next(c for c in stored["comparisons"] if c["output_column_name"] == "name")
    level = next(lv for lv in name["comparison_levels"] if "one typo" in lv["label_for_charts"])
    level["sql_condition"] = "name_sorted_key_l = name_sorted_key_r"  # an older condition
    trained_m = level["m_probability"]
    current = linkage_settings().create_settings_dict("duckdb")

    with_current_levels(stored, current)

    name = next(c for c in stored["comparisons"] if c["output_column_name"] == "name")
    wanted = next(c for c in current["comparisons"] if c["output_column_name"] == "name")
    level, wanted_level = (
        next(lv for lv in c["comparison_levels"] if "one typo" in lv["label_for_charts"])
        for c in (name, wanted)
    )
    assert level["sql_condition"] == wanted_level["sql_condition"]
    assert level["m_probability"] == trained_m
