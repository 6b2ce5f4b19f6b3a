"""Sign-in: throttle, password, second factor, session, audit — in one service call.

Every failure gives the same :class:`AuthenticationError` whether the user is
unknown, the password wrong, the account disabled or the TOTP code wrong or
replayed; the reason is only written to the audit log. Each attempt is counted by
the throttle and committed *before* the password is checked (parallel attempts
cannot slip past the count); a success resets the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit, totp
from tipdata.access.clock import now_utc
from tipdata.access.crypto import FieldCipher
from tipdata.access.errors import AccountLocked, AuthenticationError, LoginThrottled
from tipdata.access.passwords import Passwords
from tipdata.access.policy import Actor, Policy, default_policy
from tipdata.access.sessions import create_session
from tipdata.access.throttle import Throttle
from tipdata.store.access import AppUser
from tipdata.store.database import Database


@dataclass
class Authenticator:
    """What sign-in needs, built once by the application object.

    Attributes:
        passwords: the Argon2id hasher.
        cipher: decrypts TOTP secrets (``app_user.totp_secret``).
        throttle: the backoff rules.
        policy: roles (which ones need a second factor).
    """

    passwords: Passwords
    cipher: FieldCipher
    throttle: Throttle = field(default_factory=Throttle)
    policy: Policy = field(default_factory=default_policy)


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the actor and the session token for the cookie."""

    actor: Actor
    session_token: str


def login(
    db: Database,
    auth: Authenticator,
    username: str,
    password: str,
    totp_code: str | None,
    remote_addr: str | None,
    *,
    now: datetime | None = None,
) -> SignIn:
    """Check credentials and open a session.

    Args:
        db: the database.
        auth: the authenticator.
        username: as typed.
        password: as typed.
        totp_code: the 6-digit code; required for roles that can read identities.
        remote_addr: the client's address (throttling key and audit).
        now: the current time (tests).

    Returns:
        The actor and a new session token.

    Raises:
        AccountLocked: too many failures for this account from any address.
        LoginThrottled: too many failures for this username from this address.
        AuthenticationError: anything else wrong (one message for every cause).
    """
    now = now or now_utc()
    refused: AuthenticationError | None = None
    with db.session() as session:  # counted and committed before the password is checked
        try:
            auth.throttle.attempt(session, username, remote_addr, now)
        except (LoginThrottled, AccountLocked) as exc:
            refused = exc
            refusal = "locked" if isinstance(exc, AccountLocked) else "throttled"
            audit.record(
                session, None, "login_failure", detail={"reason": refusal},
                remote_addr=remote_addr, now=now,
            )  # fmt: skip
    if refused is not None:
        raise refused
    with db.session() as session:
        user = session.scalar(sa.select(AppUser).where(AppUser.username == username))
        reason = _failure_reason(session, auth, user, password, totp_code, now)
        if reason is None and user is not None:
            return _succeed(session, auth, user, password, remote_addr, now)
        audit.record(
            session, None, "login_failure", "app_user",
            [user.id] if user else [], {"reason": reason}, remote_addr,
            user_id=user.id if user else None, now=now,
        )  # fmt: skip
    raise AuthenticationError()


def _succeed(
    session: Session,
    auth: Authenticator,
    user: AppUser,
    password: str,
    remote_addr: str | None,
    now: datetime,
) -> SignIn:
    """Reset the throttle, upgrade the hash if needed, open the session, audit."""
    auth.throttle.succeeded(session, user.username, remote_addr)
    if user.password_hash and auth.passwords.needs_rehash(user.password_hash):
        user.password_hash = auth.passwords.rehash(password)
    actor = Actor.of(user)
    token = create_session(session, user.id, remote_addr, now)
    audit.record(
        session, actor, "login_success", "app_user", [user.id], remote_addr=remote_addr, now=now
    )
    return SignIn(actor, token)


def _failure_reason(
    session: Session,
    auth: Authenticator,
    user: AppUser | None,
    password: str,
    totp_code: str | None,
    now: datetime,
) -> str | None:
    """Why sign-in fails (for the audit log only), or None if it succeeds."""
    password_ok = auth.passwords.verify(user.password_hash if user else None, password)
    if user is None:
        return "unknown_user"
    if not password_ok:
        return "wrong_password"
    if not user.active:
        return "disabled"
    if not auth.policy.requires_totp(user.role.code):
        return None
    if user.totp_secret is None:
        return "totp_not_enrolled"
    secret = auth.cipher.decrypt("app_user", "totp_secret", user.id, user.totp_secret)
    step = totp.matching_step(secret, totp_code or "", now, user.totp_last_step)
    if step is None:
        return "totp_wrong_or_replayed"
    user.totp_last_step = step
    session.flush()
    return None
