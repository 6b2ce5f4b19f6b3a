"""Linkage services: link person records into persons, the review queue, manual changes.

The CLI and the web app call only these functions (STYLE.md rule 1):

* :func:`link` — one run: load records, train (full) or reuse the last model
  (incremental), predict, cluster with reviewers' decisions as must/cannot-links, keep
  person ids stable, record events and queue uncertain pairs.
* :func:`review_queue`, :func:`decide_pair` — the review queue and decisions.
* :func:`merge_persons`, :func:`split_person` — a data officer's manual changes, kept
  as decided pairs so that every later run honours them.
* :func:`person_details` — the records, agency by agency, that make a person.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import sqlalchemy as sa
from splink import Linker
from sqlalchemy.orm import aliased

from tipdata.access import audit
from tipdata.access.crypto import FieldCipher
from tipdata.access.documents import read_documents
from tipdata.access.keys import Keyring
from tipdata.access.linkage_keys import LinkageKeyHasher, linkage_key_hasher
from tipdata.access.policy import Actor, can, require, scope_filter
from tipdata.access.protected import (
    MASKED,
    keyring_for,
    person_record_values,
    protect_evidence,
    reveal_evidence,
    reveal_person_record,
    withhold_person_record,
)
from tipdata.access.schemas import PersonRecordForCaseWork, present_person_record
from tipdata.errors import TipdataError
from tipdata.linkage.blocking import (
    BLOCKING_COLUMNS,
    KEY_FORMAT,
    blocking_rule_sqls,
    candidate_ids,
    fill_index,
    has_persons,
    hashed_keys,
    load_link_index,
    record_ids_by_key,
    rule_columns,
    store_link_keys,
    term_frequency_tables,
)
from tipdata.linkage.clusters import assign_person_ids, cluster_records, records_to_recluster
from tipdata.linkage.defaults import (
    DEFAULT_REVIEW_LOWER,
    DEFAULT_THRESHOLD,
    SCORE_FLOOR,
    chain_veto,
)
from tipdata.linkage.engines import LinkageEngine, make_engine
from tipdata.linkage.features import linkage_table, load_person_records, registers_of_records
from tipdata.linkage.labels import level_table, levels_of_pairs, same_pairs, update_m_from_labels
from tipdata.linkage.settings import (
    DEFAULT_SEED,
    MIN_TRAINING_RECORDS,
    MODEL_VERSION,
    apply_m_floors,
    default_model,
    linkage_settings,
    model_for_dialect,
    train,
    train_small,
)
from tipdata.model.enums import PersonStatus
from tipdata.store.base import utc_now
from tipdata.store.bulk import executemany
from tipdata.store.database import Database
from tipdata.store.linkage import (
    Decision,
    LinkageMode,
    LinkageRun,
    PairOrigin,
    PersonEvent,
    PersonEventKind,
    ReviewDecision,
    ReviewPair,
    ReviewStatus,
    RunStatus,
)
from tipdata.store.people import (
    Person,
    PersonRecord,
    new_person_public_id,
    new_person_public_ids,
)
from tipdata.store.provenance import Source, SourceRecord
from tipdata.store.reference import Agency

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Mode = Literal["auto", "full", "incremental"]

WRITE_CHUNK = 50_000
"""Rows per executemany when storing persons, record moves and events (bounds memory)."""
LOCAL_OPERATOR = "operator"
"""The name kept on decisions made at the command line when no reviewer is given."""
LINKAGE_OWNER = "NTF"
"""The agency that owns linkage rows: the National Task Force links for everyone."""
COMPARISONS = (
    "name",
    "birth_year",
    "sex",
    "province_code",
    "record_date",
    "document",
    "destination_country",
    "role",
)
PROTECTED_EVIDENCE = {"name": ("name_clean", "name_sorted_key")}
"""Evidence values that identify a person: stored encrypted (see ``access.protected``)."""

EVIDENCE_VALUES = {
    "name": ("name_clean", "name_sorted_key"),
    "birth_year": ("birth_year_low", "birth_year_high"),
    "sex": ("sex",),
    "province_code": ("province_code",),
    "record_date": ("record_date",),
    "document": (),  # a blind index says nothing to a reviewer: the level says it
    "destination_country": ("destination_country",),
    "role": ("role",),
}


class LinkageError(TipdataError):
    """Linkage cannot run or a review action is invalid (says what to do instead)."""


class StaleDecisionError(LinkageError):
    """The pair's status changed since the reviewer saw it: another reviewer decided it."""


@dataclass
class LinkRun:
    """What one linkage run did (the rows stay in ``linkage_run`` and ``person_event``)."""

    run_id: int
    engine: str
    mode: str
    threshold: float
    records: int = 0
    new_records: int = 0
    pairs_scored: int = 0
    links: int = 0
    persons: int = 0
    persons_created: int = 0
    persons_merged: int = 0
    persons_split: int = 0
    review_pairs_added: int = 0
    review_pairs_retired: int = 0
    """Pending pairs dropped: a full run's earlier ones (it queues its own band anew), and
    in every run those whose records one person now holds or that are gone."""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    mode_reason: str = ""
    """Why the run was full or incremental (``auto`` chooses; see ``_reasons_for_full``)."""
    calibration: dict[str, Any] = field(default_factory=dict)
    """The model's prior, what it expects of its own links (see :func:`calibration`), each
    level's m and u (``levels``) and the reviewers' decisions its m was estimated from
    (``labelled_pairs``, see :mod:`tipdata.linkage.labels`)."""
    review_lower: float = DEFAULT_REVIEW_LOWER
    """Pairs from here to the threshold are queued (those scored below are kept only as
    evidence against, see :data:`~tipdata.linkage.defaults.CHAIN_VETO`)."""


def _noop(_step: str, _done: int, _total: int) -> None:
    return None


def _owner_id(session: Any) -> int:
    owner = session.scalar(sa.select(Agency.id).where(Agency.code == LINKAGE_OWNER))
    if owner is None:
        raise LinkageError(
            f"agency {LINKAGE_OWNER} is not in the database: load the reference data first "
            "(tipdata codelists load)"
        )
    return int(owner)


def _latest_model(db: Database) -> dict[str, Any] | None:
    with db.session() as session:
        model = session.scalar(
            sa.select(LinkageRun.model)
            .where(LinkageRun.status == RunStatus.FINISHED, LinkageRun.model.is_not(None))
            .order_by(LinkageRun.id.desc())
            .limit(1)
        )
    if not model:
        return None
    found = dict(model)
    found.pop(CALIBRATION_KEY, None)  # tipdata's own, Splink refuses unknown keys
    return found


