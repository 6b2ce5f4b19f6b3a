"""A data officer's manual changes: merge two persons, split records off a person.

Both are kept as decided pairs (must-link / cannot-link) so that every later run honours
them, as a person event and in the audit log. The case work of the persons follows
(:mod:`~tipdata.linkage.case_work_moves`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.policy import Actor
from tipdata.linkage.case_work_moves import follow_merges, follow_split
from tipdata.linkage.common import (
    LinkageError,
    _owner_id,
    _person_by_public_id,
    _require,
    _reviewer_name,
)
from tipdata.model.enums import PersonStatus
from tipdata.store.database import Database
from tipdata.store.linkage import (
    Decision,
    PairOrigin,
    PersonEvent,
    PersonEventKind,
    ReviewDecision,
    ReviewPair,
    ReviewStatus,
)
from tipdata.store.people import (
    Person,
    new_person_public_id,
)


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
        session.flush()
        follow_merges(session, {merged.id: kept.id})
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
        session.flush()
        follow_split(session, person.id, [new.id])
        _record_manual_change(
            session, actor, owner, PersonEventKind.MANUAL_SPLIT, (new, person),
            len(moving), reason, officer, audit_ids=[person.id, new.id],
        )  # fmt: skip
        return new.public_id
