"""A large database's full run: one predict, re-weighed for the refined model.

Model 8 predicted every candidate pair twice (once to refine the prior and name m on
the scored pairs, once with the refined model). :func:`scoring.scored_and_refined`
predicts once, below the score floor by a margin, and re-weighs the pairs in memory;
these tests check that it gives the pairs and figures a second predict gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from splink import Linker
from splink.internals.misc import prob_to_match_weight

from tipdata.linkage import scoring
from tipdata.linkage.defaults import SCORE_FLOOR
from tipdata.linkage.engines import DuckDBEngine
from tipdata.linkage.features import linkage_table
from tipdata.linkage.labels import levels_of_pairs, update_m_from_labels
from tipdata.linkage.scoring import (
    largest_rise,
    reweighed,
    scored_and_refined,
    trained_model,
)
from tipdata.linkage.training import LARGE_EM_COMPARISONS, refine_on_scores

SYLLABLES = [
    "sok",
    "srey",
    "mom",
    "chan",
    "thy",
    "dara",
    "vann",
    "rith",
    "kim",
    "heng",
    "lina",
    "pich",
    "sophal",
    "nary",
    "bora",
    "keo",
    "mao",
    "long",
]


def _records(people: int = 700, seed: int = 3) -> pd.DataFrame:
    """Victims recorded one to three times, names sometimes mistyped, ages a year off."""
    rng = np.random.default_rng(seed)
    rows = []
    for person in range(people):
        family = str(rng.choice(SYLLABLES))
        given = str(rng.choice(SYLLABLES)) + str(rng.choice(SYLLABLES))
        year = int(rng.integers(1975, 2000))
        province = str(rng.integers(1, 8))
        sex = str(rng.choice(["female", "male"]))
        for copy in range(int(rng.integers(1, 4))):
            written = given
            if copy and rng.random() < 0.4:  # a letter mistyped
                at = int(rng.integers(0, len(written)))
                written = written[:at] + str(rng.choice(list("aeiouk"))) + written[at + 1 :]
            rows.append(
                {
                    "record_id": len(rows) + 1,
                    "source_record_id": len(rows) + 1,
                    "source": f"agency-{copy}",
                    "role": "victim",
                    "person_id": None,
                    "family_name": family,
                    "given_name": written,
                    "birth_year": year + int(rng.integers(-1, 2)) * (rng.random() < 0.3),
                    "sex": sex,
                    "province_code": province if rng.random() < 0.9 else "9",
                    "truth": person,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def trained() -> Iterator[tuple[DuckDBEngine, Any, pd.DataFrame, dict[str, Any]]]:
    table = linkage_table(_records())
    engine = DuckDBEngine()
    records = engine.register(table, "records_large")
    model = trained_model(records, table, seed=1)
    # A few of the rules: each rule is a join per predict, and the re-weighing does not
    # depend on which pairs were blocked.
    model["blocking_rules_to_generate_predictions"] = model[
        "blocking_rules_to_generate_predictions"
    ][:9]
    yield engine, records, table, model
    engine.close()


def _predict(records: Any, model: dict[str, Any], floor: float) -> pd.DataFrame:
    linker = Linker(records, model, validate_settings=False)
    predicted = linker.inference.predict(threshold_match_probability=floor)
    frame = predicted.as_pandas_dataframe()
    predicted.drop_table_from_database_and_remove_from_cache()
    linker.table_management.invalidate_cache()
    return frame


def _by_pair(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index(["unique_id_l", "unique_id_r"]).sort_index()


def _assert_same_pairs(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    found, expected = _by_pair(found), _by_pair(expected)
    assert list(found.index) == list(expected.index)
    assert sorted(found.columns) == sorted(expected.columns)
    for column in ("match_weight", "match_probability", "mw_name", "gamma_name"):
        np.testing.assert_allclose(
            found[column].to_numpy(dtype="float64"),
            expected[column].to_numpy(dtype="float64"),
            rtol=1e-12,
            atol=1e-12,
        )


def _changed(model: dict[str, Any]) -> dict[str, Any]:
    """The model with a prior 16 times higher and name m moved both ways."""
    changed = json.loads(json.dumps(model))
    changed["probability_two_random_records_match"] *= 16
    name = next(c for c in changed["comparisons"] if c["output_column_name"] == "name")
    levels = [level for level in name["comparison_levels"] if not level.get("is_null_level")]
    levels[0]["m_probability"] *= 0.5
    levels[-2]["m_probability"] *= 6
    return changed


def test_pairs_reweighed_in_memory_are_those_a_predict_of_the_new_model_gives(
    trained: tuple[DuckDBEngine, Any, pd.DataFrame, dict[str, Any]],
) -> None:
    _engine, records, _table, model = trained
    changed = _changed(model)
    rise = largest_rise(records, model, changed)
    # The prior's log odds (about 4 bits) and log2(6) from the name level
    prior = model["probability_two_random_records_match"]
    from_prior = prob_to_match_weight(16 * prior) - prob_to_match_weight(prior)
    assert rise == pytest.approx(from_prior + np.log2(6))
    floor_weight = prob_to_match_weight(SCORE_FLOOR)
    below = _predict(records, model, 1 / (1 + 2 ** -(floor_weight - rise)))

    found = reweighed(records, below.copy(), model, changed, floor_weight)

    expected = _predict(records, changed, SCORE_FLOOR)
    assert len(expected) > 100
    _assert_same_pairs(found, expected)


def _two_predicts(
    engine: DuckDBEngine, records: Any, model: dict[str, Any], count: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Model 8's way: predict, refine on the pairs at or above the floor, predict again."""
    first = _predict(records, model, SCORE_FLOOR)
    columns = ["match_weight", *(f"gamma_{name}" for name in LARGE_EM_COMPARISONS)]
    refined = refine_on_scores(model, first[columns], count)
    return _predict(records, refined, SCORE_FLOOR), refined


