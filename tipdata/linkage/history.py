"""The linkage runs made so far: when, by whom, what each did and how it was calibrated.

Read from ``linkage_run``; the calibration is the one :func:`~tipdata.linkage.run.link`
stored beside the trained model (prior, expected precision and recall, each level's m
and u). For those who may run linkage (``linkage:run``): the web's linkage page and
``tipdata link runs`` show the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tipdata.access.policy import Acting, Policy, authorize
from tipdata.linkage.run import CALIBRATION_KEY
from tipdata.store import Database
from tipdata.store.linkage import LinkageRun

RUNS_LISTED = 20
"""How many runs the list shows by default (newest first)."""


@dataclass(frozen=True)
class LinkRunRecord:
    """One stored linkage run.

    Attributes:
        run_id: the run.
        engine: ``duckdb`` or ``spark``.
        mode: ``full`` or ``incremental``.
        status: ``running``, ``finished`` or ``failed``.
        threshold: match probability at or above which records were linked.
        review_lower: the lowest probability queued for review.
        records: person records linked.
        new_records: records without a person before the run.
        pairs_scored: pairs the model scored.
        persons: persons after the run.
        persons_created: new persons.
        persons_merged: persons merged into others.
        persons_split: persons split.
        review_pairs_added: pairs queued for review.
        started_at: when it started.
        finished_at: when it finished (None while running or after a failure).
        started_by: who started it.
        message: why a run failed.
        calibration: the model's calibration (empty when none was stored).
    """

    run_id: int
    engine: str
    mode: str
    status: str
    threshold: float
    review_lower: float
    records: int
    new_records: int
    pairs_scored: int
    persons: int
    persons_created: int
    persons_merged: int
    persons_split: int
    review_pairs_added: int
    started_at: datetime
    finished_at: datetime | None
    started_by: str | None
    message: str | None
    calibration: dict[str, Any]


def linkage_runs(
    db: Database, *, actor: Acting, limit: int = RUNS_LISTED, policy: Policy | None = None
) -> list[LinkRunRecord]:
    """The newest linkage runs first, each with its counts and calibration.

    Args:
        db: the database.
        actor: who asks: needs ``linkage:run`` (the local operator always may).
        limit: how many runs.
        policy: the roles and permissions (default: the shipped policy).

    Raises:
        AccessDenied: the actor lacks ``linkage:run``.
    """
    authorize(actor, "linkage:run", policy=policy)
    with db.session() as session:
        rows = session.scalars(
            sa.select(LinkageRun).order_by(LinkageRun.id.desc()).limit(max(1, limit))
        ).all()
        return [
            LinkRunRecord(
                run_id=row.id,
                engine=row.engine,
                mode=str(getattr(row.mode, "value", row.mode)),
                status=str(getattr(row.status, "value", row.status)),
                threshold=row.threshold,
                review_lower=row.review_lower,
                records=row.records,
                new_records=row.new_records,
                pairs_scored=row.pairs_scored,
                persons=row.persons,
                persons_created=row.persons_created,
                persons_merged=row.persons_merged,
                persons_split=row.persons_split,
                review_pairs_added=row.review_pairs_added,
                started_at=row.started_at,
                finished_at=row.finished_at,
                started_by=row.started_by,
                message=row.message,
                calibration=dict((row.model or {}).get(CALIBRATION_KEY) or {}),
            )
            for row in rows
        ]
