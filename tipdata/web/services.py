"""The seam between the web layer and the services: one method per thing a page or endpoint does.

Routes call only this adapter (and, as more services appear, the services'
own public functions); no business rule lives here either. Each method opens
one database transaction, calls the service and returns plain values (an
:class:`~tipdata.access.policy.Actor`, frozen dataclasses), never ORM rows.
"""

from __future__ import annotations

import threading

from tipdata.access import (
    Actor,
    ArgonParameters,
    AuditEntry,
    AuditFilter,
    Authenticator,
    Passwords,
    Policy,
    SessionInvalid,
    SessionTimeouts,
    SignIn,
    Throttle,
    api_token_holder,
    default_policy,
    load_keyring,
    load_master_key,
    log_in,
    now_utc,
    resolve_session,
    show_audit,
    sign_out,
)
from tipdata.ingest import ImportRunSummary, list_import_runs
from tipdata.store import Database
from tipdata.system import System


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
        return log_in(self.db, self.authenticator, username, password, code or None, remote_addr)

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
            with self.db.connect() as connection:
                holder = api_token_holder(connection, token, now_utc())
        except SessionInvalid:
            return None
        return Actor(
            holder.user_id, holder.username, holder.role, holder.agency_id, holder.province_code
        )

    def sign_out(self, token: str, actor: Actor | None, remote_addr: str | None) -> None:
        """Revoke the session and record the logout: :func:`tipdata.access.sign_out`."""
        sign_out(self.db, token, actor, remote_addr)

    def audit_events(
        self,
        actor: Actor,
        limit: int,
        before_id: int | None = None,
        action: str | None = None,
        where: AuditFilter | None = None,
    ) -> list[AuditEntry]:
        """The newest audit events (older than ``before_id``), newest first: ``access.show_audit``.

        Raises:
            AccessDenied: the actor lacks ``audit:read``.
        """
        with self.db.session() as session:
            return show_audit(
                session, actor, limit=limit, action=action, before_id=before_id, where=where
            )

    def import_runs(self, actor: Actor) -> list[ImportRunSummary]:
        """Every import run, newest first, for users who manage imports.

        Raises:
            AccessDenied: the actor lacks ``imports:run``.
        """
        return list_import_runs(self.db, actor=actor, policy=self.policy)


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