@pytest.mark.parametrize("margin", [4.0, 0.0])
def test_one_predict_gives_the_pairs_and_model_of_two(
    trained: tuple[DuckDBEngine, Any, pd.DataFrame, dict[str, Any]],
    margin: float,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the margin, one predict; with none, the refined model predicts again."""
    engine, records, table, model = trained
    monkeypatch.setattr(scoring, "REWEIGH_MARGIN_BITS", margin)

    pairs, refined, labelled = scored_and_refined(engine, records, model, len(table), SCORE_FLOOR)

    expected, expected_model = _two_predicts(engine, records, model, len(table))
    assert labelled == {}
    assert refined["probability_two_random_records_match"] == pytest.approx(
        expected_model["probability_two_random_records_match"], rel=1e-9
    )
    # The refinement raised scores, within the margin (one predict) or not (two).
    assert 0 < largest_rise(records, model, refined) <= scoring.REWEIGH_MARGIN_BITS or not margin
    _assert_same_pairs(pairs, expected)


def test_reviewers_decisions_re_weigh_the_same_pairs(
    trained: tuple[DuckDBEngine, Any, pd.DataFrame, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """m from reviewers' "same" decisions changes every comparison: the pairs are those of
    a predict with the final model, re-weighed in memory while within the margin."""
    engine, records, table, model = trained
    monkeypatch.setattr(scoring, "REWEIGH_MARGIN_BITS", 40.0)
    labels = pd.DataFrame(
        {
            "unique_id_l": table["unique_id"][:40:2].to_numpy(),
            "unique_id_r": table["unique_id"][1:40:2].to_numpy(),
        }
    )

    pairs, final, labelled = scored_and_refined(
        engine, records, model, len(table), SCORE_FLOOR, labels=labels
    )

    _expected_pairs, refined = _two_predicts(engine, records, model, len(table))
    decided = json.loads(json.dumps(refined))
    update_m_from_labels(
        decided,
        levels_of_pairs(Linker(records, refined, validate_settings=False), engine, labels.copy()),
    )
    expected = _predict(records, decided, SCORE_FLOOR)
    assert labelled["name"] == 20
    assert largest_rise(records, model, final) > 0
    _assert_same_pairs(pairs, expected)
