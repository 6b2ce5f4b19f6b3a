"""Training tipdata's Splink model on the database it links.

A database of :data:`~tipdata.linkage.stored_model.MIN_TRAINING_RECORDS` records or more
is trained without labels (:func:`train`: the prior from deterministic rules, u by
random sampling, m by EM on victim pairs, role m for the database's mix); a smaller one
starts from the stored default model and is calibrated on its own pairs
(:func:`train_small`). :func:`apply_m_floors` keeps the m of levels EM drives to zero
above their floors (reviewers' labels use it too, :mod:`tipdata.linkage.labels`). The
comparisons and blocking rules are :mod:`tipdata.linkage.settings`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pandas as pd
from splink import Linker
from splink.internals.exceptions import SplinkException

from tipdata.linkage.settings import OPTIONAL_COMPARISONS, ROLE_M
from tipdata.linkage.stored_model import default_model, model_for_dialect

log = logging.getLogger(__name__)

DEFAULT_SEED = 20_081_231
"""Seed of the random sampling that estimates u probabilities (same seed, same model)."""

U_SAMPLE_PAIRS = 2_000_000
"""Random pairs drawn to estimate u probabilities (Splink recommends 1e6 to 1e7)."""

EM_BLOCKING_RULES: tuple[str, ...] = (
    "l.name_first_key = r.name_first_key AND l.role = 'victim' AND r.role = 'victim'",
)
"""Rule of the EM session. EM needs pairs among which matches are common, or it finds
no match class: returnees screened at the border and departing workers (most records)
are rarely recorded twice, victims are recorded by police, MOSAVY, shelters and
courts. So EM pairs victims on a name word and estimates birth year, sex and province
(names and roles are fixed, see :data:`NAME_M`). A second session on birth year and
province, which only re-estimated sex once names were fixed, was dropped."""


ROLE_LABELS: dict[str, str] = {
    "both victims": "victims",
    "both suspects": "suspects",
    "victim and returnee or worker": "victim_other",
    "worker and returnee": "worker_returnee",
    "both returnees or both workers": "others",
    "All other comparisons": "else",
}
"""Label of each role level -> its key in :data:`ROLE_M`."""

ROLE_U_NATIONAL: dict[str, float] = {
    "victims": 3.71e-4,
    "suspects": 7.5e-6,
    "victim_other": 0.0382,
    "worker_returnee": 0.2444,
    "others": 0.7111,
    "else": 0.0060,
}
"""u of the role levels in the database :data:`ROLE_M` was measured on (the national
demo, scale 1.0: ``default_model.json``): the mix of roles those m values go with."""


def role_m_for_mix(u_of_level: dict[str, float | None]) -> dict[str, float]:
    """m of the role levels for a database whose role mix (u per level) is ``u_of_level``.

    :data:`ROLE_M` is the share of matching pairs at each level in the national
    database, where nine records in ten are returnees or workers: "both victims" is
    0.48 of the matches against 4e-4 of random pairs (+10 bits). In a shelter's or a
    court's register every record is a victim: every pair, matching or not, is "both
    victims", so the level says nothing (0 bits), whereas the national m gave every
    pair of such a database -1 bit (0.48 against 1). What carries over from one
    database to another is how much likelier one person's two records are to fall at a
    level than two random records, not the share itself: m of a level is taken
    proportional to its national m times this database's u over the national u
    (:data:`ROLE_U_NATIONAL`), so each level keeps its national weight relative to the
    others, and a database with the national mix keeps :data:`ROLE_M`.

    Args:
        u_of_level: role level label (:data:`ROLE_LABELS`) -> this database's u (None
            or 0 when random sampling never met the level).

    Returns:
        label -> m (summing to 1).

    Examples:
        >>> m = role_m_for_mix({"both victims": 1.0, "All other comparisons": None})
        >>> round(m["both victims"], 4)
        1.0
    """
    weights = {}
    for label, key in ROLE_LABELS.items():
        u = u_of_level.get(label) or 0.0
        weights[label] = ROLE_M[key] * u / ROLE_U_NATIONAL[key]
    total = sum(weights.values())
    if total <= 0:
        return {label: ROLE_M[key] for label, key in ROLE_LABELS.items()}
    return {label: max(weight / total, 1e-6) for label, weight in weights.items()}


DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year "
    "AND l.province_code = r.province_code",
    # A full date of birth and the name: for databases that record no province.
    "l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year "
    "AND l.birth_day = r.birth_day",
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
    _keep_prior_above_zero(linker)
    training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    _role_mix_in_place(linker)
    for rule in EM_BLOCKING_RULES:
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except SplinkException as exc:
            # Too few victim pairs (a small database): keep the starting m values.
            log.warning("EM session skipped (%s): %s", rule, str(exc).splitlines()[0])


def _role_mix_in_place(linker: Linker) -> None:
    """Role m for the database's mix (:func:`role_m_for_mix`), on a linker with u sampled.

    Used by :func:`train` (10,000 records or more, u from two million random pairs); a
    smaller database estimates role m on its own scored pairs instead
    (:data:`SMALL_EM_COMPARISONS`): carried to its mix by this rule, the unseen
    migration set (a few victim pairs among workers and returnees) fell from F1 0.771
    to 0.521.
    """
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name != "role":
            continue
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        u_of = {}
        for level in levels:
            u = level.u_probability
            u_of[level.label_for_charts] = float(u) if isinstance(u, float | int) else None
        found = role_m_for_mix(u_of)
        for level in levels:
            if level.label_for_charts in found:
                level.m_probability = found[level.label_for_charts]


PRIOR_WHEN_NO_RULE_AGREES = 1e-6
"""The prior when no pair agrees by :data:`DETERMINISTIC_RULES` (a database that records
neither province nor full dates of birth): Splink estimates 0, and EM then fails on
log(0). One pair in a million starts EM, which re-estimates it."""


def _keep_prior_above_zero(linker: Linker) -> None:
    """Replace a prior of 0 (no pair agreed by the rules) by :data:`PRIOR_WHEN_NO_RULE_AGREES`."""
    settings = linker._settings_obj  # Splink's own setter does the same (training.py)
    if not settings._probability_two_random_records_match > 0:
        log.warning("no pair agrees by the deterministic rules; prior set to %g",
                    PRIOR_WHEN_NO_RULE_AGREES)  # fmt: skip
        settings._probability_two_random_records_match = PRIOR_WHEN_NO_RULE_AGREES


SMALL_DATABASE_RULES: tuple[str, ...] = (
    *DETERMINISTIC_RULES,
    "l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year AND l.sex = r.sex",
)
"""Rules of the prior of a small database: shelter and court files often record no
province, so the same name, birth year and sex count too."""


U_PRIOR_PAIRS = 20_000
"""Weight, in pairs, of the default model's u against the pairs a small database samples:
ten records give 45 pairs, too few to say how often names agree by chance (the
default's u dominates); 2,000 records give two million (the database's own u does)."""


def train_small(records: Any, *, count: int, dialect: str, seed: int = DEFAULT_SEED) -> Linker:
    """A linker for a database too small to train by EM, calibrated on that database.

    The m probabilities are those of the default model (:data:`DEFAULT_MODEL_FILE`): EM
    needs many pairs. The prior and the u probabilities come from the database itself:
    how often two of *its* records agree by chance depends on who it holds (in a
    shelter's database every record is a victim, so "both victims" is no evidence,
    while in the national one it is 12 bits), and its share of matching pairs is far
    above that of 158,000 records. Each u is the database's own estimate weighed
    against the default model's by how many pairs the database has
    (:data:`U_PRIOR_PAIRS`): a handful of records cannot estimate anything. The prior
    starts from deterministic rules, then is re-estimated as the expected number of
    matches over the pairs the model scores (the EM update of the prior with m and u
    held), with u corrected for the matches random sampling drew; a few steps settle it.

    Args:
        records: the registered linkage table.
        count: how many records it holds.
        dialect: the engine's SQL dialect (``"duckdb"`` or ``"spark"``).
        seed: seed of the u sampling.

    Returns:
        A linker ready to predict. Its candidate pairs stay in Splink's cache for that
        predict: the caller drops them after it (``linker.table_management.invalidate_cache()``).
    """
    base = model_for_dialect(default_model(term_frequencies=False), dialect)
    base["blocking_rules_to_generate_predictions"] = [
        *base["blocking_rules_to_generate_predictions"],
        *(
            {"blocking_rule": rule, "sql_dialect": dialect, "arrays_to_explode": None}
            for rule in SMALL_DATABASE_BLOCKING
        ),
    ]
    linker = Linker(records, base, log_level=logging.WARNING)
    for recall in (0.8, 1.0):
        # A handful of records may agree by the rules more often than a recall of 0.8
        # allows (Splink refuses); then every match is taken to be found.
        try:
            linker.training.estimate_probability_two_random_records_match(
                list(SMALL_DATABASE_RULES), recall=recall
            )
            break
        except (SplinkException, ValueError) as exc:
            log.warning("prior at recall %s: %s", recall, str(exc).splitlines()[0])
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    model = apply_m_floors(linker.misc.save_model_to_json())
    # Two records that agree by the rules make a prior of 1 (infinite odds): no real
    # register is half duplicates.
    estimated = float(model.get("probability_two_random_records_match") or 0.0)
    if estimated <= 0:  # no two records agree by the rules: start from the default's
        estimated = float(base["probability_two_random_records_match"])
    model["probability_two_random_records_match"] = min(estimated, 0.5)
    sampled = min(count * (count - 1) // 2, U_SAMPLE_PAIRS)
    share = sampled / (sampled + U_PRIOR_PAIRS)
    for comparison, default in zip(model["comparisons"], base["comparisons"], strict=True):
        for level, default_level in zip(
            comparison["comparison_levels"], default["comparison_levels"], strict=True
        ):
            if level.get("is_null_level") or level.get("fix_u_probability"):
                continue
            measured = float(level.get("u_probability") or 0.0)
            prior_u = float(default_level.get("u_probability") or 0.0)
            blended = share * measured + (1 - share) * prior_u
            if blended > 0:
                level["u_probability"] = blended
    sampled_u = _u_values(model)
    total_pairs = max(count * (count - 1) // 2, 1)
    default_prior = float(base["probability_two_random_records_match"])
    # As with u: ten records cannot say how many of their pairs match (a fixed point on
    # 15 pairs runs away to "half of them"); the default's prior weighs U_PRIOR_PAIRS.
    weight = total_pairs / (total_pairs + U_PRIOR_PAIRS)
    # The steps below change m, u and the prior, never the blocking rules: the candidate
    # pairs are blocked once (Splink's cache serves each predict, the caller's too; 68
    # rules on ten records cost a second each time) and the settings, checked by the
    # first linker, are not checked again. Same pairs, same scores, a third of the time.
    linker.table_management.invalidate_cache()  # nothing another run left is reused
    linker.inference.compute_blocked_pairs_for_predict()
    for _ in range(PRIOR_ITERATIONS):
        linker = Linker(records, model, log_level=logging.WARNING, validate_settings=False)
        scored = linker.inference.predict(threshold_match_probability=1e-4)
        frame = scored.as_pandas_dataframe()
        scored.drop_table_from_database_and_remove_from_cache()
        expected = float(frame["match_probability"].sum())
        measured = expected / total_pairs
        prior = min(max(weight * measured + (1 - weight) * default_prior, 1e-9), 0.5)
        model["probability_two_random_records_match"] = prior
        _remove_matches_from_u(model, sampled_u, prior)
        _update_m_from_scores(model, base, frame)
    return Linker(records, model, log_level=logging.WARNING, validate_settings=False)


SMALL_DATABASE_BLOCKING: tuple[str, ...] = (
    "l.name_sorted_key = r.name_sorted_key",
    # Syllables joined or split (`Keo Chan Ny` / `Keo Channy`), in any word order: the
    # letters of the name keyed as one word (model 9), sorted.
    "l.name_letters_key = r.name_letters_key",
    "l.name_skeleton_key = r.name_skeleton_key AND l.birth_decade = r.birth_decade",
    "l.name_first_key = r.name_first_key AND l.birth_year = r.birth_year",
    "l.name_last_key = r.name_last_key AND l.birth_year = r.birth_year",
    # One word of the name alone: a record with one name part only (`Robert` / `Robert
    # Allen`), or a birth year mistyped; in a few thousand records these are few pairs.
    "l.name_first_key = r.name_first_key",
    "l.name_last_key = r.name_last_key",
    # The same full date of birth, or the same contact, whatever the names.
    "l.birth_day = r.birth_day AND l.birth_year = r.birth_year",
    "l.contact_key = r.contact_key",
)
"""Looser candidate pairs for databases under :data:`MIN_TRAINING_RECORDS`, whatever the
roles: a departure list records no province of deportation, a hotline caller guesses the
worker's age, and in a few thousand records these rules cost nothing (the strict keys
between returnees and workers are for the 1.6 million records of scale 10). The model
stored by the run keeps them, so its incremental runs block the same way."""

SMALL_EM_COMPARISONS: tuple[str, ...] = (
    "name",
    "role",
    "birth_year",
    "record_date",
    "destination_country",
    *OPTIONAL_COMPARISONS,
)
"""Comparisons whose m a small database estimates on its own pairs (see
:func:`_update_m_from_scores`): how far apart two clerks write one person's age, or
date one person's events, is a habit of the agencies, not of the demo. So is how they
write names (model 7): the demo's Khmer clerks agree on the written name in one
matching pair in six, an English register's in most, and with the demo's m a different
name (m 0.02) cost only 5.6 bits, which a shared date of birth and city outweighed on
Splink's fake_1000. A small database's blocking also pairs records on no name at all
(the same full date of birth, the same contact), so its scored pairs reach every name
level. And the role mix: in a register of victims only, "both victims" is every pair
(the national m, 0.48, cost every pair 1 bit), while in a departure list and a
deportation list the worker and returnee levels are the matches. Each is weighed
against the default's m as :data:`SMALL_EM_PSEUDO_MATCHES` matching pairs."""