CALIBRATION_KEY = "tipdata_calibration"
"""Key of the run's calibration in the stored model (removed before Splink reads it)."""


def _latest_calibration(db: Database) -> dict[str, Any]:
    """The calibration stored with the last finished run's model (empty when none)."""
    with db.session() as session:
        model = session.scalar(
            sa.select(LinkageRun.model)
            .where(LinkageRun.status == RunStatus.FINISHED, LinkageRun.model.is_not(None))
            .order_by(LinkageRun.id.desc())
            .limit(1)
        )
    return dict((model or {}).get(CALIBRATION_KEY) or {})


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


def _reasons_for_full(
    db: Database, previous_model: dict[str, Any] | None, threshold: float, review_lower: float
) -> list[str]:
    """Why the next run must train and cluster everything again (empty: incremental will do).

    An incremental run keeps every existing person whole and scores only new records
    with the last model, so it cannot apply a new threshold, a new model version, or a
    reviewer's "different" for two records that one person already holds.
    """
    if previous_model is None:
        return ["no trained model yet"]
    if not has_persons(db):
        return ["no persons yet"]
    with db.session() as session:
        last = session.execute(
            sa.select(LinkageRun.threshold, LinkageRun.review_lower, LinkageRun.model_version)
            .where(LinkageRun.status == RunStatus.FINISHED, LinkageRun.model.is_not(None))
            .order_by(LinkageRun.id.desc())
            .limit(1)
        ).one()
    reasons = []
    if last.model_version != MODEL_VERSION:
        reasons.append(f"the model changed ({last.model_version} -> {MODEL_VERSION})")
    if abs(last.threshold - threshold) > 1e-9:
        reasons.append(f"the threshold changed ({last.threshold:g} -> {threshold:g})")
    if abs(last.review_lower - review_lower) > 1e-9:
        reasons.append(f"the review floor changed ({last.review_lower:g} -> {review_lower:g})")
    apart = _different_pairs_in_one_person(db)
    if apart:
        reasons.append(f"{apart} pair(s) decided different are in one person")
    return reasons


def _different_pairs_in_one_person(db: Database) -> int:
    """Pairs reviewers decided are different people whose records one person holds."""
    left, right = aliased(PersonRecord), aliased(PersonRecord)
    with db.session() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(ReviewPair)
                .join(
                    left,
                    sa.and_(
                        left.source_record_id == ReviewPair.left_source_record_id,
                        left.role == ReviewPair.left_role,
                    ),
                )
                .join(
                    right,
                    sa.and_(
                        right.source_record_id == ReviewPair.right_source_record_id,
                        right.role == ReviewPair.right_role,
                    ),
                )
                .where(
                    ReviewPair.status == ReviewStatus.DIFFERENT,
                    left.person_id.is_not(None),
                    left.person_id == right.person_id,
                )
            )
            or 0
        )


def _decided_pairs(db: Database) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Record-key pairs decided same (must-link) and different (cannot-link)."""
    must: list[tuple[str, str]] = []
    cannot: list[tuple[str, str]] = []
    with db.session() as session:
        rows = session.execute(
            sa.select(
                ReviewPair.left_source_record_id,
                ReviewPair.left_role,
                ReviewPair.right_source_record_id,
                ReviewPair.right_role,
                ReviewPair.status,
            ).where(ReviewPair.status != ReviewStatus.PENDING)
        ).all()
    for left_sr, left_role, right_sr, right_role, status in rows:
        pair = (f"{left_sr}:{left_role}", f"{right_sr}:{right_role}")
        (must if status == ReviewStatus.SAME else cannot).append(pair)
    return must, cannot


def _evidence(row: Any, model: dict[str, Any]) -> dict[str, Any]:
    """Per comparison: level, its label, its match weight and both records' values."""
    evidence: dict[str, Any] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [
            level for level in comparison["comparison_levels"] if not level.get("is_null_level")
        ]
        gamma = int(row.get(f"gamma_{name}", -1))
        label = (
            "no value" if gamma < 0 else levels[len(levels) - 1 - gamma].get("label_for_charts", "")
        )
        parts = [row.get(f"mw_{name}"), row.get(f"mw_tf_adj_{name}")]
        known = [float(p) for p in parts if p is not None and not pd.isna(p)]
        weight = round(sum(known), 2) if known else None
        values = {
            column: [_plain(row.get(f"{column}_l")), _plain(row.get(f"{column}_r"))]
            for column in EVIDENCE_VALUES.get(name, ())
        }
        evidence[name] = {"gamma": gamma, "level": label, "match_weight": weight, **values}
    return evidence


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


