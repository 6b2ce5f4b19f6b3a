"""The linkage review queue as reviewers see it: two records side by side, field by field.

Builds on :func:`tipdata.linkage.service.review_queue` (scoped to ``linkage:review``,
audited as ``read_protected``) and :func:`~tipdata.linkage.service.decide_pair`
(audited as ``link_decision``). For each compared field the evidence of the model
gives both records' values and a match weight: a positive weight means the field
*agrees* (it speaks for one person), a negative one that it *disagrees*, and no
weight that a value is missing.

A decision names the status the reviewer saw (``expected_status``, normally
``pending``): if another reviewer decided the pair meanwhile, the decision is refused
with :class:`~tipdata.casefiles.errors.ConflictError` instead of silently overriding it.
``skip`` records nothing: the pair stays in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tipdata.access import audit
from tipdata.access.policy import Acting, Actor, actor_name, authorize
from tipdata.casefiles.errors import CaseFileError, ConflictError, NotFoundError
from tipdata.linkage.service import ReviewItem, StaleDecisionError, decide_pair, review_queue
from tipdata.store import Agency, ReviewPair, Source, SourceRecord
from tipdata.store.database import Database
from tipdata.store.linkage import ReviewStatus

ReviewChoice = Literal["same", "different", "skip"]
Agreement = Literal["agree", "disagree", "unknown"]
EVIDENCE_META = frozenset({"gamma", "level", "match_weight"})


@dataclass(frozen=True)
class RecordSide:
    """One record of a pair: where it comes from (its values are in the field comparisons).

    Attributes:
        key: ``<source record id>:<role>``.
        agency: code of the agency whose source holds the record.
        source: the source code.
        source_key: the record's key in its source.
        role: the person role of the record.
    """

    key: str
    agency: str
    source: str
    source_key: str
    role: str


@dataclass(frozen=True)
class FieldComparison:
    """One compared field: both values, the comparison level and its match weight.

    Attributes:
        field: the comparison, e.g. ``name`` or ``birth_year``.
        left: the left record's value as text ("" when missing).
        right: the right record's value as text.
        level: the model's label for the level reached (e.g. "Exact match").
        match_weight: the weight this field adds (log2 Bayes factor), if known.
        agreement: ``agree`` (weight > 0), ``disagree`` (weight < 0) or ``unknown``.
    """

    field: str
    left: str
    right: str
    level: str
    match_weight: float | None
    agreement: Agreement


@dataclass(frozen=True)
class RecordedField:
    """One value of both records as recorded now (decrypted; identity readers only).

    Attributes:
        field: ``name``, ``birth``, ``sex``, ``province_code`` or ``documents``.
        left: the left record's value as text ("" when missing).
        right: the right record's value.
        differs: whether the two differ.
    """

    field: str
    left: str
    right: str
    differs: bool


@dataclass(frozen=True)
class ReviewPairView:
    """A pair of the queue ready to show side by side."""

    pair_id: int
    status: str
    origin: str
    match_probability: float | None
    match_weight: float | None
    left: RecordSide
    right: RecordSide
    fields: list[FieldComparison]
    decisions: list[tuple[str, str, str | None]]
    recorded: list[RecordedField]
    """Both records as recorded now; empty for a role that may not read identities."""


@dataclass(frozen=True)
class ReviewPage:
    """Pairs of the queue from a position on, and how many are pending in all."""

    items: list[ReviewPairView]
    offset: int
    pending: int


@dataclass(frozen=True)
class DecisionResult:
    """What a decision left: the pair's status and who decided last (None after a skip)."""

    pair_id: int
    status: str
    decided_by: str | None


@audit.audits_denials("review_pair")
def review_pairs(
    db: Database, *, actor: Acting, limit: int, offset: int = 0, status: str | None = "pending"
) -> ReviewPage:
    """Pairs of the review queue, most probable first, from ``offset`` on.

    The queue changes as reviewers decide, so it is addressed by position, not by a
    keyset cursor: after deciding, the same position shows the next pair.

    Args:
        db: the database.
        actor: the reviewer; needs ``linkage:review`` (the local operator, the CLI, may).
        limit: how many pairs.
        offset: how many pairs of the queue to pass over (skipped ones).
        status: ``pending`` (default), ``same``, ``different`` or None for all.

    Returns:
        The pairs with their field comparisons, and the number of pending pairs.

    Raises:
        AccessDenied: the actor lacks ``linkage:review``.
        CaseFileError: a negative offset or an unknown status.
    """
    authorize(actor, "linkage:review")
    if offset < 0:
        raise CaseFileError(f"offset must be 0 or more, got {offset}")
    if status is not None and status not in {s.value for s in ReviewStatus}:
        known = ", ".join(s.value for s in ReviewStatus)
        raise CaseFileError(f"unknown status {status!r}; known: {known}")
    reader = actor if isinstance(actor, Actor) else None
    items = review_queue(db, actor=reader, status=status, limit=offset + limit)[offset:]
    with db.session() as session:
        sides = _sides(session, [key for item in items for key in (item.left, item.right)])
        pending = session.scalar(
            sa.select(sa.func.count())
            .select_from(ReviewPair)
            .where(ReviewPair.status == ReviewStatus.PENDING)
        )
    return ReviewPage(
        items=[_view(item, sides) for item in items], offset=offset, pending=int(pending or 0)
    )


