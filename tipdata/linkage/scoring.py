"""Scoring pairs: train the model (full run) or reuse it (incremental run) and predict.

:func:`_score` trains on every record (m updated from reviewers' "same" decisions) and
scores every blocked pair; :func:`_incremental_records` and :func:`_score_incremental`
score only new records against the existing candidates the stored keys find.
:func:`calibration` is what the model itself expects of a run's pairs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from splink import Linker
from splink.internals.misc import prob_to_match_weight

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
    floor = min(review_lower, SCORE_FLOOR)
    if len(table) >= MIN_TRAINING_RECORDS:
        return _score_large(engine, all_records, table, floor, seed, report, labels)
    report("train", 0, 1)
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
        predictions = linker.inference.predict(threshold_match_probability=floor)
        pairs = engine.to_pandas(predictions)
    finally:
        # train_small leaves its candidate pairs in Splink's cache for this predict; the
        # engine may link other records next (a Spark session is kept between runs).
        linker.table_management.invalidate_cache()
    report("predict", 1, 1)
    return pairs, model, labelled


def _score_large(
    engine: LinkageEngine,
    records: Any,
    table: pd.DataFrame,
    floor: float,
    seed: int,
    report: Progress,
    labels: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, int]]:
    """:func:`_score` for a database of :data:`MIN_TRAINING_RECORDS` records or more."""
    report("train", 0, 1)
    trained = trained_model(records, table, seed=seed)
    report("train", 1, 1)
    report("predict", 0, 1)
    pairs, model, labelled = scored_and_refined(engine, records, trained, len(table), floor,
                                                labels=labels)  # fmt: skip
    report("predict", 1, 1)
    return pairs, model, labelled


def trained_model(records: Any, table: pd.DataFrame, *, seed: int) -> dict[str, Any]:
    """The model of a full run on :data:`MIN_TRAINING_RECORDS` records or more, unrefined.

    Blocking rules for this database (:func:`blocking.blocking_rules_for`), the model
    trained without labels (:func:`training.train`) and its m floors. Its prior and name
    m are estimated next, on the pairs it scores (:func:`scored_and_refined`).

    Args:
        records: the registered linkage table.
        table: the same table in pandas.
        seed: seed of the u sampling.
    """
    settings = linkage_settings(blocking_rules=blocking_rules_for(table))
    trainer = Linker(records, settings, log_level=logging.WARNING)
    train(trainer, seed=seed)
    return apply_m_floors(trainer.misc.save_model_to_json())


REWEIGH_MARGIN_BITS = 1.0
"""How far below the score floor :func:`scored_and_refined` lets Splink score pairs, in bits.

