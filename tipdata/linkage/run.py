"""One linkage run: load records, train or reuse the model, score pairs, then cluster and store.

:func:`link` is the use case (``tipdata link``); full runs train on every record, incremental
runs score only new records with the last run's model (see :func:`_reasons_for_full` for
when a run must be full). Clustering and storing the outcome is
:func:`tipdata.linkage.storing._cluster_and_store`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tipdata.access import audit
from tipdata.access.linkage_keys import linkage_key_hasher
from tipdata.access.policy import Actor
from tipdata.access.protected import (
    keyring_for,
)
from tipdata.linkage.blocking import (
    KEY_FORMAT,
    has_persons,
    hashed_keys,
    store_link_keys,
)
from tipdata.linkage.common import LinkageError, _owner_id, _require
from tipdata.linkage.defaults import (
    DEFAULT_REVIEW_LOWER,
    DEFAULT_THRESHOLD,
)
from tipdata.linkage.engines import LinkageEngine, make_engine
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.linkage.labels import level_table, same_pairs
from tipdata.linkage.scoring import (
    Progress,
    _incremental_model,
    _incremental_records,
    _score,
    _score_incremental,
    calibration,
)
from tipdata.linkage.settings import MODEL_VERSION
from tipdata.linkage.storing import _cluster_and_store
from tipdata.linkage.training import DEFAULT_SEED
from tipdata.store.base import utc_now
from tipdata.store.database import Database
from tipdata.store.linkage import (
    LinkageMode,
    LinkageRun,
    ReviewPair,
    ReviewStatus,
    RunStatus,
)
from tipdata.store.people import (
    PersonRecord,
)

log = logging.getLogger(__name__)

Mode = Literal["auto", "full", "incremental"]


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


def _plan(
    db: Database, mode: Mode, threshold: float, review_lower: float
) -> tuple[dict[str, Any] | None, Literal["full", "incremental"], str]:
    """The last model, the mode a run will take and why (refuses an impossible incremental)."""
    previous_model = _latest_model(db)
    full_because = _reasons_for_full(db, previous_model, threshold, review_lower)
    if mode == "auto":
        mode = "full" if full_because else "incremental"
    elif mode == "incremental" and full_because:
        raise LinkageError(
            f"an incremental run cannot honour this: {'; '.join(full_because)}; "
            "run a full linkage (--mode full, or leave --mode out)"
        )
    reason = "; ".join(full_because) if mode == "full" else "a model and persons exist"
    return previous_model, "full" if mode == "full" else "incremental", reason


def planned_mode(
    db: Database,
    mode: Mode = "auto",
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_lower: float = DEFAULT_REVIEW_LOWER,
) -> Literal["full", "incremental"]:
    """The mode :func:`link` would run in now, without running it.

    Lets a front refuse an impossible run before it starts one in the background.

    Raises:
        LinkageError: ``incremental`` was asked but the run must be full (the message
            says why).
    """
    return _plan(db, mode, threshold, review_lower)[1]


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
    run_started: Callable[[int], None] | None = None,
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
        run_started: called with the run's id once its ``linkage_run`` row is stored
            (a background job shows it while the run goes on).

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
    previous_model, mode, mode_reason = _plan(db, mode, threshold, review_lower)
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
    if run_started is not None:
        run_started(run_id)
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
            result.records = len(table)
            result.new_records = int(records["person_id"].isna().sum())
            # the decrypted records are not needed past here (the linkage table holds what
            # scoring and clustering read): freed before the two largest steps
            del records
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