SMALL_EM_PSEUDO_MATCHES = 100.0
"""Weight of the default model's m in a small database's estimate, in matching pairs:
with 1,500 expected matches the database's own shares dominate; with 20, the default."""


def _update_m_from_scores(
    model: dict[str, Any],
    base: dict[str, Any],
    frame: pd.DataFrame,
    comparisons: tuple[str, ...] = SMALL_EM_COMPARISONS,
) -> None:
    """One EM step of m for ``comparisons`` over the scored pairs (in place).

    m of a level is the expected share of matches at that level: the sum of the match
    probabilities of the pairs at the level over the sum of all (pairs where either
    value is missing left out), weighed against the default model's m by
    :data:`SMALL_EM_PSEUDO_MATCHES`; the floors (:data:`M_FLOORS`) still apply. On the
    unseen trafficking sets (seeds 1-3) this moved pairwise F1 from 0.848 / 0.857 /
    0.83 to 0.868 / 0.889 / 0.875.
    """
    probability = frame["match_probability"].to_numpy(dtype="float64")
    for comparison, default in zip(model["comparisons"], base["comparisons"], strict=True):
        name = comparison["output_column_name"]
        column = f"gamma_{name}"
        if name not in comparisons or column not in frame:
            continue
        gamma = frame[column].to_numpy(dtype="int64")
        known = gamma >= 0
        total = float(probability[known].sum())
        levels = [
            (level, default_level)
            for level, default_level in zip(
                comparison["comparison_levels"], default["comparison_levels"], strict=True
            )
            if not level.get("is_null_level")
        ]
        # Splink numbers a comparison's levels from the last (0) up to the first.
        for position, (level, default_level) in enumerate(levels):
            value = len(levels) - 1 - position
            share = float(probability[known & (gamma == value)].sum())
            start = float(default_level.get("m_probability") or 0.0)
            level["m_probability"] = max(
                (share + SMALL_EM_PSEUDO_MATCHES * start) / (total + SMALL_EM_PSEUDO_MATCHES),
                1e-6,
            )
    apply_m_floors(model)