Refining the prior and the name m (:func:`training.refine_on_scores`), and the m of
reviewers' decisions, move each pair's match weight by the change of the prior plus the
change of the levels it reaches: computed exactly on the pairs in memory. A pair the
trained model scored below the floor can reach it only if that change is upward by more
than the distance between them, so scoring this margin below the floor keeps every such
pair while the largest possible rise stays within the margin; a larger rise is predicted
again with the final model (the same pairs, in twice the time). Splink holds every
scored pair with all its columns: on the demo at scale 2 the refinement raised pairs by
at most 0.53 bits, and 20,176 pairs reached the floor, 25,899 one bit below it, 208,088
eight bits below (a margin of 8 bits took the full run at scale 10 to 8.4 GB)."""


def scored_and_refined(
    engine: LinkageEngine,
    records: Any,
    model: dict[str, Any],
    count: int,
    floor: float,
    *,
    labels: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, int]]:
    """Pairs scored by ``model`` refined on its own scored pairs, at or above ``floor``.

    The candidate pairs are blocked and compared once. The prior and the name m are
    estimated on the pairs ``model`` scores at or above :data:`SCORE_FLOOR`
    (:func:`training.refine_on_scores`); with reviewers' "same" decisions (``labels``)
    every m is then updated from the levels they reach
    (:func:`labels.update_m_from_labels`). The predictions, made
    :data:`REWEIGH_MARGIN_BITS` below ``floor``, are then re-weighed for the final model
    (:func:`reweighed`): the same pairs and weights as predicting again with it (a
    second predict, which model 8 made, tripled the scoring time at scale 10).

    Args:
        engine: the engine ``records`` is registered with.
        records: the registered linkage table.
        model: the trained model (:func:`trained_model`).
        count: records in the table.
        floor: the lowest match probability kept (at most :data:`SCORE_FLOOR`).
        labels: record-id pairs reviewers decided are one person.

    Returns:
        The pairs (Splink's predictions), the final model (as Splink saves it), and per
        comparison how many labelled pairs updated its m.
    """
    linker = _linker(records, model)
    linker.table_management.invalidate_cache()
    linker.inference.compute_blocked_pairs_for_predict()
    floor_weight = prob_to_match_weight(min(floor, SCORE_FLOOR))
    labelled: dict[str, int] = {}
    predicted = linker.inference.predict(threshold_match_weight=floor_weight - REWEIGH_MARGIN_BITS)
    try:
        columns = ", ".join(["match_weight", *(f"gamma_{name}" for name in LARGE_EM_COMPARISONS)])
        refined = refine_on_scores(
            model,
            engine.query(
                f"SELECT {columns} FROM {predicted.physical_name} "
                f"WHERE match_weight >= {prob_to_match_weight(SCORE_FLOOR)!r}"
            ),
            count,
        )
        final = refined
        if labels is not None and not labels.empty:
            final = json.loads(json.dumps(refined))
            labelled = update_m_from_labels(
                final, levels_of_pairs(_linker(records, refined), engine, labels)
            )
            log.info("m estimated from %d labelled pair(s)", len(labels))
        rise = largest_rise(records, model, final)
        if rise > REWEIGH_MARGIN_BITS:
            log.info("scores rise by up to %.1f bits: predicting again", rise)
            again = _linker(records, final).inference.predict(threshold_match_weight=floor_weight)
            pairs = engine.to_pandas(again)
            again.drop_table_from_database_and_remove_from_cache()
        else:
            pairs = reweighed(
                records,
                engine.query(
                    f"SELECT * FROM {predicted.physical_name} WHERE match_weight + "
                    f"{_change_sql(records, model, final)} >= {floor_weight - 1e-6!r}"
                ),
                model,
                final,
                floor_weight,
            )
    finally:
        predicted.drop_table_from_database_and_remove_from_cache()
        # The engine may link other records next (a Spark session is kept between runs).
        linker.table_management.invalidate_cache()
    return pairs, _linker(records, final).misc.save_model_to_json(), labelled


def _linker(records: Any, model: dict[str, Any]) -> Linker:
    """A linker of ``model`` (settings checked once, by the trainer)."""
    return Linker(records, model, log_level=logging.WARNING, validate_settings=False)


def _level_weights(records: Any, model: dict[str, Any]) -> tuple[float, list[Any]]:
    """The prior's match weight and Splink's comparisons of ``model``."""
    settings = _linker(records, model)._settings_obj
    prior = prob_to_match_weight(settings._probability_two_random_records_match)
    return prior, list(settings.comparisons)


def largest_rise(records: Any, before: dict[str, Any], after: dict[str, Any]) -> float:
    """The most any pair's match weight can rise from ``before`` to ``after``, in bits.

    The two models differ in their prior and m only (same comparisons, u and term
    frequencies): a pair's weight moves by the change of the prior plus, per comparison,
    the change of the level it reaches; the largest rise takes each comparison's
    largest.
    """
    prior_before, comparisons_before = _level_weights(records, before)
    prior_after, comparisons_after = _level_weights(records, after)
    rise = prior_after - prior_before
    for old, new in zip(comparisons_before, comparisons_after, strict=True):
        for level_old, level_new in zip(old.comparison_levels, new.comparison_levels, strict=True):
            if level_old._match_weight is None or level_new._match_weight is None:
                return float("inf")  # a level without m or u: predict again
        rise += max(
            level_new._match_weight - level_old._match_weight
            for level_old, level_new in zip(
                old.comparison_levels, new.comparison_levels, strict=True
            )
        )
    return float(rise)


def _change_sql(records: Any, before: dict[str, Any], after: dict[str, Any]) -> str:
    """SQL of each pair's change of match weight from ``before`` to ``after`` (about: the
    pairs it selects are re-weighed exactly by :func:`reweighed`, then cut at the floor)."""
    prior_before, comparisons_before = _level_weights(records, before)
    prior_after, comparisons_after = _level_weights(records, after)
    terms = [f"{prior_after - prior_before!r}"]
    for old, new in zip(comparisons_before, comparisons_after, strict=True):
        cases = [
            f"WHEN {new._gamma_column_name} = {level_new.comparison_vector_value} "
            f"THEN {level_new._match_weight - level_old._match_weight!r}"
            for level_old, level_new in zip(
                old.comparison_levels, new.comparison_levels, strict=True
            )
            if level_new._match_weight != level_old._match_weight
        ]
        if cases:
            terms.append(f"(CASE {' '.join(cases)} ELSE 0 END)")
    return "(" + " + ".join(terms) + ")"


def reweighed(
    records: Any,
    pairs: pd.DataFrame,
    before: dict[str, Any],
    after: dict[str, Any],
    floor_weight: float,
) -> pd.DataFrame:
    """Pairs ``before`` scored, with the weights and probabilities ``after`` gives them.

    Each comparison's match-weight column whose levels changed is set to the level's new
    weight, and ``match_weight`` and ``match_probability`` are computed from the columns
    as Splink's predict computes them (prior first, then each comparison's terms in
    order, the same float operations): the same figures a predict with ``after`` gives.

    Args:
        records: the registered linkage table (for Splink's reading of the models).
        pairs: Splink's predictions by ``before`` (intermediate columns retained).
        before: the model that scored them.
        after: the same model with another prior or m.
        floor_weight: pairs below this match weight (by ``after``) are dropped.

    Returns:
        The pairs at or above ``floor_weight``, in their order.
    """
    _prior_before, comparisons_before = _level_weights(records, before)
    prior_after, comparisons_after = _level_weights(records, after)
    terms: list[str] = []
    for old, new in zip(comparisons_before, comparisons_after, strict=True):
        weight_of = {lv.comparison_vector_value: lv._match_weight for lv in new.comparison_levels}
        was = {lv.comparison_vector_value: lv._match_weight for lv in old.comparison_levels}
        if weight_of != was and len(pairs):
            gamma = pairs[new._gamma_column_name].to_numpy(dtype="int64")
            values = np.full(len(gamma), np.nan)
            for value, weight in weight_of.items():
                values[gamma == value] = weight
            pairs[new._mw_column_name] = values
        terms.extend(new._match_weight_columns_to_sum)
    weight = np.full(len(pairs), float(prior_after))
    for term in terms:
        weight = weight + pairs[term].to_numpy(dtype="float64")
    positive = weight >= 0
    with np.errstate(over="ignore"):
        probability = np.where(
            positive,
            1.0 / (1.0 + np.power(2.0, -weight)),
            np.power(2.0, weight) / (1.0 + np.power(2.0, weight)),
        )
    pairs["match_weight"] = weight
    pairs["match_probability"] = probability
    return pairs[weight >= floor_weight].reset_index(drop=True)


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
