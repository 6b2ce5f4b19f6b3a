"""Finishing an account: the user's own first password and their second factor.

An account is finished by its owner, never by an administrator: after a set-password
link (:func:`tipdata.access.users.issue_setup_link`, :func:`~tipdata.access.users.approve_user`)
or at a sign-in that cannot complete yet (:class:`SetupRequired`), because

- the password was chosen by someone else (``password_must_change``: the local operator
  gave it at the command line), or
- the role reads victims' identities and the user has no confirmed TOTP secret.

Both steps are done on one form, under a one-time *setup token* (its SHA-256 only is
kept, in ``app_user.setup_token_hash``). The TOTP secret is drawn when the form is first
shown and stored encrypted but unconfirmed; it signs nobody in until a code from the
user's authenticator confirms it (:func:`finish_account`). Nothing is written when any
part of the form is wrong, so the same QR code is shown again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit, totp
from tipdata.access.clock import as_utc, now_utc
from tipdata.access.crypto import FieldCipher
from tipdata.access.errors import AuthenticationError
from tipdata.access.passwords import Passwords
from tipdata.access.policy import Policy, default_policy
from tipdata.access.sessions import hash_token
from tipdata.errors import TipdataError
from tipdata.store.access import AppUser

SIGN_IN_STEP_LIFETIME = timedelta(minutes=15)
"""How long the setup token issued at an unfinished sign-in works."""
SETUP_TOKEN_PREFIX = "tdp_"


class SetupRequired(TipdataError):
    """The password (and code, if enrolled) were right, but the account is not finished.

    Attributes:
        token: the one-time setup token for :func:`account_steps` / :func:`finish_account`
            (never put it in a URL: the page keeps it in a hidden field).
    """

    def __init__(self, token: str) -> None:
        super().__init__("finish your account: choose your password or enrol your second factor")
        self.token = token


class EnrolmentError(TipdataError):
    """A part of the finishing form is wrong (passwords differ, wrong code); nothing saved."""


@dataclass(frozen=True)
class AccountSteps:
    """What the owner of a setup token still has to do.

    Attributes:
        username: whose account it is.
        needs_password: choose a password (none yet, or one chosen by someone else).
        needs_totp: confirm a second factor (the role reads identities).
        totp_uri: the ``otpauth://`` URI to show as a QR code, when ``needs_totp``.
        totp_secret: the same secret in base32, for typing by hand, when ``needs_totp``.
    """

    username: str
    needs_password: bool
    needs_totp: bool
    totp_uri: str | None = None
    totp_secret: str | None = None


def needs_totp(user: AppUser, policy: Policy) -> bool:
    """Whether the user must still confirm a second factor."""
    return policy.requires_totp(user.role.code) and (
        user.totp_secret is None or user.totp_confirmed_at is None
    )


def needs_password(user: AppUser) -> bool:
    """Whether the user must still choose their own password."""
    return user.password_hash is None or bool(user.password_must_change)


def start_sign_in_step(session: Session, user: AppUser, now: datetime | None = None) -> str:
    """Issue a short setup token for a user whose sign-in cannot finish yet (see module doc).

    The password is kept (the user just proved it); the token lives
    :data:`SIGN_IN_STEP_LIFETIME` and replaces any earlier one.

    Returns:
        The token.
    """
    now = now or now_utc()
    token = SETUP_TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.setup_token_hash = hash_token(token)
    user.setup_expires_at = now + SIGN_IN_STEP_LIFETIME
    session.flush()
    return token


def _user_of_token(session: Session, token: str, now: datetime) -> AppUser:
    user = session.scalar(sa.select(AppUser).where(AppUser.setup_token_hash == hash_token(token)))
    if (
        user is None
        or not user.active
        or user.setup_expires_at is None
        or as_utc(user.setup_expires_at) < as_utc(now)
    ):
        raise AuthenticationError("this set-password link is unknown, used or expired")
    return user


def account_steps(
    session: Session,
    token: str,
    cipher: FieldCipher,
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> AccountSteps:
    """What is left to finish the account of a setup token; draws the TOTP secret if needed.

    The secret is drawn once and kept (encrypted, unconfirmed) until it is confirmed, so
    reloading the page shows the same QR code.

    Raises:
        AuthenticationError: the token is unknown, used or expired.
    """
    policy = policy or default_policy()
    now = now or now_utc()
    user = _user_of_token(session, token, now)
    if not needs_totp(user, policy):
        return AccountSteps(user.username, needs_password(user), False)
    if user.totp_secret is None:
        secret = totp.new_totp_secret()
        user.totp_secret = cipher.encrypt("app_user", "totp_secret", user.id, secret)
        user.totp_confirmed_at = user.totp_last_step = None
        session.flush()
    else:
        secret = cipher.decrypt("app_user", "totp_secret", user.id, user.totp_secret)
    return AccountSteps(
        user.username,
        needs_password(user),
        True,
        totp.provisioning_uri(secret, user.username),
        secret,
    )


def finish_account(
    session: Session,
    token: str,
    *,
    new_password: str | None,
    confirm_password: str | None,
    code: str | None,
    passwords: Passwords,
    cipher: FieldCipher,
    policy: Policy | None = None,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> AppUser:
    """Save the user's own password and confirm their second factor; the token is spent.

    Every part is checked before anything is written: on any error the account stays
    as it was and the same form (same secret) can be shown again.

    Returns:
        The finished account.

    Raises:
        AuthenticationError: the token is unknown, used or expired.
        EnrolmentError: the two passwords differ, a needed part is missing, or the code
            does not match the secret shown.
        WeakPasswordError: the password breaks the policy.
    """
    policy = policy or default_policy()
    now = now or now_utc()
    user = _user_of_token(session, token, now)
    password_step, totp_step = needs_password(user), needs_totp(user, policy)
    password_hash = None
    if password_step:
        if not new_password:
            raise EnrolmentError("choose a password")
        if new_password != confirm_password:
            raise EnrolmentError("the two new passwords differ")
        if user.password_hash is not None and passwords.verify(user.password_hash, new_password):
            raise EnrolmentError("choose a password of your own, not the one you were given")
        password_hash = passwords.hash(new_password, user.username)  # checks the policy
    step = None
    if totp_step:
        if user.totp_secret is None:  # the form was never shown
            raise EnrolmentError("scan the QR code shown on this page, then type its code")
        secret = cipher.decrypt("app_user", "totp_secret", user.id, user.totp_secret)
        step = totp.matching_step(secret, code or "", now, user.totp_last_step)
        if step is None:
            raise EnrolmentError(
                "the code does not match: type the 6 digits your authenticator shows now"
            )
    if password_hash is not None:
        user.password_hash = password_hash
        user.password_changed_at = now
        user.password_must_change = False
        audit.record(
            session, None, "user_changed", "app_user", [user.id], {"change": "password_set"},
            remote_addr, user_id=user.id, now=now,
        )  # fmt: skip
    if step is not None:
        user.totp_last_step = step
        user.totp_confirmed_at = now
        audit.record(
            session, None, "user_changed", "app_user", [user.id], {"change": "totp_confirmed"},
            remote_addr, user_id=user.id, now=now,
        )  # fmt: skip
    user.setup_token_hash = user.setup_expires_at = None
    session.flush()
    return user
