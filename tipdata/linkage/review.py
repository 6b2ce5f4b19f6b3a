"""The review queue: uncertain pairs with their evidence and records, and reviewers' decisions.

:func:`review_queue` lists pairs (values only for ``persons:read_identity``);
:func:`decide_pair` records a decision, optionally only if the pair still has the status
the reviewer saw; every later run honours it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.crypto import FieldCipher
from tipdata.access.documents import read_documents
from tipdata.access.policy import Actor, can, scope_filter
from tipdata.access.protected import (
    MASKED,
    keyring_for,
    person_record_values,
    reveal_evidence,
    reveal_person_record,
)
from tipdata.access.schemas import PersonRecordForCaseWork
from tipdata.linkage.blocking import (
    record_ids_by_key,
)
from tipdata.linkage.common import (
    LinkageError,
    StaleDecisionError,
    _require,
    _reviewer_name,
)
from tipdata.linkage.person_view import _name_text, birth_text
from tipdata.store.database import Database
from tipdata.store.linkage import (
    Decision,
    ReviewDecision,
    ReviewPair,
    ReviewStatus,
)
from tipdata.store.people import (
    PersonRecord,
)


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
            birth=birth_text(shown),
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
