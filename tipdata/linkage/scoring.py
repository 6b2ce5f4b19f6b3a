"""Scoring pairs: train the model (full run) or reuse it (incremental run) and predict.

:func:`_score` trains on every record (m updated from reviewers' "same" decisions) and
scores every blocked pair; :func:`_incremental_records` and :func:`_score_incremental`
score only new records against the existing candidates the stored keys find.
:func:`calibration` is what the model itself expects of a run's pairs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from splink import Linker

from tipdata.access.keys import Keyring
from tipdata.access.linkage_keys import LinkageKeyHasher
from tipdata.linkage.blocking import (
    BLOCKING_COLUMNS,
    blocking_rule_sqls,
    blocking_rules_for,
    candidate_ids,
    fill_index,
    hashed_keys,
    load_link_index,
    rule_columns,
    store_link_keys,
    term_frequency_tables,
)
from tipdata.linkage.common import LinkageError
from tipdata.linkage.defaults import (
    SCORE_FLOOR,
)
from tipdata.linkage.engines import LinkageEngine
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.linkage.labels import levels_of_pairs, update_m_from_labels
from tipdata.linkage.settings import linkage_settings
from tipdata.linkage.stored_model import MIN_TRAINING_RECORDS, default_model, model_for_dialect
from tipdata.linkage.training import (
    LARGE_EM_COMPARISONS,
    apply_m_floors,
    refine_on_scores,
    train,
    train_small,
)
from tipdata.store.database import Database
from tipdata.store.people import (
    PersonRecord,
)

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def calibration(
    model: dict[str, Any], pairs: pd.DataFrame, threshold: float, review_lower: float
) -> dict[str, float]:
    """What the model itself expects of this run: its prior and its own precision and recall.

    The scored pairs (those at or above the review floor) carry match probabilities: their
    sum is the number of matching pairs the model expects among them, the mean of those
    at or above the threshold its expected precision, and their share of the sum its
    expected recall (of the matches it scored; pairs never blocked are not counted).

    Args:
        model: the run's model.
        pairs: the scored pairs.
        threshold: the run's threshold.
        review_lower: the review floor (the pairs' lowest probability).

    Returns:
        ``prior``, ``prior_bits``, ``expected_matches``, ``expected_precision``,
        ``expected_recall``, ``pairs_scored``.
    """
    prior = float(model.get("probability_two_random_records_match") or 0.0)
    probabilities = (
        pairs["match_probability"].astype("float64")
        if len(pairs)
        else pd.Series([], dtype="float64")
    )
    linked = probabilities[probabilities >= threshold]
    expected = float(probabilities.sum())
    return {
        "prior": prior,
        "prior_bits": round(float(np.log2(prior / (1 - prior))), 2) if 0 < prior < 1 else 0.0,
        "expected_matches": round(expected, 1),
        "expected_precision": round(float(linked.mean()), 4) if len(linked) else 1.0,
        "expected_recall": round(float(linked.sum()) / expected, 4) if expected else 1.0,
        "pairs_scored": float(len(probabilities)),
        "review_lower": review_lower,
    }


def _score(
    engine: LinkageEngine,
    table: pd.DataFrame,
    review_lower: float,
    seed: int,
    report: Progress,
    labels: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, int]]:
    """A full run: train on every record, then score pairs at or above ``review_lower``.

    With reviewers' "same" decisions (``labels``: record-id pairs), m is updated from
    the levels those pairs reach (:func:`labels.update_m_from_labels`) before scoring.

    Returns:
        The pairs, the model, and per comparison how many labelled pairs updated its m.
    """
    if len(table) < 2:
        return _no_pairs(), {}, {}
    all_records = engine.register(table, f"records_{id(table)}")
    report("train", 0, 1)
    if len(table) >= MIN_TRAINING_RECORDS:
        linker = trained_linker(engine, all_records, table, seed=seed)
    else:
        linker = train_small(all_records, count=len(table), dialect=_dialect(engine), seed=seed)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    labelled: dict[str, int] = {}
    if not labels.empty:
        labelled = update_m_from_labels(model, levels_of_pairs(linker, engine, labels))
        linker = Linker(all_records, model, log_level=logging.WARNING)
        log.info("m estimated from %d labelled pair(s)", len(labels))
    report("train", 1, 1)
    report("predict", 0, 1)
    try:
        predictions = linker.inference.predict(
            threshold_match_probability=min(review_lower, SCORE_FLOOR)
        )
        pairs = engine.to_pandas(predictions)
    finally:
        # train_small leaves its candidate pairs in Splink's cache for this predict; the
        # engine may link other records next (a Spark session is kept between runs).
        linker.table_management.invalidate_cache()
    report("predict", 1, 1)
    return pairs, model, labelled


def trained_linker(
    engine: LinkageEngine, records: Any, table: pd.DataFrame, *, seed: int
) -> Linker:
    """The linker of a full run on :data:`MIN_TRAINING_RECORDS` records or more.

    Blocking rules for this database (:func:`blocking.blocking_rules_for`), the model
    trained without labels (:func:`training.train`, m floors), then its prior and name m
    estimated on the pairs it scores (:func:`training.refine_on_scores`). Its candidate
    pairs stay in Splink's cache: the caller drops them after its predict
    (``linker.table_management.invalidate_cache()``).

    Args:
        engine: the engine ``records`` is registered with.
        records: the registered linkage table.
        table: the same table in pandas.
        seed: seed of the u sampling.
    """
    settings = linkage_settings(blocking_rules=blocking_rules_for(table))
    trainer = Linker(records, settings, log_level=logging.WARNING)
    train(trainer, seed=seed)
    floored = apply_m_floors(trainer.misc.save_model_to_json())
    return _refined(engine, records, floored, len(table))


def _refined(engine: LinkageEngine, records: Any, model: dict[str, Any], count: int) -> Linker:
    """A linker with the prior and name m estimated on the pairs ``model`` scores.

    The candidate pairs are blocked once and kept in Splink's cache for both predicts
    (this one and the caller's); the caller drops them after its predict.
    """
    linker = Linker(records, model, log_level=logging.WARNING)
    linker.table_management.invalidate_cache()
    linker.inference.compute_blocked_pairs_for_predict()
    first = linker.inference.predict(threshold_match_probability=SCORE_FLOOR)
    try:
        columns = ", ".join(["match_weight", *(f"gamma_{name}" for name in LARGE_EM_COMPARISONS)])
        frame = engine.query(f"SELECT {columns} FROM {first.physical_name}")
    finally:
        first.drop_table_from_database_and_remove_from_cache()
    refined = refine_on_scores(model, frame, count)
    return Linker(records, refined, log_level=logging.WARNING, validate_settings=False)


def _no_pairs() -> pd.DataFrame:
    return pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability"])


def _incremental_model(previous_model: dict[str, Any], db: Database) -> dict[str, Any]:
    """The last run's model; a small database keeps the default model without term frequencies."""
    if _is_default(previous_model):
        with db.connect() as connection:
            records = connection.execute(sa.select(sa.func.count(PersonRecord.id))).scalar_one()
        if records < MIN_TRAINING_RECORDS:
            return default_model(term_frequencies=False)
    return previous_model


def _incremental_records(
    db: Database,
    engine: LinkageEngine,
    model: dict[str, Any],
    keyring: Keyring,
    hasher: LinkageKeyHasher,
    key_version: int,
    lap: Callable[[str, float], float],
    since: float,
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Every record's index, and the linkage table of the records an incremental run scores.

    Only the new records (no person yet), the records without stored keys (whose keys
    are stored now) and the existing records that a blocking rule pairs with a new
    record, found on the stored hashes (:func:`blocking.candidate_ids`), are decrypted.

    Returns:
        The index (:func:`blocking.load_link_index`, keys filled), the table ordered by
        id, and the time of the last lap.
    """
    rules = blocking_rule_sqls(_in_dialect(model, engine))
    needed = rule_columns(rules) | set(_tf_columns(model))
    if not needed <= BLOCKING_COLUMNS:
        raise LinkageError(
            f"the last model uses {sorted(needed - BLOCKING_COLUMNS)}, which stored linkage "
            "keys do not hold: run a full linkage first (--mode full)"
        )
    index = load_link_index(db, key_version)
    new = index["person_id"].isna().to_numpy()
    since = lap("load index", since)
    first = index["unique_id"][new | ~index["has_keys"].to_numpy()]
    table = linkage_table(load_person_records(db, record_ids=first, keyring=keyring))
    lacking = table[~table["unique_id"].isin(index["unique_id"][index["has_keys"]])]
    keys = hashed_keys(lacking, hasher)
    store_link_keys(db, keys, key_version, skip_stored=False)
    fill_index(index, keys)
    since = lap("load new", since)
    candidates = candidate_ids(engine, index, new, rules)
    since = lap("candidates", since)
    more = np.setdiff1d(candidates, table["unique_id"].to_numpy())
    if len(more):
        table = pd.concat(
            [table, linkage_table(load_person_records(db, record_ids=more, keyring=keyring))],
            ignore_index=True,
        )
    scored = table["unique_id"].isin(index["unique_id"][new]) | table["unique_id"].isin(candidates)
    table = table[scored].sort_values("unique_id", ignore_index=True)
    since = lap("load candidates", since)
    log.info(
        "incremental linkage: %d new records, %d existing candidates of %d records",
        int(new.sum()),
        len(candidates),
        len(index),
    )
    return index, table, since


def _score_incremental(
    engine: LinkageEngine,
    table: pd.DataFrame,
    index: pd.DataFrame,
    model: dict[str, Any],
    review_lower: float,
    report: Progress,
) -> pd.DataFrame:
    """Score new records against the candidates and each other with the last run's model.

    ``table`` holds the new records and the existing candidates; the term frequencies
    are counted on every record's keys in ``index`` and registered with Splink, so
    ``predict_between`` and ``predict_within`` give the pairs and scores of a run over
    every record.
    """
    new_mask = table["unique_id"].isin(index["unique_id"][index["person_id"].isna()]).to_numpy()
    new_table = table[new_mask]
    if new_table.empty:
        return _no_pairs()
    new_records = engine.register(new_table, f"new_{id(table)}")
    # The linker's own input only gives it the columns: the records to score are passed
    # to predict_between and predict_within.
    linker = Linker(new_records, _in_dialect(model, engine), log_level=logging.WARNING)
    lookups = term_frequency_tables(table, index, _tf_columns(model))
    for column, lookup in lookups.items():
        linker.table_management.register_term_frequency_lookup(
            engine.register(lookup, f"tf_{column}_{id(table)}"), column
        )
    report("predict", 0, 2)
    existing_table = table[~new_mask]
    frames = []
    if not existing_table.empty:
        existing = engine.register(existing_table, f"existing_{id(table)}")
        frames.append(
            engine.to_pandas(
                linker.inference.predict_between(
                    new_records,
                    existing,
                    threshold_match_probability=min(review_lower, SCORE_FLOOR),
                    warning_mode="never",
                )
            )
        )
    report("predict", 1, 2)
    frames.append(
        engine.to_pandas(
            linker.inference.predict_within(
                new_records,
                threshold_match_probability=min(review_lower, SCORE_FLOOR),
                warning_mode="never",
            )
        )
    )
    report("predict", 2, 2)
    return pd.concat(frames, ignore_index=True)


def _dialect(engine: LinkageEngine) -> str:
    return str(engine.db_api().sql_dialect.sql_dialect_str)


def _in_dialect(model: dict[str, Any], engine: LinkageEngine) -> dict[str, Any]:
    """The model with its SQL in the engine's dialect (a stored model may come from another)."""
    return model_for_dialect(model, _dialect(engine))


def _tf_columns(model: dict[str, Any]) -> list[str]:
    """Columns the model adjusts by term frequency."""
    return sorted(
        {
            level["tf_adjustment_column"]
            for comparison in model["comparisons"]
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )


def _is_default(model: dict[str, Any]) -> bool:
    return bool(_tf_columns(model)) and model.get("linker_uid") == default_model().get("linker_uid")
