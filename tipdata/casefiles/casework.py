"""Case work with a person, as in Primero: case status, assigned worker, follow-ups, notes.

Each agency keeps its own case with a person (:class:`tipdata.store.CaseWork`): a worker
of the agency opens it, assigns it to a colleague, sets follow-ups with due dates and
writes notes. Everything here starts from a person the actor may read
(:func:`tipdata.casefiles.persons.in_scope_records`: no record in scope is a 404, as for
the person page) and acts only on the actor's own agency's case work; a national role
(the NTF) also *reads* every agency's status and follow-ups, never their notes.

Case notes are encrypted at rest (``case_note.body``, AES-GCM with the row as associated
data) and decrypted in memory for readers holding ``case_notes:read``; they never reach
the audit log, which records only who wrote or read which person's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.policy import Actor, authorize, can, default_policy
from tipdata.access.protected import keyring_for
from tipdata.casefiles.errors import CaseFileError, NotFoundError
from tipdata.casefiles.persons import in_scope_records
from tipdata.model.enums import CaseWorkStatus
from tipdata.store import Agency, AppUser, CaseNote, CaseWork, FollowUp, Person, Role
from tipdata.store.database import Database

FOLLOW_UP_KINDS = (
    "home_visit",
    "phone_call",
    "medical",
    "legal",
    "education",
    "family_tracing",
    "reintegration",
    "other",
)
"""What a follow-up is for (labels in the web's catalogue)."""

MAX_NOTE = 4000
"""The longest case note accepted, in characters."""

NOTE_TABLE = "case_note"


@dataclass(frozen=True)
class CaseWorkView:
    """One agency's case with the person.

    Attributes:
        agency: code of the agency.
        status: ``open``, ``on_hold`` or ``closed``.
        assigned_to: username of the worker assigned, if any.
        opened_on: when the agency opened it.
        closed_on: when it was closed.
        own: whether it is the reader's agency's case (which they may change).
    """

    agency: str
    status: str
    assigned_to: str | None
    opened_on: date
    closed_on: date | None
    own: bool


@dataclass(frozen=True)
class FollowUpView:
    """A follow-up: what, when due, whether done, and for which person."""

    follow_up_id: int
    person_public_id: str
    agency: str
    kind: str
    due_on: date
    done_on: date | None
    overdue: bool


@dataclass(frozen=True)
class NoteView:
    """A case note, decrypted for a reader holding ``case_notes:read``."""

    note_id: int
    written_at: datetime
    author: str | None
    body: str


@dataclass(frozen=True)
class CaseWorkFile:
    """The case work of a person as the actor may see it.

    Attributes:
        cases: each agency's case (own agency only, every agency for a national reader).
        follow_ups: follow-ups of those cases, by due date.
        notes: the own agency's notes, newest first (empty without ``case_notes:read``).
        workers: usernames of the own agency's users who may be assigned the case.
        may_manage: whether the actor may change the own agency's case.
        may_read_notes: whether the actor may read notes.
        may_write_notes: whether the actor may write notes.
    """

    cases: list[CaseWorkView]
    follow_ups: list[FollowUpView]
    notes: list[NoteView]
    workers: list[str]
    may_manage: bool
    may_read_notes: bool
    may_write_notes: bool


def _is_national(actor: Actor) -> bool:
    return default_policy().role(actor.role).scope == "national"


def _person_id(session: Session, actor: Actor, public_id: str) -> int:
    """The person's row id, once one of its records is in the actor's scope (else 404)."""
    in_scope_records(session, actor, public_id)
    person_id = session.scalar(sa.select(Person.id).where(Person.public_id == public_id))
    if person_id is None:  # pragma: no cover - in_scope_records found its records
        raise NotFoundError("person", public_id)
    return int(person_id)


def case_work(db: Database, public_id: str, *, actor: Actor, today: date) -> CaseWorkFile:
    """The person's case work: status, worker, follow-ups and (with the permission) notes.

    Args:
        db: the database.
        public_id: the person's public id.
        actor: the reader; needs ``persons:read`` and the person in scope.
        today: the date against which follow-ups are overdue.

    Returns:
        The case work file (empty lists when no agency has opened a case).

    Raises:
        AccessDenied: the actor lacks ``persons:read``.
        NotFoundError: no such person in the actor's scope.
    """
    authorize(actor, "persons:read")
    may_read_notes = can(actor, "case_notes:read")
    with db.session() as session:
        person_id = _person_id(session, actor, public_id)
        agencies = sa.true() if _is_national(actor) else CaseWork.owner_agency_id == actor.agency_id
        rows = session.execute(
            sa.select(CaseWork, Agency.code, AppUser.username)
            .join(Agency, Agency.id == CaseWork.owner_agency_id)
            .outerjoin(AppUser, AppUser.id == CaseWork.assigned_user_id)
            .where(CaseWork.person_id == person_id, agencies)
            .order_by(Agency.code)
        ).all()
        cases = [
            CaseWorkView(
                agency=code, status=work.status.value, assigned_to=username,
                opened_on=work.opened_on, closed_on=work.closed_on,
                own=work.owner_agency_id == actor.agency_id,
            )
            for work, code, username in rows
        ]  # fmt: skip
        follow_ups = _follow_ups(session, actor, today, FollowUp.person_id == person_id, limit=None)
        notes = _notes(db, session, actor, person_id) if may_read_notes else []
        audit.record(
            session, actor, "read", "person", [person_id],
            {"case_work": len(cases), "follow_ups": len(follow_ups), "notes": len(notes)},
        )  # fmt: skip
        workers = _workers(session, actor)
    return CaseWorkFile(
        cases=cases,
        follow_ups=follow_ups,
        notes=notes,
        workers=workers,
        may_manage=can(actor, "casework:manage"),
        may_read_notes=may_read_notes,
        may_write_notes=can(actor, "case_notes:create"),
    )


def _workers(session: Session, actor: Actor) -> list[str]:
    """Active users of the actor's agency whose role manages case work."""
    policy = default_policy()
    rows = session.execute(
        sa.select(AppUser.username, Role.code)
        .join(Role, Role.id == AppUser.role_id)
        .where(AppUser.agency_id == actor.agency_id, AppUser.active.is_(True))
        .order_by(AppUser.username)
    )
    return [
        str(username)
        for username, role in rows
        if str(role) in policy.roles and "casework:manage" in policy.role(str(role)).permissions
    ]


def _follow_ups(
    session: Session,
    actor: Actor,
    today: date,
    condition: sa.ColumnElement[bool],
    *,
    limit: int | None,
) -> list[FollowUpView]:
    agencies = sa.true() if _is_national(actor) else FollowUp.owner_agency_id == actor.agency_id
    query = (
        sa.select(FollowUp, Person.public_id, Agency.code)
        .join(Person, Person.id == FollowUp.person_id)
        .join(Agency, Agency.id == FollowUp.owner_agency_id)
        .where(condition, agencies)
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        FollowUpView(
            follow_up_id=follow_up.id, person_public_id=public_id, agency=code,
            kind=follow_up.kind, due_on=follow_up.due_on, done_on=follow_up.done_on,
            overdue=follow_up.done_on is None and follow_up.due_on < today,
        )
        for follow_up, public_id, code in session.execute(query)
    ]  # fmt: skip


def _notes(db: Database, session: Session, actor: Actor, person_id: int) -> list[NoteView]:
    cipher = keyring_for(db).cipher
    rows = session.execute(
        sa.select(CaseNote, AppUser.username)
        .outerjoin(AppUser, AppUser.id == CaseNote.author_id)
        .where(CaseNote.person_id == person_id, CaseNote.owner_agency_id == actor.agency_id)
        .order_by(CaseNote.written_at.desc(), CaseNote.id.desc())
    )
    return [
        NoteView(
            note_id=note.id, written_at=note.written_at, author=username,
            body=cipher.decrypt(NOTE_TABLE, "body", note.id, note.body),
        )
        for note, username in rows
    ]  # fmt: skip


def update_case_work(
    db: Database,
    public_id: str,
    *,
    actor: Actor,
    status: str,
    assigned_to: str | None,
    today: date,
) -> CaseWorkView:
    """Open, re-assign, put on hold or close the own agency's case with the person.

    Args:
        db: the database.
        public_id: the person's public id.
        actor: needs ``casework:manage`` and the person in scope.
        status: ``open``, ``on_hold`` or ``closed``.
        assigned_to: username of a worker of the actor's agency, or None.
        today: the date of opening or closing.

    Returns:
        The case as stored.

    Raises:
        AccessDenied: the actor lacks ``casework:manage``.
        NotFoundError: no such person in scope.
        CaseFileError: an unknown status or a worker who is not of the agency.
    """
    authorize(actor, "casework:manage")
    try:
        chosen = CaseWorkStatus(status)
    except ValueError:
        raise CaseFileError(f"status: choose one of {', '.join(CaseWorkStatus)}") from None
    with db.session() as session:
        person_id = _person_id(session, actor, public_id)
        assigned_id = None
        if assigned_to:
            if assigned_to not in _workers(session, actor):
                raise CaseFileError("assigned_to: not a case worker of your agency")
            assigned_id = session.scalar(
                sa.select(AppUser.id).where(AppUser.username == assigned_to)
            )
        work = session.scalar(
            sa.select(CaseWork).where(
                CaseWork.person_id == person_id, CaseWork.owner_agency_id == actor.agency_id
            )
        )
        if work is None:
            work = CaseWork(person_id=person_id, owner_agency_id=actor.agency_id, opened_on=today)
            session.add(work)
        if chosen is CaseWorkStatus.CLOSED and work.status is not CaseWorkStatus.CLOSED:
            work.closed_on = today
        elif chosen is not CaseWorkStatus.CLOSED:
            work.closed_on = None
        work.status = chosen
        work.assigned_user_id = assigned_id
        session.flush()
        audit.record(
            session, actor, "case_work_changed", "person", [person_id],
            {"status": chosen.value, "assigned_user_id": assigned_id},
        )  # fmt: skip
        agency = session.scalar(sa.select(Agency.code).where(Agency.id == actor.agency_id))
        return CaseWorkView(
            agency=str(agency), status=chosen.value, assigned_to=assigned_to or None,
            opened_on=work.opened_on, closed_on=work.closed_on, own=True,
        )  # fmt: skip


def add_follow_up(db: Database, public_id: str, *, actor: Actor, kind: str, due_on: date) -> int:
    """Set a follow-up of the person for the actor's agency; returns its id.

    Raises:
        AccessDenied: the actor lacks ``casework:manage``.
        NotFoundError: no such person in scope.
        CaseFileError: an unknown kind.
    """
    authorize(actor, "casework:manage")
    if kind not in FOLLOW_UP_KINDS:
        raise CaseFileError(f"kind: choose one of {', '.join(FOLLOW_UP_KINDS)}")
    with db.session() as session:
        person_id = _person_id(session, actor, public_id)
        follow_up = FollowUp(
            person_id=person_id, owner_agency_id=actor.agency_id, kind=kind, due_on=due_on,
            created_by_id=actor.user_id,
        )  # fmt: skip
        session.add(follow_up)
        session.flush()
        audit.record(
            session, actor, "follow_up_recorded", "person", [person_id],
            {"follow_up_id": follow_up.id, "kind": kind, "due_on": due_on.isoformat()},
        )  # fmt: skip
        return follow_up.id


def complete_follow_up(db: Database, follow_up_id: int, *, actor: Actor, done_on: date) -> None:
    """Mark the own agency's follow-up done.

    Raises:
        AccessDenied: the actor lacks ``casework:manage``.
        NotFoundError: no such follow-up of the actor's agency.
    """
    authorize(actor, "casework:manage")
    with db.session() as session:
        follow_up = session.scalar(
            sa.select(FollowUp).where(
                FollowUp.id == follow_up_id, FollowUp.owner_agency_id == actor.agency_id
            )
        )
        if follow_up is None:
            raise NotFoundError("follow-up", follow_up_id)
        follow_up.done_on = done_on
        audit.record(
            session, actor, "follow_up_recorded", "person", [follow_up.person_id],
            {"follow_up_id": follow_up.id, "done_on": done_on.isoformat()},
        )  # fmt: skip


def overdue_follow_ups(
    db: Database, *, actor: Actor, today: date, limit: int
) -> list[FollowUpView]:
    """Follow-ups not done whose due date has passed, oldest first (own agency; national: all).

    Args:
        db: the database.
        actor: needs ``casework:manage``.
        today: follow-ups due before this date are overdue.
        limit: at most this many (pass page size + 1 to learn whether the list is cut).

    Raises:
        AccessDenied: the actor lacks ``casework:manage``.
    """
    authorize(actor, "casework:manage")
    with db.session() as session:
        found = _follow_ups(
            session, actor, today,
            sa.and_(FollowUp.done_on.is_(None), FollowUp.due_on < today), limit=limit,
        )  # fmt: skip
        audit.record(
            session, actor, "read", "follow_up", [f.follow_up_id for f in found],
            {"list": "overdue", "follow_ups": len(found)},
        )  # fmt: skip
    return found


def write_case_note(db: Database, public_id: str, *, actor: Actor, body: str) -> int:
    """Write a case note about the person, encrypted at rest; returns its id.

    Raises:
        AccessDenied: the actor lacks ``case_notes:create``.
        NotFoundError: no such person in scope.
        CaseFileError: an empty note or one over :data:`MAX_NOTE` characters.
    """
    authorize(actor, "case_notes:create")
    text = body.strip()
    if not text:
        raise CaseFileError("note: write the note")
    if len(text) > MAX_NOTE:
        raise CaseFileError(f"note: at most {MAX_NOTE} characters")
    cipher = keyring_for(db).cipher
    with db.session() as session:
        person_id = _person_id(session, actor, public_id)
        note = CaseNote(
            person_id=person_id, owner_agency_id=actor.agency_id, author_id=actor.user_id,
            body="",
        )  # fmt: skip
        session.add(note)
        session.flush()
        note.body = cipher.encrypt(NOTE_TABLE, "body", note.id, text)
        audit.record(
            session, actor, "case_note_written", "person", [person_id], {"note_id": note.id},
            forbidden_values=[text],
        )  # fmt: skip
        return note.id
