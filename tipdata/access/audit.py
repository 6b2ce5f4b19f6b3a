"""The audit log: append-only and hash-chained, so an edited, deleted or moved row shows.

Each :class:`~tipdata.store.access.AuditEvent` stores ``prev_hash`` (the hash of
the event before it) and ``hash`` = SHA-256 of ``prev_hash`` and a canonical
JSON serialisation of the event. :func:`verify` recomputes the chain.

Never put protected values (names, birth dates, contacts, villages, shelter
locations, passwords, keys) in ``detail``: it is stored in clear. Values wrapped
in :class:`Protected`, and any string passed as ``forbidden_values``, are refused.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.checkpoint import Checkpoint, HeadCheckpoint, checkpoint_of
from tipdata.access.clock import as_utc, now_utc
from tipdata.access.errors import AccessDenied, AuditError
from tipdata.access.policy import Acting, Actor, authorize
from tipdata.store.access import AppUser, AuditEvent
from tipdata.store.database import Database

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ACTIONS = frozenset(
    {
        "login_success",
        "login_failure",
        "logout",
        "read",
        "read_protected",
        "export",
        "user_created",
        "user_changed",
        "role_granted",
        "import",
        "link_decision",
        "report_release",
        "consent_override",
        "referral_created",
        "screening_recorded",
        "case_work_changed",
        "follow_up_recorded",
        "case_note_written",
        "record_corrected",
        "keys_rotated",
        "access.denied",
    }
)
"""Every action the log knows; anything else is refused."""

CHAIN_LOCK_ID = 727_011_001
"""PostgreSQL advisory lock serialising appends, so two writers never fork the chain."""

PENDING_PREFIX = "pending:"
"""The placeholder hash of a SQLite event between its insert and its hashing (same flush)."""

HEAD_KEY = "tipdata_audit_head"
"""``Session.info`` key of the newest event appended in the session's transaction."""

Detail = str | Mapping[str, str | int | float | bool | None] | None


class Protected(str):
    """A string marked as a protected value; the audit log refuses to store it."""

    __slots__ = ()


