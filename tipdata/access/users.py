"""User administration: the services behind ``tipdata users add|disable|grant|list``.

Every change is audited. ``actor=None`` means the local operator at the command
line (who already holds the server); otherwise the actor needs ``users:manage``,
or is changing their own password. Nobody changes their own role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.clock import now_utc
from tipdata.access.crypto import FieldCipher
from tipdata.access.errors import AccessDenied, AuthenticationError
from tipdata.access.passwords import Passwords
from tipdata.access.policy import Actor, Policy, default_policy, require
from tipdata.access.sessions import revoke_api_tokens, revoke_user_sessions
from tipdata.access.throttle import Throttle
from tipdata.access.totp import new_totp_secret, provisioning_uri
from tipdata.errors import TipdataError
from tipdata.store.access import AppUser, Role


class UserError(TipdataError):
    """A user cannot be added or changed as asked (duplicate, unknown, not allowed)."""


@dataclass(frozen=True)
class UserSummary:
    """A user as listed to administrators: no password hash, no TOTP secret."""

    id: int
    username: str
    display_name: str
    role: str
    agency_id: int
    province_code: str | None
    active: bool
    totp_enrolled: bool
    locked: bool = False


def sync_roles(session: Session, policy: Policy | None = None) -> int:
    """Create or update ``role`` rows from the policy; returns how many were added."""
    policy = policy or default_policy()
    existing = {role.code: role for role in session.scalars(sa.select(Role))}
    added = 0
    for code, definition in policy.roles.items():
        row = existing.get(code)
        if row is None:
            session.add(Role(code=code, name=definition.name, description=definition.description))
            added += 1
        else:
            row.name, row.description = definition.name, definition.description
    session.flush()
    return added


def _manage(actor: Actor | None) -> None:
    if actor is not None:
        require(actor, "users:manage")


def _user(session: Session, username: str) -> AppUser:
    user = session.scalar(sa.select(AppUser).where(AppUser.username == username))
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def _role(session: Session, code: str, policy: Policy) -> Role:
    policy.role(code)
    sync_roles(session, policy)
    role = session.scalar(sa.select(Role).where(Role.code == code))
    assert role is not None
    return role


def add_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    display_name: str,
    role: str,
    agency_id: int,
    province_code: str | None,
    password: str,
    passwords: Passwords,
    policy: Policy | None = None,
    remote_addr: str | None = None,
) -> AppUser:
    """Add a user with a role, an agency and (for provincial roles) a province.

    Raises:
        AccessDenied: the actor lacks ``users:manage``; or the role is unknown.
        UserError: the username is taken, or a provincial role has no province.
        WeakPasswordError: the password breaks the policy.
    """
    _manage(actor)
    policy = policy or default_policy()
    role_row = _role(session, role, policy)
    if policy.role(role).scope == "province" and province_code is None:
        raise UserError(f"role {role} needs a province")
    if session.scalar(sa.select(AppUser.id).where(AppUser.username == username)) is not None:
        raise UserError(f"user {username!r} exists already")
    user = AppUser(
        username=username,
        display_name=display_name,
        role_id=role_row.id,
        agency_id=agency_id,
        province_code=province_code,
        password_hash=passwords.hash(password, username),
        password_changed_at=now_utc(),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user_created", "app_user", [user.id],
        {"username": username, "role": role, "agency_id": agency_id,
         "province": province_code},
        remote_addr,
    )  # fmt: skip
    return user


def disable_user(
    session: Session,
    actor: Actor | None,
    username: str,
    *,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> AppUser:
    """Disable an account and revoke its sessions and API tokens at once.

    Raises:
        AccessDenied: the actor lacks ``users:manage``.
        UserError: no such user.
    """
    _manage(actor)
    now = now or now_utc()
    user = _user(session, username)
    user.active = False
    user.disabled_at = now
    sessions = revoke_user_sessions(session, user.id, now)
    tokens = revoke_api_tokens(session, user.id, now)
    audit.record(
        session, actor, "user_changed", "app_user", [user.id],
        {"change": "disabled", "sessions_revoked": sessions, "tokens_revoked": tokens},
        remote_addr, now=now,
    )  # fmt: skip
    return user


def grant_role(
    session: Session,
    actor: Actor | None,
    username: str,
    role: str,
    *,
    province_code: str | None = None,
    policy: Policy | None = None,
    remote_addr: str | None = None,
) -> AppUser:
    """Give a user another role (a user holds one role); their sessions end.

    Raises:
        AccessDenied: the actor lacks ``users:manage`` or changes their own role.
        UserError: no such user, or a provincial role without a province.
    """
    _manage(actor)
    policy = policy or default_policy()
    user = _user(session, username)
    if actor is not None and actor.user_id == user.id:
        raise AccessDenied("users:manage", "nobody may change their own role")
    role_row = _role(session, role, policy)
    if province_code is not None:
        user.province_code = province_code
    if policy.role(role).scope == "province" and user.province_code is None:
        raise UserError(f"role {role} needs a province")
    previous = user.role.code
    user.role_id = role_row.id
    session.flush()
    session.refresh(user)
    revoke_user_sessions(session, user.id, now_utc())
    audit.record(
        session, actor, "role_granted", "app_user", [user.id],
        {"from": previous, "to": role, "province": user.province_code}, remote_addr,
    )  # fmt: skip
    return user


def list_users(
    session: Session, actor: Actor | None, throttle: Throttle | None = None
) -> list[UserSummary]:
    """Every user, by username (``locked``: too many failed sign-ins, see :class:`Throttle`).

    Raises:
        AccessDenied: the actor lacks ``users:manage``.
    """
    _manage(actor)
    throttle = throttle or Throttle()
    users = session.scalars(sa.select(AppUser).order_by(AppUser.username))
    return [
        UserSummary(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role.code,
            agency_id=u.agency_id,
            province_code=u.province_code,
            active=u.active,
            totp_enrolled=u.totp_secret is not None,
            locked=throttle.locked(session, u.username),
        )
        for u in users
    ]


def unlock_user(
    session: Session,
    actor: Actor | None,
    username: str,
    throttle: Throttle | None = None,
    *,
    remote_addr: str | None = None,
) -> int:
    """Unlock an account locked after too many failed sign-ins (audited).

    Returns:
        How many failure counters were cleared (0: it was not locked).

    Raises:
        AccessDenied: the actor lacks ``users:manage``.
        UserError: no such user.
    """
    _manage(actor)
    user = _user(session, username)
    cleared = (throttle or Throttle()).unlock(session, username)
    audit.record(
        session, actor, "user_changed", "app_user", [user.id],
        {"change": "unlocked", "counters_cleared": cleared}, remote_addr,
    )  # fmt: skip
    return cleared


def set_password(
    session: Session,
    actor: Actor | None,
    username: str,
    new_password: str,
    passwords: Passwords,
    *,
    current_password: str | None = None,
    remote_addr: str | None = None,
) -> None:
    """Set a user's password; every session of the user ends.

    A user changing their own password must give the current one; anyone else
    needs ``users:manage``.

    Raises:
        AccessDenied: not permitted.
        AuthenticationError: the current password is wrong.
        WeakPasswordError: the new password breaks the policy.
    """
    user = _user(session, username)
    if actor is not None and actor.user_id == user.id:
        if not passwords.verify(user.password_hash, current_password or ""):
            raise AuthenticationError()
    else:
        _manage(actor)
    now = now_utc()
    user.password_hash = passwords.hash(new_password, username)
    user.password_changed_at = now
    revoked = revoke_user_sessions(session, user.id, now)
    audit.record(
        session, actor, "user_changed", "app_user", [user.id],
        {"change": "password", "sessions_revoked": revoked}, remote_addr,
    )  # fmt: skip


def enable_totp(
    session: Session,
    actor: Actor | None,
    username: str,
    cipher: FieldCipher,
    *,
    remote_addr: str | None = None,
) -> str:
    """Give a user a new TOTP secret (stored encrypted) and return its ``otpauth://`` URI.

    Hand the URI (or its QR code) to the user out of band; it is not shown again.

    Raises:
        AccessDenied: the actor lacks ``users:manage``.
    """
    _manage(actor)
    user = _user(session, username)
    secret = new_totp_secret()
    user.totp_secret = cipher.encrypt("app_user", "totp_secret", user.id, secret)
    user.totp_last_step = None
    audit.record(
        session, actor, "user_changed", "app_user", [user.id], {"change": "totp_enrolled"},
        remote_addr,
    )  # fmt: skip
    return provisioning_uri(secret, username)