@audit.audits_denials("linkage_run")
def link(
    db: Database,
    *,
    engine: str | LinkageEngine = "duckdb",
    mode: Mode = "auto",
    threshold: float = DEFAULT_THRESHOLD,
    review_lower: float = DEFAULT_REVIEW_LOWER,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    started_by: str | None = None,
    actor: Actor | None,
) -> LinkRun:
    """Link every person record into persons, keeping person ids stable.

    ``full`` trains the model on all records and re-clusters everything; ``incremental``
    reuses the last run's model and scores only new records (no person yet) against the
    existing persons and each other; ``auto`` is incremental when a trained model
    exists and some records already have a person, else full. Reviewers' decisions and
    manual merges/splits are applied as must-link / cannot-link in both modes.

    Args:
        db: the database (reference data loaded).
        engine: ``"duckdb"`` (default), ``"spark"``, or an engine object.
        mode: ``"auto"``, ``"full"`` or ``"incremental"``.
        threshold: match probability at or above which two records are one person.
        review_lower: pairs from this probability up to the threshold are queued for review.
        seed: seed of the u sampling (full runs).
        progress: ``progress(step, done, total)`` callback.
        started_by: who started the run (kept on the run; default: the actor's username).
        actor: who runs it (needs ``linkage:run``); None for the local operator (CLI,
            demo), which holds every permission.

    Returns:
        The counts of the run.

    Raises:
        AccessDenied: the actor lacks ``linkage:run`` (the refusal is audited).
        LinkageError: thresholds are invalid, the NTF agency is missing, or an
            incremental run has no trained model to use.
    """
    _require(actor, "linkage:run")
    if actor is not None and started_by is None:
        started_by = actor.username
    if not 0 < review_lower <= threshold < 1:
        raise LinkageError(
            f"need 0 < review_lower <= threshold < 1, got {review_lower} and {threshold}"
        )
    report = progress or _noop
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(step: str, since: float) -> float:
        now = time.perf_counter()
        timings[step] = round(now - since, 2)
        return now

    own_engine = not isinstance(engine, LinkageEngine)
    chosen: LinkageEngine = make_engine(engine) if isinstance(engine, str) else engine
    report("load records", 0, 1)
    keyring = keyring_for(db)
    hasher = linkage_key_hasher(db)
    key_version = hasher.fingerprint(KEY_FORMAT)
    previous_model = _latest_model(db)
    full_because = _reasons_for_full(db, previous_model, threshold, review_lower)
    if mode == "auto":
        mode = "full" if full_because else "incremental"
    elif mode == "incremental" and full_because:
        raise LinkageError(
            f"an incremental run cannot honour this: {'; '.join(full_because)}; "
            "run a full linkage (--mode full, or leave --mode out)"
        )
    mode_reason = "; ".join(full_because) if mode == "full" else "a model and persons exist"
    with db.session() as session:
        owner = _owner_id(session)
        run = LinkageRun(
            owner_agency_id=owner,
            engine=chosen.name,
            mode=LinkageMode(mode),
            model_version=MODEL_VERSION,
            threshold=threshold,
            review_lower=review_lower,
            review_upper=threshold,
            started_by=started_by,
        )
        session.add(run)
        session.flush()
        run_id = run.id
    result = LinkRun(
        run_id=run_id,
        engine=chosen.name,
        mode=mode,
        threshold=threshold,
        mode_reason=mode_reason,
        review_lower=review_lower,
    )
    try:
        if mode == "full":
            records = load_person_records(db, keyring=keyring)
            since = lap("load", started)
            report("load records", 1, 1)
            table = linkage_table(records)
            since = lap("features", since)
            store_link_keys(db, hashed_keys(table, hasher), key_version)
            since = lap("link keys", since)
            people = records[["record_id", "person_id"]].rename(columns={"record_id": "unique_id"})
            new_mask = records["person_id"].isna().to_numpy()
            result.records = len(table)
            result.new_records = int(new_mask.sum())
            labels = same_pairs(db, table["unique_id"])
            pairs, model, labelled = _score(chosen, table, review_lower, seed, report, labels)
            model = model or previous_model or {}
        else:
            assert previous_model is not None
            model = _incremental_model(previous_model, db)
            people, table, since = _incremental_records(
                db, chosen, model, keyring, hasher, key_version, lap, started
            )
            report("load records", 1, 1)
            result.records = len(people)
            result.new_records = int(people["person_id"].isna().sum())
            pairs = _score_incremental(chosen, table, people, model, review_lower, report)
            # the last full run's model: its m came from the decisions that run had
            labelled = {"": int(_latest_calibration(db).get("labelled_pairs") or 0)}
        since = lap("score", since)
        kept = pairs[pairs["match_probability"] >= review_lower]
        result.pairs_scored = len(kept)
        result.calibration = {
            **calibration(model, kept, threshold, review_lower),
            "labelled_pairs": max(labelled.values(), default=0),
            "levels": level_table(model),
        }
        report("cluster", 0, 1)
        _cluster_and_store(db, run_id, owner, people, table, pairs, model, result, keyring.cipher)
        lap("cluster and store", since)
        report("cluster", 1, 1)
    except Exception as exc:
        with db.session() as session:
            failed = session.get(LinkageRun, run_id)
            if failed is not None:
                failed.status = RunStatus.FAILED
                failed.finished_at = utc_now()
                failed.message = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        if own_engine:
            chosen.close()
    result.seconds = round(time.perf_counter() - started, 2)
    result.timings = timings
    with db.session() as session:
        done = session.get(LinkageRun, run_id)
        assert done is not None
        done.status = RunStatus.FINISHED
        done.finished_at = utc_now()
        done.model = {**model, CALIBRATION_KEY: result.calibration}
        done.message = f"{mode}: {mode_reason}"[:2000]
        for name in (
            "records",
            "new_records",
            "pairs_scored",
            "links",
            "persons",
            "persons_created",
            "persons_merged",
            "persons_split",
            "review_pairs_added",
        ):
            setattr(done, name, getattr(result, name))
    log.info("linkage run %d: %s", run_id, result)
    return result


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
        trainer = Linker(all_records, linkage_settings(), log_level=logging.WARNING)
        train(trainer, seed=seed)
        floored = apply_m_floors(trainer.misc.save_model_to_json())
        linker = Linker(all_records, floored, log_level=logging.WARNING)
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
    predictions = linker.inference.predict(
        threshold_match_probability=min(review_lower, SCORE_FLOOR)
    )
    pairs = engine.to_pandas(predictions)
    report("predict", 1, 1)
    return pairs, model, labelled


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


