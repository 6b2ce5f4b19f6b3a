"""The Splink model of tipdata: comparisons, blocking rules and unsupervised training.

:func:`linkage_settings` builds the settings from the columns of the linkage table
(:mod:`tipdata.linkage.features`). The same settings run on DuckDB and on Spark:
comparison levels use only Splink's level library and plain SQL (``abs``,
``greatest``, ``=``), which both dialects translate.

Blocking on name keys alone explodes on Khmer names (a few hundred common syllables
make most names), so every rule combines a name key with province, birth year or
sex; :data:`BLOCKING_RULES` are measured by :func:`count_pairs_by_rule`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.exceptions import SplinkException

log = logging.getLogger(__name__)

MODEL_VERSION = "tipdata-linkage-2"
"""Version of the comparisons and blocking rules; stored with every trained model."""

DEFAULT_SEED = 20_081_231
"""Seed of the random sampling that estimates u probabilities (same seed, same model)."""

U_SAMPLE_PAIRS = 2_000_000
"""Random pairs drawn to estimate u probabilities (Splink recommends 1e6 to 1e7)."""

BLOCKING_RULES: tuple[Any, ...] = (
    block_on("name_sorted_key", "province_code"),
    block_on("name_sorted_key", "birth_year"),
    block_on("name_compact_key", "sex", "birth_decade"),
    block_on("name_first_key", "province_code", "birth_year"),
    block_on("name_last_key", "province_code", "birth_year"),
)
"""Candidate pairs: the same order-insensitive key with province or birth year; the
compact key (``Srey Mom`` / ``Sreymom``) with sex and birth decade; one word key with
province and birth year (a typo in the other word)."""

EM_BLOCKING_RULES: tuple[str, ...] = (
    "l.name_first_key = r.name_first_key AND l.role = 'victim' AND r.role = 'victim'",
    "l.birth_year = r.birth_year AND l.province_code = r.province_code "
    "AND l.role = 'victim' AND r.role = 'victim'",
)
"""Rules of the two EM sessions. EM needs pairs among which matches are common, or it
finds no match class: returnees screened at the border and departing workers (most
records) are rarely recorded twice, victims are recorded by police, MOSAVY, shelters
and courts. So both sessions pair victims: the first on a name word (estimates birth
year, sex, nationality, province), the second on birth year and province (names)."""


def _name_m(m_probability: float) -> dict[str, Any]:
    """A fixed m probability for a name level (see :data:`NAME_M_NOTE`)."""
    return {"m_probability": m_probability, "fix_m_probability": True}


NAME_M_NOTE = (
    "m of the name levels is fixed, not estimated: on this data EM finds no match class "
    "for names (matches are about 1 pair in 10 million and the uncertain pairs are "
    "dominated by returnee records). The values say how clerks write one person's name "
    "in two records: 60 % the same key, 12 % swapped, 20 % a typo, 6 % a partial name."
)
"""Why the name comparison's m probabilities are fixed (stored in docs/linkage.md)."""


def _name_comparison() -> cl.CustomComparison:
    """Names: exact, same romanisation key, same words in another order, Jaro-Winkler."""
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="name: exact / romanisation key / swapped order / Jaro-Winkler",
        comparison_levels=[
            cll.NullLevel("name_sorted_key"),
            cll.ExactMatchLevel("name_clean").configure(
                tf_adjustment_column="name_sorted_key",
                label_for_charts="same name as written",
                **_name_m(0.30),
            ),
            cll.ExactMatchLevel("name_key").configure(
                tf_adjustment_column="name_sorted_key",
                label_for_charts="same romanisation key",
                **_name_m(0.30),
            ),
            cll.ExactMatchLevel("name_sorted_key", term_frequency_adjustments=True).configure(
                label_for_charts="same keys, swapped order", **_name_m(0.12)
            ),
            cll.ExactMatchLevel("name_compact_key").configure(
                tf_adjustment_column="name_sorted_key",
                label_for_charts="same keys, other spacing",
                **_name_m(0.02),
            ),
            cll.JaroWinklerLevel("name_sorted_key", 0.95).configure(**_name_m(0.12)),
            cll.JaroWinklerLevel("name_sorted_key", 0.88).configure(**_name_m(0.08)),
            cll.Or(
                cll.ExactMatchLevel("name_first_key"), cll.ExactMatchLevel("name_last_key")
            ).configure(label_for_charts="one word in common", **_name_m(0.04)),
            cll.ElseLevel().configure(**_name_m(0.02)),
        ],
    )


def _birth_year_comparison() -> cl.CustomComparison:
    """Birth-year ranges: overlapping, one, two to three, four to six years apart."""

    def gap_at_most(years: int) -> ComparisonLevelCreator:
        sql = (
            f"birth_year_low_l <= birth_year_high_r + {years} "
            f"AND birth_year_low_r <= birth_year_high_l + {years}"
        )
        label = "ranges overlap" if years == 0 else f"within {years} year(s)"
        start = {0: 0.35, 1: 0.1, 3: 0.05, 6: 0.03}[years]
        return cll.CustomLevel(sql, label_for_charts=label).configure(m_probability=start)

    return cl.CustomComparison(
        output_column_name="birth_year",
        comparison_description="birth year range with tolerance",
        comparison_levels=[
            cll.Or(cll.NullLevel("birth_year_low"), cll.NullLevel("birth_year_high")),
            cll.And(
                cll.ExactMatchLevel("birth_year_low"), cll.ExactMatchLevel("birth_year_high")
            ).configure(label_for_charts="same range", m_probability=0.45),
            gap_at_most(0),
            gap_at_most(1),
            gap_at_most(3),
            gap_at_most(6),
            cll.ElseLevel().configure(m_probability=0.02),
        ],
    )


