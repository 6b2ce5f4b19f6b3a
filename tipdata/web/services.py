"""The seam between the web layer and the services: one method per thing a page or endpoint does.

Routes call only this adapter (and, as more services appear, the services'
own public functions); no business rule lives here either. Each method opens
one database transaction, calls the service and returns plain values (an
:class:`~tipdata.access.policy.Actor`, frozen dataclasses), never ORM rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.clock import now_utc
from tipdata.access.errors import SessionInvalid
from tipdata.access.keys import load_keyring, load_master_key
from tipdata.access.login import Authenticator, SignIn, login
from tipdata.access.passwords import ArgonParameters, Passwords
from tipdata.access.policy import Actor, Policy, default_policy, require
from tipdata.access.sessions import (
    SessionTimeouts,
    resolve_api_token,
    resolve_session,
    revoke_session,
)
from tipdata.access.throttle import Throttle
from tipdata.ingest import ImportRunSummary, list_import_runs
from tipdata.store.access import AppUser, AuditEvent
from tipdata.store.database import Database
from tipdata.system import System


@dataclass(frozen=True)
class AuditEventView:
    """One audit event as the audit-log page and API show it (no protected values by design).

    Attributes:
        id: the event id (also the pagination key).
        occurred_at: when, in UTC.
        username: who acted, or None for the local operator or an anonymous attempt.
        action: one of :data:`tipdata.access.audit.ACTIONS`.
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


class AccessServices:
    """The access-control services as the web layer uses them.

    Args:
        db: the database.
        authenticator_factory: builds the :class:`Authenticator` on first sign-in (it
            loads the master key and the data keys, so it is not done at start-up).
        timeouts: session idle and absolute timeouts.
        policy: roles and permissions.
    """

    def __init__(
        self,
        db: Database,
        authenticator_factory: AuthenticatorFactory,
        timeouts: SessionTimeouts,
        policy: Policy | None = None,
    ) -> None:
        self.db = db
        self.timeouts = timeouts
        self.policy = policy or default_policy()
        self._authenticator_factory = authenticator_factory
        self._authenticator: Authenticator | None = None
        self._lock = threading.Lock()

    @property
    def authenticator(self) -> Authenticator:
        """The authenticator, built once on first use."""
        with self._lock:
            if self._authenticator is None:
                self._authenticator = self._authenticator_factory()
            return self._authenticator

    def sign_in(
        self, username: str, password: str, code: str | None, remote_addr: str | None
    ) -> SignIn:
        """Check the credentials and open a session (see :func:`tipdata.access.login.login`).

        Raises:
            LoginThrottled: too many failures for this username from this address.
            AuthenticationError: anything else wrong (one message for every cause).
        """
        return login(self.db, self.authenticator, username, password, code or None, remote_addr)

    def actor_for_session(self, token: str) -> Actor | None:
        """The actor of a live web session, or None (unknown, expired, revoked, disabled)."""
        try:
            with self.db.session() as session:
                return Actor.of(resolve_session(session, token, self.timeouts, now_utc()))
        except SessionInvalid:
            return None

    def actor_for_api_token(self, token: str) -> Actor | None:
        """The actor of a live API token, or None (unknown, revoked, disabled)."""
        try:
            with self.db.session() as session:
                return Actor.of(resolve_api_token(session, token, now_utc()))
        except SessionInvalid:
            return None

    def sign_out(self, token: str, actor: Actor | None, remote_addr: str | None) -> None:
        """Revoke the session and record the logout."""
        with self.db.session() as session:
            if revoke_session(session, token, now_utc()) and actor is not None:
                audit.record(
                    session, actor, "logout", "app_user", [actor.user_id], remote_addr=remote_addr
                )

    def audit_events(
        self, actor: Actor, limit: int, before_id: int | None = None, action: str | None = None
    ) -> list[AuditEventView]:
        """The newest audit events (older than ``before_id``), newest first.

        Args:
            actor: the acting user; needs ``audit:read``.
            limit: how many events at most.
            before_id: only events with a smaller id (the pagination cursor).
            action: only events of this action.

        Raises:
            AccessDenied: the actor lacks ``audit:read``.
        """
        require(actor, "audit:read", self.policy)
        with self.db.session() as session:
            if before_id is None:
                events = audit.show(session, actor, limit=limit, action=action)
            else:
                # audit.show has no cursor yet; same query, one condition more.
                query = (
                    sa.select(AuditEvent)
                    .where(AuditEvent.id < before_id)
                    .order_by(AuditEvent.id.desc())
                    .limit(limit)
                )
                if action is not None:
                    query = query.where(AuditEvent.action == action)
                events = list(session.scalars(query))
            user_ids = {event.user_id for event in events if event.user_id is not None}
            rows = session.execute(
                sa.select(AppUser.id, AppUser.username).where(AppUser.id.in_(user_ids))
            )
            names = {user_id: username for user_id, username in rows}
            return [
                AuditEventView(
                    id=event.id,
                    occurred_at=event.occurred_at,
                    username=names.get(event.user_id) if event.user_id is not None else None,
                    action=event.action,
                    object_type=event.object_type,
                    object_ids=event.object_ids,
                    detail=event.detail,
                    remote_addr=event.remote_addr,
                )
                for event in events
            ]

    def import_runs(self, actor: Actor) -> list[ImportRunSummary]:
        """Every import run, newest first, for users who manage imports.

        Raises:
            AccessDenied: the actor lacks ``imports:run``.
        """
        require(actor, "imports:run", self.policy)
        return list_import_runs(self.db)


class AuthenticatorFactory:
    """Builds the :class:`Authenticator` from the system's settings and database.

    Args:
        system: the application object.
        passwords: a ready hasher (tests pass one with tiny Argon2 costs).
    """

    def __init__(self, system: System, passwords: Passwords | None = None) -> None:
        self.system = system
        self.passwords = passwords

    def __call__(self) -> Authenticator:
        """Load the master key and the data keys, and assemble the authenticator."""
        settings = self.system.settings
        master = load_master_key(settings)
        with self.system.db.session() as session:
            keyring = load_keyring(session, master)
        return Authenticator(
            passwords=self.passwords or Passwords(ArgonParameters.from_settings(settings)),
            cipher=keyring.cipher,
            throttle=Throttle.from_settings(settings),
        )
