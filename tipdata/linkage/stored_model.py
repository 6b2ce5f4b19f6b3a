"""Stored models: the default model, and a stored model made fit for this version and engine.

The default model (:data:`DEFAULT_MODEL_FILE`, trained on the demo) serves databases
too small to train; a model stored by a run, made with older comparison levels or on
another engine's SQL dialect, is given this version's levels (:func:`with_current_levels`,
:func:`with_optional_comparisons`) and dialect (:func:`model_for_dialect`) with its
trained values kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tipdata.linkage.settings import MODEL_VERSION, OPTIONAL_COMPARISONS, linkage_settings

DEFAULT_MODEL_FILE = Path(__file__).with_name("default_model.json")
"""The model trained on the demo data at scale 1.0 (``benchmarks/bench_linkage.py
--save-default-model`` remakes it); used where too few records exist to train."""

MIN_TRAINING_RECORDS = 10_000
"""Below this many records a full run uses :data:`DEFAULT_MODEL_FILE` instead of training:
random sampling and EM need many pairs to estimate anything."""


def default_model(*, term_frequencies: bool = True) -> dict[str, Any]:
    """The trained default model (a Splink settings dict with m and u probabilities).

    Args:
        term_frequencies: keep term-frequency adjustments; a small database cannot
            estimate how common a name is (three records of ten sharing a name would
            cost that name 12 bits of evidence), so small runs turn them off.

    Returns:
        The model as a settings dict, with the blocking rules of this version's
        :data:`BLOCKING_RULES` (the file keeps trained parameters; candidate pairs are
        chosen by the code that serves every other run).
    """
    model: dict[str, Any] = json.loads(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"))
    current = linkage_settings().create_settings_dict(model.get("sql_dialect", "duckdb"))
    with_current_levels(model, current)
    with_optional_comparisons(model, current)
    model["blocking_rules_to_generate_predictions"] = current[
        "blocking_rules_to_generate_predictions"
    ]
    if not term_frequencies:
        for comparison in model["comparisons"]:
            for level in comparison["comparison_levels"]:
                level.pop("tf_adjustment_column", None)
                level.pop("tf_adjustment_weight", None)
    return model


def with_current_levels(model: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A stored model whose comparisons have the levels of this version, trained values kept.

    Each comparison the stored model shares with ``current`` gets ``current``'s levels in
    ``current``'s order: a level the stored model has (the same label; the null level as
    the null level) keeps its trained m and u with this version's SQL condition, a new
    level starts from ``current``'s
    values, and a level this version dropped is dropped. So the default model trained
    with model 6's birth-year levels runs with model 7's without retraining (its
    "same date of birth" and "two dates of birth that differ" go: the birth-day
    comparison compares the day and month).

    Args:
        model: a stored model (changed in place).
        current: ``linkage_settings().create_settings_dict(dialect)``.

    Returns:
        The same dict.
    """
    stored = {c["output_column_name"]: c for c in model["comparisons"]}
    for comparison in current["comparisons"]:
        old = stored.get(comparison["output_column_name"])
        if old is None:
            continue
        by_label = {
            (bool(level.get("is_null_level")), level.get("label_for_charts", "")): level
            for level in old["comparison_levels"]
        }
        null_level = next((lv for lv in old["comparison_levels"] if lv.get("is_null_level")), None)
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                kept = null_level
            else:
                kept = by_label.get((False, level.get("label_for_charts", "")))
            if kept is None:
                levels.append(json.loads(json.dumps(level)))
                continue
            # This version's condition with the trained values (a level whose SQL was
            # refined keeps its label, m and u).
            kept = json.loads(json.dumps(kept))
            kept["sql_condition"] = level["sql_condition"]
            levels.append(kept)
        old["comparison_levels"] = levels
    return model


def with_optional_comparisons(model: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A stored model with the :data:`OPTIONAL_COMPARISONS` it lacks, at their start values.

    Models trained before those comparisons existed (the default model) stay usable:
    each missing one is taken from ``current`` (the settings dict of
    :func:`linkage_settings`) with its starting m and u, in its place.

    Args:
        model: a stored model (changed in place).
        current: ``linkage_settings().create_settings_dict(dialect)``.

    Returns:
        The same dict.
    """
    have = {c["output_column_name"] for c in model["comparisons"]}
    for comparison in current["comparisons"]:
        name = comparison["output_column_name"]
        if name in OPTIONAL_COMPARISONS and name not in have:
            model["comparisons"].append(json.loads(json.dumps(comparison)))
    return model


def model_for_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A stored model with its SQL rewritten for another engine's dialect.

    A saved model keeps its comparison levels and blocking rules as SQL of the engine
    that trained it (DuckDB quotes identifiers with ``"``, which Spark reads as a string
    literal, so every level would silently fail). The SQL of each level and rule is
    taken from :func:`linkage_settings` made for ``dialect``; the trained parameters
    (m, u, term-frequency columns, prior) stay those of the model.

    Args:
        model: a model saved by a linker (``linker.misc.save_model_to_json()``).
        dialect: Splink's dialect name of the engine, ``"duckdb"`` or ``"spark"``.

    Returns:
        The model itself when the dialects match, else a rewritten copy.

    Raises:
        ValueError: the model does not have the comparisons of :func:`linkage_settings`
            (a model of another version cannot be translated).
    """
    if model.get("sql_dialect", "duckdb") == dialect:
        return model
    target = linkage_settings().create_settings_dict(dialect)
    shape = [(c["output_column_name"], len(c["comparison_levels"])) for c in model["comparisons"]]
    if shape != [
        (c["output_column_name"], len(c["comparison_levels"])) for c in target["comparisons"]
    ]:
        raise ValueError(f"the model's comparisons {shape} are not those of {MODEL_VERSION}")
    translated = json.loads(json.dumps(model))
    for comparison, source in zip(translated["comparisons"], target["comparisons"], strict=True):
        for level, source_level in zip(
            comparison["comparison_levels"], source["comparison_levels"], strict=True
        ):
            level["sql_condition"] = source_level["sql_condition"]
    translated["blocking_rules_to_generate_predictions"] = target[
        "blocking_rules_to_generate_predictions"
    ]
    translated["sql_dialect"] = dialect
    return translated
