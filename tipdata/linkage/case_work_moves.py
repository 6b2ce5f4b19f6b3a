"""Case work follows the person it is about when persons are merged or split.

An agency's case with a person (status, assigned worker: ``case_work``), its follow-ups
and its case notes name the person by id. When linkage merges two persons (by hand or in
a run) or splits records off one, the case work must stay with the person it is about:

* **merge**: everything of the merged person moves to the person kept. When both had a
  case with the same agency (one case per person and agency), the kept person's case
  stays and takes from the other what it lacks: the earlier opening date, the assigned
  worker if it had none, and an open status if the other was still open (a merge never
  closes a case); the other's row goes. Follow-ups and notes all move.
* **split**: an agency's case work moves with that agency's records: to the new person
  when the agency has records on it and none left on the old one; else it stays.

Called inside the caller's transaction by :mod:`~tipdata.linkage.manual` and by
:mod:`~tipdata.linkage.storing` (a run's merges and splits); set-based, so a run that
merges many persons reads only the rows of persons that have case work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from tipdata.model.enums import CaseWorkStatus
from tipdata.store.casework import CaseNote, CaseWork, FollowUp
from tipdata.store.people import PersonRecord

CHUNK = 500
"""Person ids per query."""


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def follow_merges(session: Any, merged_into: Mapping[int, int]) -> int:
    """Move the case work of each merged person to the person it was merged into.

    Args:
        session: the caller's session (its transaction).
        merged_into: merged person id → the id of the person kept.

    Returns:
        How many rows (cases, follow-ups, notes) moved or were combined.
    """
    if not merged_into:
        return 0
    moved = 0
    for ids in _chunks(sorted(merged_into)):
        for table in (FollowUp, CaseNote):
            rows = session.execute(
                sa.select(table.id, table.person_id).where(table.person_id.in_(ids))
            ).all()
            for row_id, person_id in rows:
                session.execute(
                    sa.update(table)
                    .where(table.id == row_id)
                    .values(person_id=merged_into[person_id])
                )
            moved += len(rows)
        cases = session.scalars(sa.select(CaseWork).where(CaseWork.person_id.in_(ids))).all()
        for case in cases:
            _merge_case(session, case, merged_into[case.person_id])
        moved += len(cases)
    session.flush()
    return moved


def _merge_case(session: Any, case: CaseWork, kept_id: int) -> None:
    kept = session.scalar(
        sa.select(CaseWork).where(
            CaseWork.person_id == kept_id, CaseWork.owner_agency_id == case.owner_agency_id
        )
    )
    if kept is None:
        case.person_id = kept_id
        return
    kept.opened_on = min(kept.opened_on, case.opened_on)
    if kept.assigned_user_id is None:
        kept.assigned_user_id = case.assigned_user_id
    if kept.status == CaseWorkStatus.CLOSED and case.status != CaseWorkStatus.CLOSED:
        kept.status = case.status
        kept.closed_on = None
    session.delete(case)
    session.flush()


def follow_split(session: Any, old_id: int, new_ids: Iterable[int]) -> int:
    """After records moved from person ``old_id`` to new persons, move the case work that
    belongs with them: an agency's, when its records left ``old_id`` for one new person.

    Returns:
        How many rows (cases, follow-ups, notes) moved.
    """
    targets = list(new_ids)
    agencies_left = set(
        session.scalars(
            sa.select(PersonRecord.owner_agency_id).where(PersonRecord.person_id == old_id)
        )
    )
    holders: dict[int, set[int]] = {}
    for person_id, agency_id in session.execute(
        sa.select(PersonRecord.person_id, PersonRecord.owner_agency_id)
        .where(PersonRecord.person_id.in_(targets))
        .distinct()
    ):
        holders.setdefault(agency_id, set()).add(person_id)
    moved = 0
    for table in (CaseWork, FollowUp, CaseNote):
        rows = session.execute(
            sa.select(table.id, table.owner_agency_id).where(table.person_id == old_id)
        ).all()
        for row_id, agency_id in rows:
            found = holders.get(agency_id, set())
            if agency_id in agencies_left or len(found) != 1:
                continue
            session.execute(
                sa.update(table).where(table.id == row_id).values(person_id=next(iter(found)))
            )
            moved += 1
    return moved