def canonical_time(moment: datetime) -> str:
    """A timestamp as hashed: UTC, microseconds, no zone suffix (same on both engines)."""
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_hash(event: AuditEvent) -> str:
    """The hash an event must carry: SHA-256 over the previous hash and its canonical form."""
    body = {
        "occurred_at": canonical_time(event.occurred_at),
        "user_id": event.user_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_ids": event.object_ids,
        "detail": event.detail,
        "remote_addr": event.remote_addr,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(((event.prev_hash or "") + canonical).encode("utf-8")).hexdigest()


def _detail_text(detail: Detail, forbidden_values: Iterable[str]) -> str | None:
    if detail is None:
        return None
    values = [detail] if isinstance(detail, str) else list(detail.values())
    if any(isinstance(value, Protected) for value in values):
        raise AuditError("audit detail must not contain protected values")
    text = (
        detail
        if isinstance(detail, str)
        else json.dumps(dict(detail), sort_keys=True, ensure_ascii=False)
    )
    folded = text.casefold()
    for value in forbidden_values:
        needle = value.strip().casefold() if value else ""
        if len(needle) >= 3 and needle in folded:
            raise AuditError("audit detail must not contain protected values")
    return text


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    object_type: str | None = None,
    object_ids: Sequence[int | str] = (),
    detail: Detail = None,
    remote_addr: str | None = None,
    *,
    user_id: int | None = None,
    forbidden_values: Iterable[str] = (),
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event to the audit log, in the caller's transaction.

    Args:
        session: the open session; the event commits (or rolls back) with the action.
        actor: who acted; None for the local operator (CLI) or an anonymous sign-in.
        action: one of :data:`ACTIONS`.
        object_type: the kind of object, e.g. ``"person_record"``.
        object_ids: ids of the objects concerned (never names).
        detail: free text or a flat mapping; never protected values.
        remote_addr: the client's address, if any.
        user_id: the user concerned when there is no actor (e.g. a failed sign-in).
        forbidden_values: protected plaintexts known to the caller; refused in ``detail``.
        now: the event time (tests).

    Returns:
        The stored event.

    Raises:
        AuditError: unknown action, or ``detail`` contains a protected value.
    """
    if action not in ACTIONS:
        raise AuditError(f"unknown audit action {action!r}")
    text = _detail_text(detail, forbidden_values)
    event = AuditEvent(
        occurred_at=as_utc(now or now_utc()),
        user_id=actor.user_id if actor is not None else user_id,
        action=action,
        object_type=object_type,
        object_ids=",".join(str(i) for i in object_ids) or None,
        detail=text,
        remote_addr=(remote_addr or "")[:64] or None,
    )
    if session.get_bind().dialect.name == "postgresql":
        # the advisory lock is held to the end of the transaction: one appender at a time
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_ID)))
        event.prev_hash = _newest_hash(session)
        event.hash = event_hash(event)
        session.add(event)
        session.flush()
    else:
        # SQLite: writing the row first takes the database's write lock, held to the
        # commit, so the previous event read next is the newest committed one. Reading it
        # before the write let concurrent appenders share one previous hash (issue 15).
        event.hash = PENDING_PREFIX + secrets.token_hex(16)
        session.add(event)
        session.flush()
        event.prev_hash = _newest_hash(session, before_id=event.id)
        event.hash = event_hash(event)
        session.flush()
    session.info[HEAD_KEY] = (event.id, event.hash)
    return event


def _newest_hash(session: Session, before_id: int | None = None) -> str | None:
    query = sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return session.scalar(query)


@sa.event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    """Advance the signed head once the events of a transaction are committed."""
    head = session.info.pop(HEAD_KEY, None)
    if head is None:
        return
    try:
        checkpoint = checkpoint_of(session.get_bind())
        if checkpoint is not None:
            checkpoint.advance(*head)
    except Exception:  # the events are committed; verify will show the lagging checkpoint
        log.exception("could not write the audit checkpoint for event %s", head[0])


@sa.event.listens_for(Session, "after_rollback")
def _forget_head_after_rollback(session: Session) -> None:
    session.info.pop(HEAD_KEY, None)


@dataclass(frozen=True)
class ChainBreak:
    """One place where the audit log is not what was written.

    Attributes:
        event_id: the event concerned (None: the end of the log).
        problem: what is wrong, in words.
    """

    event_id: int | None
    problem: str


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    Attributes:
        ok: the chain is intact, ends at ``expected_head`` if one was given and still
            holds the signed checkpoint's event if there is a checkpoint.
        events_checked: events read.
        head_hash: the hash of the last event.
        problems: every break found, in log order (the whole log is always read).
        checkpoint: the signed head that was checked, if any.
    """

    ok: bool
    events_checked: int
    head_hash: str | None
    problems: tuple[ChainBreak, ...] = ()
    checkpoint: Checkpoint | None = None

    @property
    def first_bad_id(self) -> int | None:
        """The id of the first event where the chain breaks."""
        return next((p.event_id for p in self.problems if p.event_id is not None), None)

    @property
    def problem(self) -> str | None:
        """The first problem, in words."""
        return self.problems[0].problem if self.problems else None


def verify(
    db: Database,
    expected_head: str | None = None,
    checkpoint: HeadCheckpoint | None = None,
) -> VerifyResult:
    """Recompute the hash chain of the whole audit log and report every break.

    Detects an edited event (its hash no longer matches its content), a deleted,
    inserted or reordered event (the next event's ``prev_hash`` no longer matches), and,
    against the signed checkpoint kept outside the database (or ``expected_head``),
    events removed from the end or a tail rewritten with recomputed hashes. After a
    break the check goes on from the stored hash, so later tampering shows as well.

    Args:
        db: the database.
        expected_head: a head hash recorded earlier; it must still be in the chain.
        checkpoint: the signed head (default: the one attached to the database).

    Returns:
        The result, with every problem found.
    """
    checkpoint = checkpoint or checkpoint_of(db.engine)
    problems: list[ChainBreak] = []
    signed: Checkpoint | None = None
    if checkpoint is not None:
        try:
            signed = checkpoint.read()
        except AuditError as exc:
            problems.append(ChainBreak(None, str(exc)))
    previous: str | None = None
    checked = 0
    head_seen = expected_head is None
    signed_seen = signed is None
    with db.session() as session:
        events = session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
        )
        for event in events:
            checked += 1
            if event.prev_hash != previous:
                problems.append(
                    ChainBreak(
                        event.id,
                        f"event {event.id} does not follow the event before it "
                        "(an event was deleted, inserted or reordered)",
                    )
                )
            if event_hash(event) != event.hash:
                problems.append(ChainBreak(event.id, f"event {event.id} was altered"))
            if signed is not None and event.id == signed.event_id:
                signed_seen = True
                if event.hash != signed.event_hash:
                    problems.append(
                        ChainBreak(
                            event.id,
                            f"event {event.id} differs from the signed checkpoint: the log "
                            "was rewritten from there",
                        )
                    )
            previous = event.hash
            head_seen = head_seen or event.hash == expected_head
    if not signed_seen and signed is not None:
        problems.append(
            ChainBreak(
                None,
                f"event {signed.event_id} of the signed checkpoint is gone: "
                "the newest events were removed",
            )
        )
    if not head_seen:
        problems.append(ChainBreak(None, "the recorded head is gone: newest events removed"))
    return VerifyResult(not problems, checked, previous, tuple(problems), signed)


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as the fronts show it (no protected values by design).

    Attributes:
        id: the event id (also the pagination key).
        occurred_at: when, in UTC.
        username: who acted, or None for the local operator or an anonymous attempt.
        action: one of :data:`ACTIONS`.
        object_type: the kind of object concerned.
        object_ids: the ids concerned, comma-separated.
        detail: the event's detail text.
        remote_addr: the client's address.
    """

    id: int
    occurred_at: datetime
    username: str | None
    action: str
    object_type: str | None
    object_ids: str | None
    detail: str | None
    remote_addr: str | None


@dataclass(frozen=True)
class AuditFilter:
    """What an auditor looks for in the log (every part optional, all must hold).

    Attributes:
        action: one of :data:`ACTIONS`.
        username: the user who acted or was concerned (a failed sign-in names its user).
        since: events on or after this day (UTC).
        until: events on or before this day (UTC).
        object_type: the kind of object, e.g. ``person_record`` or ``app_user``.
        object_id: one object's id among the ids an event names.
    """

    action: str | None = None
    username: str | None = None
    since: date | None = None
    until: date | None = None
    object_type: str | None = None
    object_id: int | None = None


def filter_choices(session: Session, actor: Acting) -> tuple[list[str], list[str]]:
    """The usernames and the kinds of object the log names, for the auditor's filters.

    Raises:
        AccessDenied: the actor lacks ``audit:read``.
    """
    authorize(actor, "audit:read")
    kinds = session.scalars(
        sa.select(AuditEvent.object_type).where(AuditEvent.object_type.is_not(None)).distinct()
    )
    usernames = session.scalars(sa.select(AppUser.username).order_by(AppUser.username))
    return list(usernames), sorted(str(kind) for kind in kinds)


def verify_chain(db: Database, actor: Acting) -> VerifyResult:
    """:func:`verify` for an auditor (the web's "verify chain" button).

    Raises:
        AccessDenied: the actor lacks ``audit:read``.
    """
    authorize(actor, "audit:read")
    return verify(db)


def show(
    session: Session,
    actor: Acting,
    limit: int = 50,
    action: str | None = None,
    *,
    before_id: int | None = None,
    where: AuditFilter | None = None,
) -> list[AuditEntry]:
    """The newest audit events, newest first (auditors, or the local operator).

    The one reader of the log for the CLI (``tipdata audit show``), the audit page and the
    API.

    Args:
        session: an open session.
        actor: who reads; a signed-in user needs ``audit:read``.
        limit: how many events at most.
        action: only events of this action.
        before_id: only events with a smaller id (the pagination cursor).
        where: the auditor's filters (user, days, object); an unknown user matches nothing.

    Raises:
        AccessDenied: the actor lacks ``audit:read``.
        AuditError: ``action`` is not one of :data:`ACTIONS` (a typo would list nothing).
    """
    authorize(actor, "audit:read")
    where = where or AuditFilter()
    action = action or where.action
    if action is not None and action not in ACTIONS:
        raise AuditError(f"Unknown action {action!r}; known actions: {', '.join(sorted(ACTIONS))}.")
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if where.username:
        user_id = session.scalar(sa.select(AppUser.id).where(AppUser.username == where.username))
        query = query.where(AuditEvent.user_id == (user_id if user_id is not None else -1))
    if where.since is not None:
        start = datetime.combine(where.since, time.min, tzinfo=UTC)
        query = query.where(AuditEvent.occurred_at >= start)
    if where.until is not None:
        end = datetime.combine(where.until + timedelta(days=1), time.min, tzinfo=UTC)
        query = query.where(AuditEvent.occurred_at < end)
    if where.object_type:
        query = query.where(AuditEvent.object_type == where.object_type)
    if where.object_id is not None:
        padded = sa.literal(",") + AuditEvent.object_ids + sa.literal(",")
        query = query.where(padded.like(f"%,{int(where.object_id)},%"))
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    events = list(session.scalars(query))
    user_ids = {event.user_id for event in events if event.user_id is not None}
    names = dict(
        session.execute(sa.select(AppUser.id, AppUser.username).where(AppUser.id.in_(user_ids)))
        .tuples()
        .all()
    )
    return [
        AuditEntry(
            id=event.id,
            occurred_at=as_utc(event.occurred_at),
            username=names.get(event.user_id) if event.user_id is not None else None,
            action=event.action,
            object_type=event.object_type,
            object_ids=event.object_ids,
            detail=event.detail,
            remote_addr=event.remote_addr,
        )
        for event in events
    ]


def accesses_to(session: Session, object_type: str, object_id: int) -> list[AuditEvent]:
    """Every event naming one object (who read or changed it), oldest first.

    The caller checks that the actor owns the object (e.g. with ``scope_filter``).
    """
    padded = sa.literal(",") + AuditEvent.object_ids + sa.literal(",")
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == object_type, padded.like(f"%,{int(object_id)},%"))
            .order_by(AuditEvent.id)
        )
    )


_denials_in_request: ContextVar[list[str] | None] = ContextVar("denials_in_request", default=None)
"""The permissions refused so far in the current request (see :func:`tracking_denials`)."""


@contextmanager
def tracking_denials() -> Iterator[list[str]]:
    """Note every denial :func:`record_denial` writes while the block runs (one request).

    The web app wraps each request in it, so that its error handler audits a refusal
    that no service audited already, and never audits one twice. The list is shared
    with the worker threads that run the request's code (a context copy keeps the
    same list).

    Yields:
        The permissions whose refusal was recorded, in order.
    """
    recorded: list[str] = []
    token = _denials_in_request.set(recorded)
    try:
        yield recorded
    finally:
        _denials_in_request.reset(token)


def denial_recorded() -> bool:
    """Whether a denial was already audited in the current request."""
    return bool(_denials_in_request.get())


def record_denial(
    target: Database | Session,
    actor: Actor | None,
    permission: str,
    object_type: str | None = None,
    object_ids: Sequence[int | str] = (),
    reason: str = "permission",
) -> None:
    """Write an ``access.denied`` event in its own transaction (the refused call rolls back).

    The event names who, the permission and the object ids; never a personal value.
    A failure to write it is logged, never raised: the caller is raising
    :class:`AccessDenied` already.

    Args:
        target: the database, or the refused call's session (its engine is used).
        actor: who was refused.
        permission: the permission that was needed.
        object_type: the kind of object asked for, if any.
        object_ids: its ids (or public ids).
        reason: ``permission`` (the role lacks it), ``scope`` (the record is outside) or
            ``not_found`` (no such object in the actor's scope: absent or outside).
    """
    detail = {"permission": permission, "reason": reason}
    recorded = _denials_in_request.get()
    if recorded is not None:
        recorded.append(permission)
    try:
        if isinstance(target, Database):
            with target.session() as session:
                record(session, actor, "access.denied", object_type, object_ids, detail)
        else:
            with Session(bind=target.get_bind()) as session, session.begin():
                record(session, actor, "access.denied", object_type, object_ids, detail)
    except Exception:  # the denial itself must still reach the caller
        log.exception("could not audit a denied %s (user %s)", permission, actor and actor.user_id)


def audits_denials(
    object_type: str | None = None, id_argument: str | None = None
) -> Callable[[F], F]:
    """Decorate a service so that every :class:`AccessDenied` it raises is audited.

    The service takes ``actor`` and either ``db`` or ``session``; the denial is
    written with :func:`record_denial` and the exception re-raised unchanged. A
    denial for scope (an ``AccessDenied`` whose message mentions the scope) is
    recorded with reason ``scope``.

    Args:
        object_type: the kind of object the service reads or changes.
        id_argument: the name of the argument holding the object's id.

    Examples:
        >>> @audits_denials("person", "public_id")  # doctest: +SKIP
        ... def person_details(db, public_id, *, actor): ...
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except AccessDenied as denied:
                arguments = signature.bind_partial(*args, **kwargs).arguments
                actor = arguments.get("actor")
                target = arguments.get("db") or arguments.get("session")
                if actor is not None and target is not None:
                    object_id = arguments.get(id_argument) if id_argument else None
                    record_denial(
                        target,
                        actor,
                        denied.permission,
                        object_type,
                        [object_id] if object_id is not None else (),
                        "scope" if "scope" in str(denied) else "permission",
                    )
                raise

        return guarded  # type: ignore[return-value]

    return decorate