def _cluster_and_store(
    db: Database,
    run_id: int,
    owner: int,
    records: pd.DataFrame,
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    model: dict[str, Any],
    result: LinkRun,
    cipher: FieldCipher,
) -> None:
    """Cluster, keep ids, write persons, record assignments, events and review pairs.

    ``records`` holds every person record (``unique_id``, ``person_id``); ``table`` the
    linkage table of the scored ones.
    """
    must_keys, cannot_keys = _decided_pairs(db)
    by_key = {
        f"{source_record}:{role}": record_id
        for (source_record, role), record_id in record_ids_by_key(
            db, (_split_key(key) for pair in (*must_keys, *cannot_keys) for key in pair)
        ).items()
    }
    must = [(by_key[a], by_key[b]) for a, b in must_keys if a in by_key and b in by_key]
    cannot = [(by_key[a], by_key[b]) for a, b in cannot_keys if a in by_key and b in by_key]
    ids = records["unique_id"].to_numpy(dtype="int64")
    persons = records["person_id"].astype("Int64")
    links = [
        (int(a), int(b), float(p))
        for a, b, p in zip(
            pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True
        )
    ]
    result.links = sum(1 for _a, _b, p in links if p >= result.threshold)
    untouched_persons = 0
    if result.mode == "incremental":
        # Only new records and the persons an edge joins to something else can change
        # (clusters.records_to_recluster); the rest keep their person as it is.
        edges = [(a, b) for a, b, p in links if p >= result.threshold] + must
        ends = np.unique(np.array([r for edge in edges for r in edge] or [0], dtype="int64"))
        ends = ends[np.isin(ends, ids)]
        person_at = persons.to_numpy(dtype="float64", na_value=np.nan)
        ends_person = person_at[np.searchsorted(ids, ends)] if ids.size else person_at[:0]
        at_ends: dict[int, int | None] = {
            int(r): (None if np.isnan(p) else int(p))
            for r, p in zip(ends, ends_person, strict=True)
        }
        touched = {at_ends[r] for r in records_to_recluster(at_ends, edges)} - {None}
        in_scope = (persons.isna() | persons.isin(touched)).to_numpy()
        untouched_persons = int(persons[~in_scope].nunique())
        previous: dict[int, int | None] = {
            int(r): (None if pd.isna(p) else int(p))
            for r, p in zip(ids[in_scope], persons[in_scope], strict=True)
        }
        scope = previous.keys()
        must = [(a, b) for a, b in must if a in scope and b in scope]
        cannot = [(a, b) for a, b in cannot if a in scope and b in scope]
        links = [(a, b, p) for a, b, p in links if a in scope and b in scope]
    else:
        previous = {
            int(r): (None if pd.isna(p) else int(p)) for r, p in zip(ids, persons, strict=True)
        }
    record_ids = list(previous)
    if result.mode == "incremental":
        # Existing persons stay whole: their records are must-linked to each other.
        first_of: dict[int, int] = {}
        for record, person in previous.items():
            if person is not None:
                anchor = first_of.setdefault(person, record)
                if anchor != record:
                    must.append((anchor, record))
    register_of = registers_of_records(db, None if result.mode == "full" else record_ids)
    clusters = cluster_records(
        record_ids,
        links,
        threshold=result.threshold,
        must_link=must,
        cannot_link=cannot,
        register_of=register_of,
        veto_below=chain_veto(
            float(model.get("probability_two_random_records_match") or 0.5), result.review_lower
        ),
    )
    assignment = assign_person_ids(clusters, previous)
    result.persons = len(assignment.person_of_cluster) + untouched_persons
    with db.session() as session:
        new_clusters = [c for c, p in assignment.person_of_cluster.items() if p is None]
        sizes = pd.Series(list(clusters.values())).value_counts().to_dict()
        created_at = utc_now()
        person_rows = [
            {
                "public_id": public_id,
                "owner_agency_id": owner,
                "status": PersonStatus.ACTIVE.value,
                "merged_into_id": None,
                "created_at": created_at,
            }
            for public_id in new_person_public_ids(len(new_clusters))
        ]
        created_ids = _insert_returning_ids(session, _table(Person), person_rows)
        for cluster, person_id in zip(new_clusters, created_ids, strict=True):
            assignment.person_of_cluster[cluster] = person_id
        result.persons_created = len(created_ids)
        # Person ids of records whose person changed.
        changes: dict[int, list[int]] = {}
        for record, cluster in clusters.items():
            person = assignment.person_of_cluster[cluster]
            assert person is not None
            if previous.get(record) != person:
                changes.setdefault(person, []).append(record)
        record_table = _table(PersonRecord)
        # One executemany, not one UPDATE per person (157,000 statements took 150 s at
        # scale 1.0).
        moves = [
            {"moved_record": record, "new_person": person}
            for person, ids in changes.items()
            for record in ids
        ]
        move = (
            record_table.update()
            .where(record_table.c.id == sa.bindparam("moved_record"))
            .values(person_id=sa.bindparam("new_person"))
        )
        for start in range(0, len(moves), WRITE_CHUNK):
            executemany(session.connection(), move, moves[start : start + WRITE_CHUNK])
        del moves
        now = utc_now()
        creations = zip(new_clusters, created_ids, strict=True)
        for _chunk in range(0, len(created_ids), WRITE_CHUNK):
            executemany(
                session.connection(),
                _table(PersonEvent).insert(),
                [
                    _event(run_id, owner, PersonEventKind.CREATE, person, None, sizes[c], now)
                    for c, person in itertools.islice(creations, WRITE_CHUNK)
                ],
            )
        events: list[dict[str, Any]] = []
        person_table = _table(Person)
        for old, into in assignment.merged.items():
            session.execute(
                person_table.update()
                .where(person_table.c.id == old)
                .values(status=PersonStatus.MERGED.value, merged_into_id=into)
            )
            events.append(_event(run_id, owner, PersonEventKind.MERGE, old, into, 0, now))
        for old, others in assignment.split.items():
            for cluster in others:
                target = assignment.person_of_cluster[cluster]
                events.append(
                    _event(run_id, owner, PersonEventKind.SPLIT, target, old, sizes[cluster], now)  # type: ignore[arg-type]
                )
        # In chunks: at scale 10 one list of 1.5 M event dicts held about 1 GB at once.
        for start in range(0, len(events), WRITE_CHUNK):
            executemany(
                session.connection(),
                _table(PersonEvent).insert(),
                events[start : start + WRITE_CHUNK],
            )
        result.persons_merged = len(assignment.merged)
        result.persons_split = len(assignment.split)
        if result.mode == "full":
            result.review_pairs_retired = _retire_pending_pairs(session)
        kept = pairs[(pairs["match_probability"] >= result.review_lower).to_numpy()]
        # A pair whose two records one person now holds asks nothing (other links joined
        # them): it is not queued (and older ones are retired below).
        left_cluster = kept["unique_id_l"].astype("int64").map(clusters)
        right_cluster = kept["unique_id_r"].astype("int64").map(clusters)
        kept = kept[~(left_cluster.notna() & (left_cluster == right_cluster)).to_numpy()]
        result.review_pairs_added = _queue_for_review(
            session, run_id, owner, table, kept, model, result.threshold, cipher, register_of
        )
        session.flush()
        result.review_pairs_retired += _retire_settled_pairs(session)


def _event(
    run_id: int | None,
    owner: int,
    kind: PersonEventKind,
    person_id: int,
    other: int | None,
    records: int,
    now: Any,
    reason: str | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "owner_agency_id": owner,
        "kind": kind.value,
        "person_id": person_id,
        "other_person_id": other,
        "records": int(records),
        "reason": reason,
        "actor": actor,
        "occurred_at": now,
    }


def _table(entity: Any) -> sa.Table:
    """The Core table of an ORM entity (for bulk inserts and updates)."""
    table = entity.__table__
    assert isinstance(table, sa.Table)
    return table