@audit.audits_denials("review_pair", "pair_id")
def decide_review_pair(
    db: Database,
    pair_id: int,
    decision: ReviewChoice,
    *,
    actor: Acting,
    expected_status: str | None = "pending",
    reason: str | None = None,
) -> DecisionResult:
    """Record a reviewer's decision on a pair (``skip`` records nothing).

    Args:
        db: the database.
        pair_id: the pair.
        decision: ``same``, ``different`` or ``skip``.
        actor: the reviewer; needs ``linkage:review``. The local operator (the CLI) may,
            and is recorded under its label (None: ``operator``).
        expected_status: the status the reviewer saw; None to decide whatever it is now.
        reason: why (kept with the decision, never in the audit log).

    Returns:
        The pair's status after the decision.

    Raises:
        AccessDenied: the actor lacks ``linkage:review``.
        NotFoundError: no such pair.
        ConflictError: the pair's status is no longer ``expected_status``.
        CaseFileError: an unknown decision.
    """
    authorize(actor, "linkage:review")
    if decision not in ("same", "different", "skip"):
        raise CaseFileError(f"decision must be same, different or skip, got {decision!r}")
    with db.session() as session:
        pair = session.get(ReviewPair, pair_id)
        if pair is None:
            raise NotFoundError("review pair", pair_id)
        status = pair.status.value
    if decision == "skip":
        return DecisionResult(pair_id=pair_id, status=status, decided_by=None)
    try:
        decide_pair(
            db,
            pair_id,
            decision,
            actor=actor if isinstance(actor, Actor) else None,
            reviewer=None if isinstance(actor, Actor) else actor_name(actor),
            reason=reason or None,
            expected_status=expected_status,
        )
    except StaleDecisionError as error:
        raise ConflictError(str(error)) from None
    return DecisionResult(pair_id=pair_id, status=decision, decided_by=actor_name(actor))


def _sides(session: Any, keys: list[str]) -> dict[str, RecordSide]:
    """Source, source key and agency of each ``<source record id>:<role>`` key."""
    ids = {int(key.split(":", 1)[0]) for key in keys}
    if not ids:
        return {}
    agency = aliased(Agency)
    rows = session.execute(
        sa.select(SourceRecord.id, SourceRecord.source_key, Source.code, agency.code)
        .join(Source, Source.id == SourceRecord.source_id)
        .join(agency, agency.id == Source.agency_id)
        .where(SourceRecord.id.in_(ids))
    )
    where = {record_id: (key, source, code) for record_id, key, source, code in rows}
    sides = {}
    for key in keys:
        record_id, role = key.split(":", 1)
        source_key, source, code = where.get(int(record_id), ("?", "?", "?"))
        sides[key] = RecordSide(
            key=key, agency=code, source=source, source_key=source_key, role=role
        )
    return sides


def _view(item: ReviewItem, sides: dict[str, RecordSide]) -> ReviewPairView:
    return ReviewPairView(
        pair_id=item.pair_id,
        status=item.status,
        origin=item.origin,
        match_probability=item.match_probability,
        match_weight=item.match_weight,
        left=sides[item.left],
        right=sides[item.right],
        fields=comparisons(item.evidence or {}),
        decisions=item.decisions,
        recorded=[RecordedField(*row) for row in item.differing()],
    )


def comparisons(evidence: dict[str, Any]) -> list[FieldComparison]:
    """The field comparisons of a pair's evidence, in the model's order.

    Each field shows its first value column (the cleaned name, the nationality, ...); a
    ``*_low``/``*_high`` couple is shown as a range; sort keys are left out.

    Examples:
        >>> [c.agreement for c in comparisons({"sex": {"gamma": 1, "level": "Exact",
        ...     "match_weight": 1.2, "sex": ["female", "female"]}})]
        ['agree']
    """
    found = []
    for name, entry in evidence.items():
        columns = [c for c in entry if c not in EVIDENCE_META and not c.endswith("_sorted_key")]
        weight = entry.get("match_weight")
        found.append(
            FieldComparison(
                field=name,
                left=_side_text(entry, columns, 0),
                right=_side_text(entry, columns, 1),
                level=str(entry.get("level") or ""),
                match_weight=weight,
                agreement=("unknown" if weight is None else "agree" if weight > 0 else "disagree"),
            )
        )
    return found


def _side_text(entry: dict[str, Any], columns: list[str], side: int) -> str:
    values = [entry[c][side] for c in columns if isinstance(entry.get(c), list)]
    if len(columns) == 2 and columns[0].endswith("_low") and columns[1].endswith("_high"):
        low, high = values
        if low is None or high is None or low == high:
            return str(low if low is not None else high if high is not None else "")
        return f"{low}–{high}"
    shown = [str(v) for v in values if v is not None and v != ""]
    return shown[0] if shown else ""