def _role_comparison() -> cl.CustomComparison:
    """Roles: victims and suspects are recorded by many agencies, returnees rarely twice.

    Suspects have a level of their own: one trafficker is named in several police
    and court records, usually with only a name and an age, and suspect records are
    rare, so "both suspects" is strong evidence (with "same other role", which also
    held returnee pairs, a suspect named identically in two court cases scored about
    -10 bits and was never linked).
    """
    victim_side = "('victim', 'returnee', 'migrant_worker')"
    suspect_side = "('suspect', 'convicted')"
    return cl.CustomComparison(
        output_column_name="role",
        comparison_description="role of the person in each record",
        comparison_levels=[
            cll.NullLevel("role"),
            cll.CustomLevel("role_l = 'victim' AND role_r = 'victim'").configure(
                label_for_charts="both victims", **_name_m(0.70)
            ),
            cll.CustomLevel(f"role_l IN {suspect_side} AND role_r IN {suspect_side}").configure(
                label_for_charts="both suspects", **_name_m(0.12)
            ),
            cll.CustomLevel(f"role_l IN {victim_side} AND role_r IN {victim_side}").configure(
                label_for_charts="victim and returnee or worker", **_name_m(0.16)
            ),
            cll.ElseLevel().configure(**_name_m(0.02)),
        ],
    )


def linkage_settings(
    *,
    probability_two_random_records_match: float = 1e-5,
    blocking_rules: tuple[Any, ...] = BLOCKING_RULES,
) -> SettingsCreator:
    """The Splink settings of tipdata's model (deduplication across all sources).

    Args:
        probability_two_random_records_match: the prior; replaced by the estimate made
            from deterministic rules during training.
        blocking_rules: the candidate-pair rules (default :data:`BLOCKING_RULES`).

    Returns:
        Settings for ``Linker(sdf, settings)``; untrained (m and u are estimated by
        :func:`train`).
    """
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=[
            _name_comparison(),
            _birth_year_comparison(),
            cl.ExactMatch("sex").configure(m_probabilities=[0.98, 0.02]),
            cl.ExactMatch("nationality").configure(m_probabilities=[0.95, 0.05]),
            cl.ExactMatch("province_code").configure(
                term_frequency_adjustments=True, m_probabilities=[0.7, 0.3]
            ),
            _role_comparison(),
        ],
        blocking_rules_to_generate_predictions=list(blocking_rules),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["record_key", "source"],
        max_iterations=25,
        em_convergence=0.0001,
    )


DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year "
    "AND l.province_code = r.province_code",
)
"""Rules that nearly always mean the same person; they estimate the prior."""


def train(linker: Linker, *, seed: int = DEFAULT_SEED, recall: float = 0.8) -> None:
    """Train a model without labels: prior from deterministic rules, u by sampling, m by EM.

    Args:
        linker: a linker over the linkage table.
        seed: seed of the random sampling of u (a fixed seed gives the same model).
        recall: assumed recall of :data:`DETERMINISTIC_RULES` (for the prior).
    """
    training = linker.training
    training.estimate_probability_two_random_records_match(list(DETERMINISTIC_RULES), recall=recall)
    training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    for rule in EM_BLOCKING_RULES:
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except SplinkException as exc:
            # Too few victim pairs (a small database): keep the starting m values.
            log.warning("EM session skipped (%s): %s", rule, str(exc).splitlines()[0])


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
        The model as a settings dict.
    """
    model: dict[str, Any] = json.loads(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"))
    if not term_frequencies:
        for comparison in model["comparisons"]:
            for level in comparison["comparison_levels"]:
                level.pop("tf_adjustment_column", None)
                level.pop("tf_adjustment_weight", None)
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


def count_pairs_by_rule(
    table: Any, *, blocking_rules: tuple[Any, ...] = BLOCKING_RULES, exact: bool = True
) -> list[dict[str, Any]]:
    """Candidate pairs each blocking rule adds, by Splink's blocking analysis.

    Args:
        table: the registered linkage table (a ``SplinkDataFrame``).
        blocking_rules: the rules to measure.
        exact: count every pair (else Splink estimates from a 5 % sample).

    Returns:
        One dict per rule: ``rule``, ``pairs`` (pairs this rule adds to the ones
        before it) and ``cumulative``.
    """
    records = count_comparisons_from_blocking_rules(
        table,
        blocking_rules=list(blocking_rules),
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        record_sample_proportion=1.0 if exact else 0.05,
    )
    return [
        {
            "rule": str(record["blocking_rule"]),
            "pairs": int(record["marginal_comparison_count"]),
            "cumulative": int(record["cumulative_comparison_count"]),
        }
        for record in records
    ]