def _insert_returning_ids(session: Any, table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows with unique ``public_id`` values and return their ids, in order.

    One executemany, then one query for the ids above the largest id before it (rows
    other writers add meanwhile are told apart by their public ids): ``RETURNING`` in
    batches of 1,000 took about 4 s for 130,000 persons.
    """
    if not rows:
        return []
    before = session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    for start in range(0, len(rows), WRITE_CHUNK):
        executemany(session.connection(), table.insert(), rows[start : start + WRITE_CHUNK])
    by_public = dict(
        session.execute(sa.select(table.c.public_id, table.c.id).where(table.c.id > before)).all()
    )
    return [by_public[row["public_id"]] for row in rows]


def _split_key(key: str) -> tuple[int, str]:
    source_record, role = key.split(":", 1)
    return int(source_record), role


def _retire_pending_pairs(session: Any) -> int:
    """Drop the model's pending pairs before a full run queues its own band.

    A full run scores every pair again, maybe with another model or threshold: a pair
    queued by an earlier run that is no longer uncertain would stay first in the queue
    for ever. Pending pairs carry no decision, so nothing a reviewer said is lost; pairs
    still uncertain are queued again with this run's scores. Manual pairs and decided
    pairs stay.
    """
    decided = sa.select(ReviewDecision.pair_id).where(ReviewDecision.pair_id == ReviewPair.id)
    retired = session.execute(
        sa.delete(ReviewPair)
        .where(
            ReviewPair.status == ReviewStatus.PENDING,
            ReviewPair.origin == PairOrigin.MODEL,
            ~decided.exists(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(retired.rowcount or 0)


def _retire_settled_pairs(session: Any) -> int:
    """Drop the model's pending pairs that no longer ask anything (every run, after queueing).

    A pair whose two records one person now holds (other links joined them) or one of
    whose records is no longer stored is settled: it would sit in the queue asking about
    nothing. Pairs with a decision and manual pairs stay.
    """
    left, right = aliased(PersonRecord), aliased(PersonRecord)
    of_left = sa.and_(
        left.source_record_id == ReviewPair.left_source_record_id,
        left.role == ReviewPair.left_role,
    )
    of_right = sa.and_(
        right.source_record_id == ReviewPair.right_source_record_id,
        right.role == ReviewPair.right_role,
    )
    left_person = sa.select(left.person_id).where(of_left).limit(1).scalar_subquery()
    right_person = sa.select(right.person_id).where(of_right).limit(1).scalar_subquery()
    decided = sa.select(ReviewDecision.pair_id).where(ReviewDecision.pair_id == ReviewPair.id)
    retired = session.execute(
        sa.delete(ReviewPair)
        .where(
            ReviewPair.status == ReviewStatus.PENDING,
            ReviewPair.origin == PairOrigin.MODEL,
            ~decided.exists(),
            sa.or_(
                ~sa.select(left.id).where(of_left).exists(),
                ~sa.select(right.id).where(of_right).exists(),
                left_person == right_person,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return int(retired.rowcount or 0)


def _queue_for_review(
    session: Any,
    run_id: int,
    owner: int,
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    model: dict[str, Any],
    threshold: float,
    cipher: FieldCipher,
    register_of: dict[int, int],
) -> int:
    """Add pairs below the threshold (and at or above the review floor) not yet queued.

    Pairs at or above the threshold whose records come from one register that lists
    each person once are queued too: clustering keeps them apart (two rows of one
    register are two people) unless a reviewer says they are one person entered twice.
    The names in the evidence are stored encrypted (``cipher``), bound to the pair.
    """
    left_register = pairs["unique_id_l"].astype("int64").map(register_of)
    right_register = pairs["unique_id_r"].astype("int64").map(register_of)
    one_register = (left_register.notna() & (left_register == right_register)).to_numpy()
    uncertain = pairs[(pairs["match_probability"] < threshold).to_numpy() | one_register]
    if uncertain.empty:
        return 0
    involved = table[
        table["unique_id"].isin(uncertain["unique_id_l"])
        | table["unique_id"].isin(uncertain["unique_id_r"])
    ]
    key_of = dict(zip(involved["unique_id"].astype(int), involved["record_key"], strict=True))
    # Queued pairs that could be these: their left record is one of the involved ones
    # (the unique constraint's index starts with it), not the whole queue.
    sources = sorted({_split_key(key)[0] for key in key_of.values()})
    existing: set[tuple[str, str]] = set()
    for start in range(0, len(sources), 10_000):
        listed = ",".join(str(source) for source in sources[start : start + 10_000])
        existing.update(
            (f"{a}:{b}", f"{c}:{d}")
            for a, b, c, d in session.execute(
                sa.select(
                    ReviewPair.left_source_record_id,
                    ReviewPair.left_role,
                    ReviewPair.right_source_record_id,
                    ReviewPair.right_role,
                ).where(sa.text(f"review_pair.left_source_record_id IN ({listed})"))
            )
        )
    rows: list[dict[str, Any]] = []
    now = utc_now()
    for row in uncertain.to_dict("records"):
        left, right = sorted(
            (key_of[int(row["unique_id_l"])], key_of[int(row["unique_id_r"])]), key=_split_key
        )
        if (left, right) in existing:
            continue
        existing.add((left, right))
        left_sr, left_role = _split_key(left)
        right_sr, right_role = _split_key(right)
        rows.append(
            {
                "run_id": run_id,
                "owner_agency_id": owner,
                "origin": PairOrigin.MODEL.value,
                "left_source_record_id": left_sr,
                "left_role": left_role,
                "right_source_record_id": right_sr,
                "right_role": right_role,
                "match_weight": float(row["match_weight"]),
                "match_probability": float(row["match_probability"]),
                "evidence": protect_evidence(
                    cipher, f"{left}|{right}", _evidence(row, model), PROTECTED_EVIDENCE
                ),
                "status": ReviewStatus.PENDING.value,
                "created_at": now,
            }
        )
    if rows:
        session.execute(_table(ReviewPair).insert(), rows)
    return len(rows)


# --------------------------------------------------------------------------------------
# Review queue and manual changes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedValues:
    """One record of a pair as its agency recorded it, decrypted for an identity reader.

    Attributes:
        name: the name as written (Latin, then Khmer).
        birth: date of birth, else year, else age at a date.
        sex: as recorded.
        province_code: the province, when recorded.
        documents: identity documents, ``kind number`` each.
    """

    name: str
    birth: str
    sex: str
    province_code: str
    documents: tuple[str, ...]


RECORDED_FIELDS = ("name", "birth", "sex", "province_code", "documents")
"""The recorded values a reviewer sees side by side, in this order."""


@dataclass(frozen=True)
class ReviewItem:
    """A pair in the review queue, with the evidence and the latest decision."""

    pair_id: int
    status: str
    origin: str
    match_probability: float | None
    match_weight: float | None
    left: str
    right: str
    evidence: dict[str, Any] | None
    decisions: list[tuple[str, str, str | None]]
    """(decision, reviewer, reason), oldest first."""
    recorded: tuple[RecordedValues | None, RecordedValues | None] = (None, None)
    """Both records as recorded now (None: not shown to this role, or no longer stored)."""

    def differing(self) -> list[tuple[str, str, str, bool]]:
        """``(field, left, right, differs)`` for each of :data:`RECORDED_FIELDS` (none unshown)."""
        left, right = self.recorded
        if left is None or right is None:
            return []
        rows = []
        for name in RECORDED_FIELDS:
            a, b = getattr(left, name), getattr(right, name)
            if name == "documents":
                a, b = ", ".join(a), ", ".join(b)
            rows.append((name, a, b, a != b))
        return rows


@audit.audits_denials("review_pair")
def review_queue(
    db: Database, *, actor: Actor | None, status: str | None = "pending", limit: int = 50
) -> list[ReviewItem]:
    """Pairs of the review queue, most probable first.

    For readers with ``persons:read_identity`` each pair carries both records as they
    are recorded now (``recorded``: name, birth date, sex, province and identity
    documents, decrypted in memory) and the evidence the model stored (names encrypted
    at rest, decrypted here). Other readers get no recorded values and every evidence
    value shown as ``[protected]``: only levels and weights. Listing the queue is audited
    as ``read_protected`` (object ids: the pairs shown).

    Args:
        db: the database.
        actor: the reviewer; None for the local operator (full access, still audited).
        status: ``"pending"``, ``"same"``, ``"different"`` or None for all.
        limit: at most this many pairs.

    Returns:
        The pairs, with their evidence and decisions.

    Raises:
        AccessDenied: the actor lacks ``linkage:review``.
    """
    _require(actor, "linkage:review")
    with db.session() as session:
        query = sa.select(ReviewPair).order_by(
            ReviewPair.match_probability.desc().nulls_last(), ReviewPair.id
        )
        if status:
            query = query.where(ReviewPair.status == ReviewStatus(status))
        pairs = session.scalars(query.limit(limit)).all()
        identity = actor is None or can(actor, "persons:read_identity")
        cipher = keyring_for(db).cipher if identity and pairs else None
        keys = [
            (pair.left_source_record_id, pair.left_role, pair.right_source_record_id,
             pair.right_role)
            for pair in pairs
        ]  # fmt: skip
        recorded = _recorded_values(db, session, cipher, actor, keys) if cipher is not None else {}
        audit.record(
            session,
            actor,
            "read_protected",
            "review_pair",
            [pair.id for pair in pairs],
            {"status": status or "all", "pairs": len(pairs)},
            forbidden_values=[v.name for v in recorded.values() if v.name],
        )
        return [
            ReviewItem(
                pair_id=pair.id,
                status=pair.status.value,
                origin=pair.origin.value,
                match_probability=pair.match_probability,
                match_weight=pair.match_weight,
                left=f"{pair.left_source_record_id}:{pair.left_role}",
                right=f"{pair.right_source_record_id}:{pair.right_role}",
                evidence=(
                    reveal_evidence(
                        cipher,
                        f"{pair.left_source_record_id}:{pair.left_role}"
                        f"|{pair.right_source_record_id}:{pair.right_role}",
                        pair.evidence,
                    )
                    if pair.evidence and identity
                    else _masked(pair.evidence)
                    if pair.evidence
                    else pair.evidence
                ),
                decisions=[(d.decision.value, d.reviewer, d.reason) for d in pair.decisions],
                recorded=(
                    recorded.get((pair.left_source_record_id, pair.left_role)),
                    recorded.get((pair.right_source_record_id, pair.right_role)),
                ),
            )
            for pair in pairs
        ]


def _masked(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence with every value ``[protected]``: levels and weights only."""
    return {
        name: {
            column: [MASKED, MASKED] if isinstance(value, list) else value
            for column, value in entry.items()
        }
        if isinstance(entry, dict)
        else entry
        for name, entry in evidence.items()
    }


def _recorded_values(
    db: Database,
    session: Any,
    cipher: FieldCipher,
    actor: Actor | None,
    keys: list[tuple[int, str, int, str]],
) -> dict[tuple[int, str], RecordedValues]:
    """Both records of each pair as recorded now, decrypted (records in the actor's scope)."""
    wanted = {(a, b) for a, b, _c, _d in keys} | {(c, d) for _a, _b, c, d in keys}
    ids = record_ids_by_key(db, wanted)
    if not ids:
        return {}
    query = sa.select(PersonRecord).where(PersonRecord.id.in_(sorted(ids.values())))
    if actor is not None:
        query = query.where(scope_filter(actor, PersonRecord))
    rows = {record.id: record for record in session.scalars(query)}
    documents = read_documents(db, sorted(rows), actor=actor)
    found: dict[tuple[int, str], RecordedValues] = {}
    for key, record_id in ids.items():
        record = rows.get(record_id)
        if record is None:
            continue
        shown = PersonRecordForCaseWork.model_validate(
            reveal_person_record(cipher, record.id, person_record_values(record))
        )
        found[key] = RecordedValues(
            name=_name_text(shown),
            birth=_birth_text(shown),
            sex=record.sex.value if record.sex is not None else "",
            province_code=record.province_code or "",
            documents=tuple(
                f"{document.kind} {document.number}" for document in documents.get(record_id, [])
            ),
        )
    return found


@audit.audits_denials("review_pair", "pair_id")
def decide_pair(
    db: Database,
    pair_id: int,
    decision: str,
    *,
    actor: Actor | None,
    reviewer: str | None = None,
    reason: str | None = None,
    expected_status: str | None = None,
) -> None:
    """Record a reviewer's decision; it overrides the model on every later run.

    Audited as ``link_decision`` (the reason stays in ``review_decision``, not in the log,
    as it is free text that may name someone).

    Args:
        db: the database.
        pair_id: the review pair.
        decision: ``"same"`` or ``"different"``.
        actor: the reviewer; None for the local operator (full access, still audited).
        reviewer: the name kept in ``review_decision`` for the local operator; a signed-in
            actor is always recorded under their username.
        reason: why.
        expected_status: the status the reviewer saw; the decision is stored only if the
            pair still has it, checked and changed in one conditional UPDATE, so two
            reviewers deciding at the same instant cannot both be recorded. None: decide
            whatever the status is now.

    Raises:
        AccessDenied: the actor lacks ``linkage:review``.
        LinkageError: no such pair, or the decision is not same/different.
        StaleDecisionError: the pair no longer has ``expected_status``.
    """
    _require(actor, "linkage:review")
    try:
        chosen = Decision(decision)
    except ValueError:
        raise LinkageError(f"decision must be 'same' or 'different', got {decision!r}") from None
    with db.session() as session:
        pair = session.get(ReviewPair, pair_id)
        if pair is None:
            raise LinkageError(f"no review pair {pair_id}")
        if expected_status is not None:
            try:
                seen = ReviewStatus(expected_status)
            except ValueError:
                raise LinkageError(f"no review status {expected_status!r}") from None
            update = (
                sa.update(ReviewPair)
                .where(ReviewPair.id == pair_id, ReviewPair.status == seen)
                .values(status=ReviewStatus(chosen.value))
                .execution_options(synchronize_session=False)
            )
            claimed = cast("sa.CursorResult[Any]", session.execute(update)).rowcount
            if claimed != 1:
                session.rollback()
                now = session.get(ReviewPair, pair_id, populate_existing=True)
                status = now.status.value if now is not None else "gone"
                raise StaleDecisionError(
                    f"Review pair {pair_id} is now {status!r}, not {expected_status!r}: "
                    "another reviewer decided it. Reload it, and send the status you saw to "
                    "change the decision."
                )
            session.refresh(pair)
        session.add(
            ReviewDecision(
                owner_agency_id=pair.owner_agency_id,
                pair_id=pair.id,
                decision=chosen,
                reviewer=_reviewer_name(actor, reviewer),
                reason=reason,
            )
        )
        pair.status = ReviewStatus(chosen.value)
        audit.record(
            session,
            actor,
            "link_decision",
            "review_pair",
            [pair.id],
            {"change": "review", "decision": chosen.value},
        )


def _require(actor: Actor | None, permission: str) -> None:
    """Check a signed-in actor's permission; the local operator (None) holds every one."""
    if actor is not None:
        require(actor, permission)


def _reviewer_name(actor: Actor | None, given: str | None) -> str:
    """The name kept on a decision: the signed-in username, else the name given at the CLI."""
    if actor is not None:
        return actor.username
    return given or LOCAL_OPERATOR


def _person_by_public_id(session: Any, public_id: str) -> Person:
    person = session.scalar(sa.select(Person).where(Person.public_id == public_id))
    if person is None:
        raise LinkageError(f"no person {public_id}")
    return person


def _manual_pair(
    session: Any,
    owner: int,
    a: tuple[int, str],
    b: tuple[int, str],
    decision: Decision,
    actor: str,
    reason: str,
) -> None:
    """A decided manual pair (created or re-decided), so later runs honour it."""
    left, right = sorted([a, b])
    pair = session.scalar(
        sa.select(ReviewPair).where(
            ReviewPair.left_source_record_id == left[0],
            ReviewPair.left_role == left[1],
            ReviewPair.right_source_record_id == right[0],
            ReviewPair.right_role == right[1],
        )
    )
    if pair is None:
        pair = ReviewPair(
            owner_agency_id=owner,
            origin=PairOrigin.MANUAL,
            left_source_record_id=left[0],
            left_role=left[1],
            right_source_record_id=right[0],
            right_role=right[1],
        )
        session.add(pair)
        session.flush()
    pair.status = ReviewStatus(decision.value)
    session.add(
        ReviewDecision(
            owner_agency_id=owner, pair_id=pair.id, decision=decision, reviewer=actor, reason=reason
        )
    )


def _record_manual_change(
    session: Any,
    actor: Actor | None,
    owner: int,
    kind: PersonEventKind,
    persons: tuple[Person, Person],
    records: int,
    reason: str,
    officer: str,
    *,
    audit_ids: list[int],
) -> None:
    """Keep a manual merge or split as a person event and in the audit log (no reason logged)."""
    subject, other = persons
    session.add(
        PersonEvent(
            owner_agency_id=owner, kind=kind, person_id=subject.id, other_person_id=other.id,
            records=records, reason=reason, actor=officer,
        )
    )  # fmt: skip
    audit.record(
        session, actor, "link_decision", "person", audit_ids,
        {"change": kind.value, "records": records},
    )  # fmt: skip


@audit.audits_denials("person")
def merge_persons(
    db: Database,
    keep: str,
    other: str,
    *,
    actor: Actor | None,
    reason: str,
    reviewer: str | None = None,
) -> None:
    """Merge person ``other`` into ``keep`` by hand (a must-link kept for later runs).

    Audited as ``link_decision`` (object ids: both persons; the reason is not logged).

    Args:
        db: the database.
        keep: public id of the person that stays.
        other: public id of the person merged into it.
        actor: the data officer; None for the local operator (full access, still audited).
        reason: why (required).
        reviewer: the name kept on the change for the local operator (see :func:`decide_pair`).

    Raises:
        AccessDenied: the actor lacks ``linkage:review``.
        LinkageError: unknown persons, the same person twice, or no reason.
    """
    _require(actor, "linkage:review")
    officer = _reviewer_name(actor, reviewer)
    if not reason.strip():
        raise LinkageError("a manual merge needs a reason")
    with db.session() as session:
        owner = _owner_id(session)
        kept, merged = _person_by_public_id(session, keep), _person_by_public_id(session, other)
        if kept.id == merged.id:
            raise LinkageError("cannot merge a person into itself")
        kept_records = kept.records
        merged_records = list(merged.records)
        if not kept_records or not merged_records:
            raise LinkageError("both persons need at least one record")
        anchor = (kept_records[0].source_record_id, kept_records[0].role.value)
        for record in merged_records:
            _manual_pair(
                session,
                owner,
                anchor,
                (record.source_record_id, record.role.value),
                Decision.SAME,
                officer,
                reason,
            )
            record.person_id = kept.id
        merged.status = PersonStatus.MERGED
        merged.merged_into_id = kept.id
        _record_manual_change(
            session, actor, owner, PersonEventKind.MANUAL_MERGE, (merged, kept),
            len(merged_records), reason, officer, audit_ids=[kept.id, merged.id],
        )  # fmt: skip


@audit.audits_denials("person")
def split_person(
    db: Database,
    public_id: str,
    record_ids: Iterable[int],
    *,
    actor: Actor | None,
    reason: str,
    reviewer: str | None = None,
) -> str:
    """Split records off a person by hand into a new person (cannot-links kept for later runs).

    Audited as ``link_decision`` (object ids: the person and the new one).

    Args:
        db: the database.
        public_id: the person.
        record_ids: person-record ids to move to the new person.
        actor: the data officer; None for the local operator (full access, still audited).
        reason: why (required).
        reviewer: the name kept on the change for the local operator (see :func:`decide_pair`).

    Returns:
        The public id of the new person.

    Raises:
        AccessDenied: the actor lacks ``linkage:review``.
        LinkageError: unknown person, records not of this person, nothing left, no reason.
    """
    _require(actor, "linkage:review")
    officer = _reviewer_name(actor, reviewer)
    if not reason.strip():
        raise LinkageError("a manual split needs a reason")
    moving_ids = set(record_ids)
    with db.session() as session:
        owner = _owner_id(session)
        person = _person_by_public_id(session, public_id)
        moving = [r for r in person.records if r.id in moving_ids]
        staying = [r for r in person.records if r.id not in moving_ids]
        if len(moving) != len(moving_ids) or not moving or not staying:
            raise LinkageError(
                f"records {sorted(moving_ids)} must be some, not all, records of {public_id}"
            )
        new = Person(owner_agency_id=owner, public_id=new_person_public_id())
        session.add(new)
        session.flush()
        for a in moving:
            for b in staying:
                _manual_pair(
                    session,
                    owner,
                    (a.source_record_id, a.role.value),
                    (b.source_record_id, b.role.value),
                    Decision.DIFFERENT,
                    officer,
                    reason,
                )
        for a, b in itertools.pairwise(moving):
            _manual_pair(
                session,
                owner,
                (a.source_record_id, a.role.value),
                (b.source_record_id, b.role.value),
                Decision.SAME,
                officer,
                reason,
            )
        for record in moving:
            record.person_id = new.id
        _record_manual_change(
            session, actor, owner, PersonEventKind.MANUAL_SPLIT, (new, person),
            len(moving), reason, officer, audit_ids=[person.id, new.id],
        )  # fmt: skip
        return new.public_id


# --------------------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRecordView:
    """One record of a person, as its agency wrote it."""

    record_id: int
    agency: str
    source: str
    source_key: str
    role: str
    name: str
    sex: str
    birth: str
    province_code: str | None


@dataclass(frozen=True)
class PersonView:
    """A person: status, the person it was merged into, its records and its events."""

    public_id: str
    status: str
    merged_into: str | None
    records: list[PersonRecordView]
    events: list[tuple[str, str | None, str | None]]
    """(kind, reason, actor), oldest first."""


def _birth_text(record: Any) -> str:
    """Birth date, else year, else age; ``record`` is a row or a role's output schema."""
    birth_date = getattr(record, "birth_date", None)
    if birth_date:
        return str(birth_date.isoformat())
    if record.birth_year:
        return str(record.birth_year)
    if record.age_years is not None:
        at = record.age_reference_date.isoformat() if record.age_reference_date else "?"
        return f"age {record.age_years} at {at}"
    return ""


def _name_text(record: Any) -> str:
    """The name as written (Latin, then Khmer); empty when the role's schema has no names."""
    full_name = getattr(record, "full_name", None)
    family_name = getattr(record, "family_name", None)
    given_name = getattr(record, "given_name", None)
    khmer = getattr(record, "full_name_khmer", None)
    latin = full_name or " ".join(p for p in (family_name, given_name) if p)
    return " ".join(part for part in (latin, khmer) if part)


def _in_scope(session: Any, actor: Actor, person: Person) -> bool:
    """Whether the actor's scope holds a record of the person (or of the one it merged into)."""
    owners = [person.id] + ([person.merged_into_id] if person.merged_into_id else [])
    found = session.scalar(
        sa.select(PersonRecord.id)
        .where(PersonRecord.person_id.in_(owners), scope_filter(actor, PersonRecord))
        .limit(1)
    )
    return found is not None


@audit.audits_denials("person", "public_id")
def person_details(db: Database, public_id: str, *, actor: Actor | None) -> PersonView:
    """The records from each agency that make a person (merged persons point onwards).

    Only the person's records inside the actor's scope are loaded (``scope_filter`` in the
    query); a person with none of them is reported as unknown, so its existence does not
    show. Names and birth dates appear only where the role's output schema has them
    (``persons:read_identity``); without it the reasons of manual changes (free text) are
    withheld too. Every call is audited: ``read_protected`` when names were shown, else
    ``read`` (object: the person; never a name in the detail).

    Args:
        db: the database.
        public_id: the person's public id.
        actor: the reader; None for the local operator (full access, still audited).

    Returns:
        The person with its records, ordered by agency and source key.

    Raises:
        AccessDenied: the actor lacks ``persons:read``.
        LinkageError: no such person (or none of its records is in the actor's scope).
    """
    _require(actor, "persons:read")
    identity = actor is None or can(actor, "persons:read_identity")
    with db.session() as session:
        person = _person_by_public_id(session, public_id)
        if actor is not None and not _in_scope(session, actor, person):
            audit.record_denial(db, actor, "persons:read", "person", [public_id], "scope")
            raise LinkageError(f"no person {public_id}")
        # names and dates of birth are decrypted, in memory, only for a reader who may see them
        cipher = keyring_for(db).cipher if identity else None
        merged_into = (
            session.scalar(sa.select(Person.public_id).where(Person.id == person.merged_into_id))
            if person.merged_into_id
            else None
        )
        query = (
            sa.select(PersonRecord, SourceRecord.source_key, Source.code, Agency.code)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .join(Source, Source.id == SourceRecord.source_id)
            .join(Agency, Agency.id == PersonRecord.owner_agency_id)
            .where(PersonRecord.person_id == person.id)
            .order_by(Agency.code, SourceRecord.source_key)
        )
        if actor is not None:
            query = query.where(scope_filter(actor, PersonRecord))
        records: list[PersonRecordView] = []
        names: list[str] = []
        for record, key, source, agency in session.execute(query).all():
            values = person_record_values(record)
            values = (
                reveal_person_record(cipher, record.id, values)
                if cipher is not None
                else withhold_person_record(values)
            )
            shown = (
                PersonRecordForCaseWork.model_validate(values)
                if actor is None
                else present_person_record(actor, values)
            )
            name = _name_text(shown)
            names.append(name)
            records.append(
                PersonRecordView(
                    record_id=record.id,
                    agency=agency,
                    source=source,
                    source_key=key,
                    role=record.role.value,
                    name=name,
                    sex=record.sex.value,
                    birth=_birth_text(shown),
                    province_code=record.province_code,
                )
            )
        events = [
            (e.kind.value, e.reason if identity else None, e.actor)
            for e in session.scalars(
                sa.select(PersonEvent)
                .where(
                    sa.or_(
                        PersonEvent.person_id == person.id, PersonEvent.other_person_id == person.id
                    )
                )
                .order_by(PersonEvent.id)
            )
        ]
        audit.record(
            session,
            actor,
            "read_protected" if identity and records else "read",
            "person",
            [person.id],
            {"records": len(records)},
            forbidden_values=[n for n in names if n],
        )
        return PersonView(
            public_id=person.public_id,
            status=person.status.value,
            merged_into=merged_into,
            records=records,
            events=events,
        )
