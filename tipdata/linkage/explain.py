"""Why the model scored two records as it did: the match-weight waterfall of one pair.

A reviewer deciding a pair, or a data officer asking why two people were (not) linked,
needs each comparison's level and its weight in bits, from the prior to the total:
``tipdata link explain --pair 12`` or ``--records 101 202``. The pair is scored again
with the last run's model, with term frequencies counted on every record (from the
stored linkage keys, as an incremental run counts them), so the figure is the one a
run would give.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from splink import Linker

from tipdata.access import audit
from tipdata.access.linkage_keys import linkage_key_hasher
from tipdata.access.policy import Actor, can
from tipdata.access.protected import keyring_for
from tipdata.linkage.blocking import (
    KEY_FORMAT,
    fill_index,
    hashed_keys,
    load_link_index,
    record_ids_by_key,
    term_frequency_tables,
)
from tipdata.linkage.common import LinkageError, _require
from tipdata.linkage.engines import make_engine
from tipdata.linkage.evidence import PROTECTED_EVIDENCE, _evidence
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.linkage.run import _latest_model
from tipdata.linkage.scoring import _in_dialect, _tf_columns
from tipdata.linkage.storing import _split_key
from tipdata.store.database import Database
from tipdata.store.linkage import ReviewPair

log = logging.getLogger(__name__)

HIDDEN = "[protected]"


@dataclass(frozen=True)
class ExplainedStep:
    """One comparison of the pair: its level, its weight and both records' values."""

    comparison: str
    level: str
    match_weight: float | None
    values: dict[str, list[Any]]


@dataclass(frozen=True)
class PairExplanation:
    """The match-weight waterfall of one pair under the last run's model."""

    left: str
    right: str
    prior_weight: float
    steps: list[ExplainedStep]
    match_weight: float
    match_probability: float


def explain_pair(
    db: Database,
    *,
    pair_id: int | None = None,
    record_ids: tuple[int, int] | None = None,
    actor: Actor | None,
) -> PairExplanation:
    """Score one pair again and say what each comparison contributed.

    Args:
        db: the database (a linkage has run).
        pair_id: a review pair; or
        record_ids: two person-record ids.
        actor: who asks (needs ``linkage:review``; names are shown only with
            ``persons:read_identity``, and showing them is audited).

    Returns:
        The prior, each comparison's level and weight in bits, the total and the
        probability.

    Raises:
        AccessDenied: the actor lacks ``linkage:review``.
        LinkageError: no model yet, no such pair or record, or not two records.
    """
    _require(actor, "linkage:review")
    model = _latest_model(db)
    if model is None:
        raise LinkageError("no trained model yet: run tipdata link first")
    ids = _record_ids(db, pair_id, record_ids)
    keyring = keyring_for(db)
    table = linkage_table(load_person_records(db, record_ids=ids, keyring=keyring))
    if len(table) != 2:
        missing = sorted(set(ids) - set(table["unique_id"].astype(int)))
        raise LinkageError(f"no person record {missing[0] if missing else ids[0]}")
    table = table.set_index(table["unique_id"].astype(int)).loc[list(ids)].reset_index(drop=True)
    engine = make_engine("duckdb")
    try:
        settings = _in_dialect(model, engine)
        linker = Linker(
            engine.register(table, "explain_records"), settings, log_level=logging.ERROR
        )
        tf_columns = _tf_columns(model)
        if tf_columns:
            hasher = linkage_key_hasher(db)
            index = load_link_index(db, hasher.fingerprint(KEY_FORMAT))
            fill_index(index, hashed_keys(table, hasher))
            for column, lookup in term_frequency_tables(table, index, tf_columns).items():
                linker.table_management.register_term_frequency_lookup(
                    engine.register(lookup, f"explain_tf_{column}"), column
                )
        scored = engine.to_pandas(
            linker.inference.score_pair(
                engine.register(table.iloc[[0]], "explain_left"),
                engine.register(table.iloc[[1]], "explain_right"),
            )
        )
    finally:
        engine.close()
    row = scored.iloc[0].to_dict()
    identity = actor is None or can(actor, "persons:read_identity")
    if identity:
        with db.session() as session:
            audit.record(
                session, actor, "read_protected", "person_record", list(ids), {"explain": True}
            )
    steps = []
    for name, part in _evidence(row, model).items():
        values = {k: v for k, v in part.items() if k not in ("gamma", "level", "match_weight")}
        if not identity:
            for column in PROTECTED_EVIDENCE.get(name, ()):
                if column in values:
                    values[column] = [HIDDEN, HIDDEN]
        steps.append(ExplainedStep(name, str(part["level"]), part["match_weight"], values))
    prior = float(model["probability_two_random_records_match"])
    return PairExplanation(
        left=str(table["record_key"].iloc[0]),
        right=str(table["record_key"].iloc[1]),
        prior_weight=round(math.log2(prior / (1 - prior)), 2),
        steps=steps,
        match_weight=round(float(row["match_weight"]), 2),
        match_probability=float(row["match_probability"]),
    )


def _record_ids(
    db: Database, pair_id: int | None, record_ids: tuple[int, int] | None
) -> tuple[int, int]:
    """The two person-record ids asked for, from a review pair or as given."""
    if (pair_id is None) == (record_ids is None):
        raise LinkageError("give a review pair or two person records, not both")
    if record_ids is not None:
        if len(set(record_ids)) != 2:
            raise LinkageError("give two different person records")
        return int(record_ids[0]), int(record_ids[1])
    with db.session() as session:
        pair = session.get(ReviewPair, pair_id)
        if pair is None:
            raise LinkageError(f"no review pair {pair_id}")
        keys = (
            _split_key(f"{pair.left_source_record_id}:{pair.left_role}"),
            _split_key(f"{pair.right_source_record_id}:{pair.right_role}"),
        )
    found = record_ids_by_key(db, keys)
    if len(found) != 2:
        raise LinkageError(f"review pair {pair_id}: a record of it is no longer stored")
    return found[keys[0]], found[keys[1]]


def waterfall_rows(explanation: PairExplanation) -> list[tuple[str, str, str, str]]:
    """The waterfall as rows (step, level, values, bits), the prior first, the total last."""
    rows = [("prior", "two records taken at random", "", f"{explanation.prior_weight:+.2f}")]
    for step in explanation.steps:
        shown = "; ".join(
            f"{column}: {_text(left)} / {_text(right)}"
            for column, (left, right) in step.values.items()
        )
        weight = "" if step.match_weight is None else f"{step.match_weight:+.2f}"
        rows.append((step.comparison, step.level, shown, weight))
    rows.append(
        (
            "total",
            f"probability {explanation.match_probability:.4f}",
            f"{explanation.left} / {explanation.right}",
            f"{explanation.match_weight:+.2f}",
        )
    )
    return rows


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    return str(value)
