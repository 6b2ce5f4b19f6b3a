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

from tipdata.access import audit, enrolment, totp
from tipdata.access.clock import now_utc
from tipdata.access.crypto import FieldCipher
from tipdata.access.enrolment import SetupRequired, needs_password, needs_totp, start_sign_in_step
from tipdata.access.errors import AccountLocked, AuthenticationError, LoginThrottled
from tipdata.access.passwords import Passwords
from tipdata.access.policy import Actor, Policy, default_policy
from tipdata.access.sessions import create_session, revoke_session
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
        SetupRequired: the password (and code, if enrolled) were right but the account is
            not finished: the user chooses their own password or enrols a second factor
            first (:mod:`tipdata.access.enrolment`); no session is opened.
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
            if needs_password(user) or needs_totp(user, auth.policy):
                auth.throttle.succeeded(session, user.username, remote_addr)
                step_token = start_sign_in_step(session, user, now)
                audit.record(
                    session, None, "login_failure", "app_user", [user.id],
                    {"reason": "account_not_finished"}, remote_addr, user_id=user.id, now=now,
                )  # fmt: skip
                setup = SetupRequired(step_token)
            else:
                return _succeed(session, auth, user, password, remote_addr, now)
        else:
            audit.record(
                session, None, "login_failure", "app_user",
                [user.id] if user else [], {"reason": reason}, remote_addr,
                user_id=user.id if user else None, now=now,
            )  # fmt: skip
            setup = None
    if setup is not None:  # raised after the commit, so the step token is stored
        raise setup
    raise AuthenticationError()


def finish_and_sign_in(
    db: Database,
    auth: Authenticator,
    token: str,
    *,
    new_password: str | None,
    confirm_password: str | None,
    code: str | None,
    remote_addr: str | None,
    now: datetime | None = None,
) -> SignIn:
    """Finish an account under its setup token (:func:`enrolment.finish_account`), then sign in.

    The user has just proved the setup token (a set-password link, or the password at an
    unfinished sign-in), chosen their password and typed a code of the second factor when
    their role needs one, so a session opens at once.

    Raises:
        AuthenticationError: the token is unknown, used or expired.
        EnrolmentError: a part of the form is wrong; nothing was saved.
        WeakPasswordError: the password breaks the policy.
    """
    now = now or now_utc()
    with db.session() as session:
        user = enrolment.finish_account(
            session, token, new_password=new_password, confirm_password=confirm_password,
            code=code, passwords=auth.passwords, cipher=auth.cipher, policy=auth.policy,
            remote_addr=remote_addr, now=now,
        )  # fmt: skip
        auth.throttle.succeeded(session, user.username, remote_addr)
        actor = Actor.of(user)
        session_token = create_session(session, user.id, remote_addr, now)
        audit.record(
            session, actor, "login_success", "app_user", [user.id],
            {"after": "account_finished"}, remote_addr=remote_addr, now=now,
        )  # fmt: skip
    return SignIn(actor, session_token)


def sign_out(db: Database, token: str, actor: Actor | None, remote_addr: str | None) -> bool:
    """End a session and record the logout of its user (when the session was live).

    Returns:
        Whether a live session was revoked.
    """
    with db.session() as session:
        revoked = revoke_session(session, token, now_utc())
        if revoked and actor is not None:
            audit.record(
                session, actor, "logout", "app_user", [actor.user_id], remote_addr=remote_addr
            )
        return revoked


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
    if user.totp_secret is None or user.totp_confirmed_at is None:
        return None  # enrolled at the next step (SetupRequired), before any session
    secret = auth.cipher.decrypt("app_user", "totp_secret", user.id, user.totp_secret)
    step = totp.matching_step(secret, totp_code or "", now, user.totp_last_step)
    if step is None:
        return "totp_wrong_or_replayed"
    user.totp_last_step = step
    session.flush()
    return None