PRIOR_ITERATIONS = 4
"""Fixed-point steps of the small database's prior (see :func:`train_small`)."""

LARGE_EM_COMPARISONS: tuple[str, ...] = ("name",)
"""Comparisons whose m a database of :data:`MIN_TRAINING_RECORDS` records or more
estimates on its own scored pairs (:func:`refine_on_scores`): EM by Splink cannot
estimate names there (see :data:`NAME_M`), and the demo's clerks are not every
agency's. On Splink's historical_50k (English names, one register) the demo's m gave
"same name as written" 0.165 and "one word in common" 0.02; its own pairs give about
0.35 and 0.13, and pairwise F1 at 0.5 over the pairs scored went from 0.503 to 0.622.
The other comparisons are estimated by Splink's EM (:func:`train`); re-estimated here
as well they lost (0.616)."""

LARGE_EM_ITERATIONS = 4
"""EM steps of :func:`refine_on_scores` (on historical_50k the figures settle by the third)."""


def refine_on_scores(model: dict[str, Any], frame: pd.DataFrame, count: int) -> dict[str, Any]:
    """The prior and the m of :data:`LARGE_EM_COMPARISONS`, estimated on a run's scored pairs.

    EM over the pairs the trained ``model`` scored (``frame``: Splink's predictions with
    ``match_weight`` and the ``gamma_`` columns): each step takes m of a level as the
    expected share of matches at it (:func:`_update_m_from_scores`, against the
    model's m as :data:`SMALL_EM_PSEUDO_MATCHES` pairs) and the prior as the expected
    matches over all pairs, never below the prior of the deterministic rules (the
    scored pairs miss the matches blocking never met); then re-weighs each pair by the
    change (a level's Bayes factor is m over u; term frequencies divide u only). The
    caller re-weighs its pairs for the model returned
    (:func:`tipdata.linkage.scoring.reweighed`): pairs the old m scored below the score
    floor may rise above it, so it scores them with a margin below.

    Args:
        model: the trained model (not changed).
        frame: its scored pairs.
        count: records of the database.

    Returns:
        A new model.
    """
    refined = json.loads(json.dumps(model))
    if frame.empty:
        return refined
    weight = frame["match_weight"].to_numpy(dtype="float64").copy()
    total_pairs = max(count * (count - 1) // 2, 1)
    prior = float(refined.get("probability_two_random_records_match") or 0.0)
    start = max(prior, 1e-12)
    for _ in range(LARGE_EM_ITERATIONS):
        probability = 1.0 / (1.0 + np.exp2(-weight))
        estimated = min(max(start, float(probability.sum()) / total_pairs), 0.5)
        weight += _logit2(estimated) - _logit2(max(prior, 1e-12))
        prior = estimated
        probability = 1.0 / (1.0 + np.exp2(-weight))
        before = _m_by_level(refined)
        scored = pd.DataFrame({"match_probability": probability})
        for comparison in LARGE_EM_COMPARISONS:
            if f"gamma_{comparison}" in frame:
                scored[f"gamma_{comparison}"] = frame[f"gamma_{comparison}"].to_numpy()
        _update_m_from_scores(refined, model, scored, LARGE_EM_COMPARISONS)
        after = _m_by_level(refined)
        for (name, value), m_new in after.items():
            m_old = before.get((name, value))
            if m_old and m_new and m_old != m_new and f"gamma_{name}" in scored:
                weight[scored[f"gamma_{name}"].to_numpy() == value] += np.log2(m_new / m_old)
    refined["probability_two_random_records_match"] = prior
    log.info("prior and %s m estimated on %d scored pairs: prior %.3g",
             ", ".join(LARGE_EM_COMPARISONS), len(frame), prior)  # fmt: skip
    return refined


def _logit2(probability: float) -> float:
    return float(np.log2(probability / (1 - probability)))


def _m_by_level(model: dict[str, Any]) -> dict[tuple[str, int], float]:
    """m of each level of :data:`LARGE_EM_COMPARISONS`: (comparison, gamma value) -> m."""
    found = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        if name not in LARGE_EM_COMPARISONS:
            continue
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for position, level in enumerate(levels):
            found[(name, len(levels) - 1 - position)] = float(level.get("m_probability") or 0.0)
    return found


def _u_values(model: dict[str, Any]) -> dict[tuple[int, int], float]:
    """Each level's u as sampled: (comparison index, level index) -> u."""
    return {
        (c, at): float(level["u_probability"])
        for c, comparison in enumerate(model["comparisons"])
        for at, level in enumerate(comparison["comparison_levels"])
        if level.get("u_probability")
    }


def _remove_matches_from_u(
    model: dict[str, Any], sampled: dict[tuple[int, int], float], prior: float
) -> None:
    """u without the matching pairs that random sampling drew too.

    Random sampling estimates u from all pairs, matches included. In a national database
    matches are one pair in ten million and change nothing; in a small, dense one (2,000
    records of 1,000 people) they are one pair in 1,400 and make a shared name look
    commoner among different people than it is. A level's share among all pairs is
    ``prior * m + (1 - prior) * u``; solved for u, kept at least a tenth of the sampled
    value.
    """
    for (c, at), u_all in sampled.items():
        level = model["comparisons"][c]["comparison_levels"][at]
        if level.get("fix_u_probability"):
            continue
        m = float(level.get("m_probability") or 0.0)
        level["u_probability"] = max((u_all - prior * m) / (1 - prior), u_all / 10)


M_FLOORS: dict[tuple[str, str], float] = {
    ("birth_year", "within 3 year(s)"): 0.04,
    ("birth_year", "within 6 year(s)"): 0.02,
    ("birth_year", "All other comparisons"): 0.01,
    ("province_code", "All other comparisons"): 0.05,
    ("birth_day", "one digit off, day and month swapped, or within a week"): 0.02,
    ("birth_day", "within a month"): 0.01,
    ("birth_day", "day and month differ"): 0.01,
}
"""Least m of the levels EM drives towards zero on the demo, whose ages and provinces
are recorded consistently: EM gave "within 6 years" m 2e-7 (-20 bits, a veto), but ages
are estimated by police and shelters (`about 15`), and one agency records the province
of origin, another the province of rescue. The demo copies every full date of birth
exactly, so EM would make a mistyped or different day a veto; real clerks slip (model 6
fixed "two dates that differ" at 0.01 for the same reason)."""


def apply_m_floors(model: dict[str, Any]) -> dict[str, Any]:
    """The model with every m of :data:`M_FLOORS` raised to its floor (in place).

    Args:
        model: a Splink settings dict with m probabilities.

    Returns:
        The same dict.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            floor = M_FLOORS.get(
                (comparison["output_column_name"], level.get("label_for_charts", ""))
            )
            if floor is not None and float(level.get("m_probability") or 0.0) < floor:
                level["m_probability"] = floor
    return model
