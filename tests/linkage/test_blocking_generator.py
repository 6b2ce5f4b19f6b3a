"""Blocking chosen for the database a full run links, and the model refined on its pairs."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from tipdata.linkage.blocking import (
    RULE_PAIRS_PER_RECORD,
    blocking_rules_for,
    victim_rule_columns,
    victim_rule_pairs,
)
from tipdata.linkage.features import linkage_table, name_prefix_key
from tipdata.linkage.settings import BLOCKING_RULES, BOTH_VICTIMS
from tipdata.linkage.stored_model import default_model
from tipdata.linkage.training import refine_on_scores


def _sql(rule: object) -> str:
    return str(rule.create_sql("duckdb")) if hasattr(rule, "create_sql") else str(rule)


def _records(count: int, *, role: str, same_date: bool) -> pd.DataFrame:
    """``count`` person records with distinct names; all born 1 January 1990 if ``same_date``."""
    rng = np.random.default_rng(5)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    names = ["".join(rng.choice(letters, 7)) for _ in range(2 * count)]
    return pd.DataFrame(
        {
            "record_id": range(1, count + 1),
            "source_record_id": range(1, count + 1),
            "source": "register",
            "role": role,
            "family_name": names[:count],
            "given_name": names[count:],
            "birth_date": "1990-01-01" if same_date else None,
            "birth_year": None,
            "sex": "female",
        }
    )


def test_the_prefix_key_keeps_the_first_letters_of_every_word_sorted() -> None:
    assert name_prefix_key(["chutligh", "tumas"]) == "chut tuma"
    assert name_prefix_key(["tumaz", "chutleigh"]) == "chut tuma"
    table = linkage_table(_records(3, role="victim", same_date=False))
    assert table["name_prefix_key"].notna().all()


def test_rules_between_victims_are_read_as_their_columns() -> None:
    rule = "l.name_first_key = r.name_first_key AND l.birth_decade = r.birth_decade AND "
    rule += BOTH_VICTIMS
    assert victim_rule_columns(rule) == ("name_first_key", "birth_decade")
    assert victim_rule_columns("l.document_key = r.document_key") is None
    assert victim_rule_columns(f"l.a = r.a AND {BOTH_VICTIMS} AND l.sex = 'male'") is None


def test_pairs_of_a_rule_are_those_a_join_gives() -> None:
    table = linkage_table(_records(400, role="victim", same_date=True))
    table.loc[::3, "birth_year"] = pd.NA
    columns = ("birth_day", "birth_year")
    on = " AND ".join(f"l.{c} = r.{c}" for c in columns)
    with duckdb.connect() as connection:
        connection.register("t", table)
        joined = connection.execute(
            f"SELECT count(*) FROM t l JOIN t r ON {on} AND l.unique_id < r.unique_id "
            "AND l.role = 'victim' AND r.role = 'victim'"
        ).fetchone()
    assert joined is not None
    assert victim_rule_pairs(table, columns) == joined[0] > 0


def test_a_register_of_victims_born_on_one_day_leaves_the_date_alone_out() -> None:
    # Every pair of 400 victims shares the date: 79,800 pairs, over 10 per record.
    table = linkage_table(_records(400, role="victim", same_date=True))
    assert RULE_PAIRS_PER_RECORD * 400 < 400 * 399 // 2

    kept = [_sql(rule) for rule in blocking_rules_for(table)]

    dropped = [_sql(rule) for rule in BLOCKING_RULES if _sql(rule) not in kept]
    assert dropped == [
        f"l.birth_day = r.birth_day AND l.birth_year = r.birth_year AND {BOTH_VICTIMS}"
    ]
    # The date with a name word stays: it pairs no two of these records.
    assert (
        f"l.name_first_key = r.name_first_key AND l.birth_day = r.birth_day AND "
        f"l.birth_year = r.birth_year AND {BOTH_VICTIMS}"
    ) in kept


def test_the_same_records_as_returnees_keep_every_rule() -> None:
    table = linkage_table(_records(400, role="returnee", same_date=True))
    assert [_sql(r) for r in blocking_rules_for(table)] == [_sql(r) for r in BLOCKING_RULES]


def _scored(gamma: np.ndarray, weight: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"match_weight": weight, "gamma_name": gamma})


def test_name_m_follow_the_pairs_the_model_scores_as_matches() -> None:
    model = default_model(term_frequencies=False)
    model["probability_two_random_records_match"] = 1e-6
    # 5,000 pairs nearly certain to match whose names have only one word in common
    # (level 1), and 5,000 unlikely ones with different names (level 0).
    gamma = np.repeat([1, 0], 5_000)
    weight = np.repeat([10.0, -10.0], 5_000)

    refined = refine_on_scores(model, _scored(gamma, weight), count=20_000)

    def m_of(settings: dict[str, Any], label: str) -> float:
        name = next(c for c in settings["comparisons"] if c["output_column_name"] == "name")
        level = next(lv for lv in name["comparison_levels"] if lv.get("label_for_charts") == label)
        return float(level["m_probability"])

    assert m_of(refined, "one word in common") > 0.9 > m_of(model, "one word in common")
    assert m_of(refined, "same name as written") < m_of(model, "same name as written")
    # The prior: the expected matches over all pairs (about 5,000 of 199,990,000), never
    # below the model's own.
    assert refined["probability_two_random_records_match"] == pytest.approx(
        5_000 / (20_000 * 19_999 / 2), rel=0.1
    )
    assert model["probability_two_random_records_match"] == 1e-6  # not changed


def test_a_prior_above_what_the_pairs_say_is_kept() -> None:
    model = default_model(term_frequencies=False)
    model["probability_two_random_records_match"] = 0.01
    frame = _scored(np.array([7, 0]), np.array([-20.0, -20.0]))

    refined = refine_on_scores(model, frame, count=20_000)

    assert refined["probability_two_random_records_match"] == 0.01
