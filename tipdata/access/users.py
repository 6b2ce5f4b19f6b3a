"""User administration: the services behind ``tipdata users add|disable|grant|list``.

Every change is audited. ``actor=None`` means the local operator at the command
line (who already holds the server); otherwise the actor needs ``users:manage``,
or is changing their own password. Nobody changes their own role.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.clock import now_utc
from tipdata.access.crypto import FieldCipher
from tipdata.access.errors import AccessDenied, AuthenticationError
from tipdata.access.passwords import Passwords
from tipdata.access.policy import Actor, Policy, authorize, default_policy
from tipdata.access.sessions import hash_token, revoke_api_tokens, revoke_user_sessions
from tipdata.access.throttle import Throttle
from tipdata.access.totp import new_totp_secret, provisioning_uri
from tipdata.errors import TipdataError
from tipdata.store.access import AppUser, Role
from tipdata.store.base import MAX_INTEGER
from tipdata.store.reference import Agency, Province

SETUP_LINK_LIFETIME = timedelta(hours=72)
"""How long a set-password link works."""
SETUP_TOKEN_PREFIX = "tdp_"


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
    awaiting_approval: bool = False
    agency_code: str = ""
    agency_name: str = ""
    province_name: str | None = None
    must_change_password: bool = False


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


USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
"""A username: 2 to 64 ASCII letters, digits, dots, underscores and hyphens."""


def check_username(username: str) -> str:
    """Refuse a username that could pass for another or break a log line.

    Only ASCII letters, digits, ``.``, ``_`` and ``-`` (2 to 64, starting with a letter or
    digit): no look-alike letters from other scripts (Cyrillic ``а`` in ``аdmin``), no
    full-width or compatibility forms that NFKC folds into another name, no spaces,
    control characters, CR or LF.

    Returns:
        The username, unchanged.

    Raises:
        UserError: the username breaks the rule (the message shows it escaped).
    """
    if unicodedata.normalize("NFKC", username) != username or not USERNAME_PATTERN.fullmatch(
        username
    ):
        raise UserError(
            f"username {username!a} refused: use 2 to 64 ASCII letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return username


def _manage(actor: Actor | None) -> None:
    if actor is not None:
        authorize(actor, "users:manage")


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
    password: str | None,
    passwords: Passwords,
    policy: Policy | None = None,
    remote_addr: str | None = None,
    password_must_change: bool = False,
) -> AppUser:
    """Add a user with a role, an agency and (for provincial roles) a province.

    The agency and the province must agree: a user of a provincial agency (a provincial
    department, a working group) belongs to that agency's province, which is taken when
    none is given. ``password_must_change`` (with a password): the user must choose their
    own at the first sign-in (the CLI sets it: the operator chose this one).

    The local operator (``actor=None``) may give a first password. An administrator
    never does (it would know a usable password): the account gets none, and the user
    sets one through a one-time link (:func:`issue_setup_link`). An account whose role
    reaches victim data (any scope but ``none``) made by an administrator starts
    disabled until a second administrator enables it (:func:`approve_user`), so nobody
    gives themselves data access alone.

    Raises:
        AccessDenied: the actor lacks ``users:manage``; or the role is unknown.
        UserError: the username is refused or taken, a provincial role has no province,
            or an administrator gave a password.
        WeakPasswordError: the password breaks the policy.
    """
    _manage(actor)
    if actor is not None and password is not None:
        raise UserError(
            "an administrator does not choose passwords: the user sets one with a set-password link"
        )
    policy = policy or default_policy()
    role_row = _role(session, role, policy)
    _check_agency_and_province(session, agency_id, province_code)
    agency_province = session.scalar(sa.select(Agency.province_code).where(Agency.id == agency_id))
    if agency_province is not None and province_code not in (None, agency_province):
        raise UserError(
            f"the agency belongs to province {agency_province}, not {province_code}: "
            "choose the agency's province or another agency"
        )
    if province_code is None and policy.role(role).scope == "province":
        province_code = agency_province
    if policy.role(role).scope == "province" and province_code is None:
        raise UserError(f"role {role} needs a province")
    check_username(username)
    taken = sa.func.lower(AppUser.username) == username.lower()
    if session.scalar(sa.select(AppUser.id).where(taken)) is not None:
        raise UserError(f"user {username!r} exists already (usernames ignore case)")
    user = AppUser(
        username=username,
        display_name=display_name,
        role_id=role_row.id,
        agency_id=agency_id,
        province_code=province_code,
        password_hash=passwords.hash(password, username) if password is not None else None,
        password_changed_at=now_utc() if password is not None else None,
        password_must_change=password is not None and password_must_change,
        active=actor is None or not has_data_access(policy, role),
        requested_by_id=actor.user_id if actor is not None else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user_created", "app_user", [user.id],
        {"username": username, "role": role, "agency_id": agency_id,
         "province": province_code, "awaiting_approval": not user.active},
        remote_addr,
    )  # fmt: skip
    return user


def has_data_access(policy: Policy, role: str) -> bool:
    """Whether a role reaches records of victims or suspects (any scope but ``none``)."""
    return policy.role(role).scope != "none"


def issue_setup_link(
    session: Session,
    actor: Actor | None,
    username: str,
    *,
    policy: Policy | None = None,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> str:
    """Make a one-time set-password token for an account without data access (audited).

    The account's password is cleared and its sessions and tokens end; the token is
    valid for :data:`SETUP_LINK_LIFETIME` and only its SHA-256 is kept. Hand the link
    (``/account/setup/<token>``) to the user out of band. For an account with data
    access only :func:`approve_user` issues the link (to the second administrator).

    Returns:
        The token.

    Raises:
        AccessDenied: the actor lacks ``users:manage``, or the account has data access.
        UserError: no such user.
    """
    _manage(actor)
    policy = policy or default_policy()
    now = now or now_utc()
    user = _user(session, username)
    if actor is not None and has_data_access(policy, user.role.code):
        raise AccessDenied(
            "users:manage",
            "an account with data access gets its link only from the approving administrator",
        )
    token = _new_setup(session, user, now)
    audit.record(
        session, actor, "user_changed", "app_user", [user.id], {"change": "setup_link"},
        remote_addr, now=now,
    )  # fmt: skip
    return token


def approve_user(
    session: Session,
    actor: Actor | None,
    username: str,
    *,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> str:
    """Enable an account awaiting approval and issue its set-password link (audited).

    The approver is a second administrator: never the one who requested the account (or
    its data-access role), never the account itself. The link goes to the approver, so
    the requester never holds a way into the account.

    Returns:
        The set-password token.

    Raises:
        AccessDenied: the actor lacks ``users:manage`` or requested the account.
        UserError: no such user, or it is not awaiting approval.
    """
    _manage(actor)
    now = now or now_utc()
    user = _user(session, username)
    if user.active or user.requested_by_id is None or user.approved_by_id is not None:
        raise UserError(f"user {username!r} is not awaiting approval")
    if actor is not None and actor.user_id in (user.requested_by_id, user.id):
        raise AccessDenied(
            "users:manage", "a second administrator must approve the account you requested"
        )
    user.active = True
    user.disabled_at = None
    user.approved_by_id = actor.user_id if actor is not None else None
    token = _new_setup(session, user, now)
    audit.record(
        session, actor, "user_changed", "app_user", [user.id],
        {"change": "approved", "requested_by": user.requested_by_id}, remote_addr, now=now,
    )  # fmt: skip
    return token


def _new_setup(session: Session, user: AppUser, now: datetime) -> str:
    """Clear the password, end sessions and tokens, and store a new link's token hash."""
    token = SETUP_TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.password_hash = None
    user.setup_token_hash = hash_token(token)
    user.setup_expires_at = now + SETUP_LINK_LIFETIME
    revoke_user_sessions(session, user.id, now)
    revoke_api_tokens(session, user.id, now)
    session.flush()
    return token


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


def _check_agency_and_province(
    session: Session, agency_id: int | None, province_code: str | None
) -> None:
    """Refuse an unknown agency or province before any row is written (review finding 10).

    Raises:
        UserError: no agency with this id, or no province with this code.
    """
    if agency_id is not None and (
        not 1 <= agency_id <= MAX_INTEGER  # a number past INTEGER fails on PostgreSQL
        or session.scalar(sa.select(Agency.id).where(Agency.id == agency_id)) is None
    ):
        raise UserError(f"there is no agency {agency_id}")
    if province_code is not None and (
        session.scalar(sa.select(Province.code).where(Province.code == province_code)) is None
    ):
        raise UserError(f"there is no province {province_code!r} (see `tipdata codelists check`)")


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
    """Give a user another role (a user holds one role); their sessions and API tokens end.

    An administrator granting a role with data access puts the account back to awaiting
    approval by a second administrator, with no password (see :func:`approve_user`).

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
        _check_agency_and_province(session, None, province_code)
        agency_province = session.scalar(
            sa.select(Agency.province_code).where(Agency.id == user.agency_id)
        )
        if agency_province not in (None, province_code):
            raise UserError(
                f"the user's agency belongs to province {agency_province}, not {province_code}"
            )
        user.province_code = province_code
    if policy.role(role).scope == "province" and user.province_code is None:
        raise UserError(f"role {role} needs a province")
    previous = user.role.code
    user.role_id = role_row.id
    now = now_utc()
    awaiting = actor is not None and has_data_access(policy, role)
    if awaiting:  # data access only through a second administrator, with a fresh password
        user.active, user.disabled_at = False, now
        user.requested_by_id, user.approved_by_id = actor.user_id if actor else None, None
        user.password_hash = user.setup_token_hash = user.setup_expires_at = None
    session.flush()
    session.refresh(user)
    revoke_user_sessions(session, user.id, now)
    tokens = revoke_api_tokens(session, user.id, now)  # a token never outlives a role change
    audit.record(
        session, actor, "role_granted", "app_user", [user.id],
        {"from": previous, "to": role, "province": user.province_code,
         "tokens_revoked": tokens, "awaiting_approval": awaiting},
        remote_addr,
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
    agencies = {
        agency_id: (code, name)
        for agency_id, code, name in session.execute(sa.select(Agency.id, Agency.code, Agency.name))
    }
    provinces = {
        code: name for code, name in session.execute(sa.select(Province.code, Province.name_en))
    }
    return [
        UserSummary(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role.code,
            agency_id=u.agency_id,
            province_code=u.province_code,
            active=u.active,
            totp_enrolled=u.totp_secret is not None and u.totp_confirmed_at is not None,
            locked=throttle.locked(session, u.username),
            awaiting_approval=not u.active
            and u.requested_by_id is not None
            and u.approved_by_id is None,
            agency_code=agencies[u.agency_id][0],
            agency_name=agencies[u.agency_id][1],
            province_name=provinces.get(u.province_code) if u.province_code else None,
            must_change_password=u.password_must_change,
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

    A user changing their own password must give the current one; only the local
    operator (``actor=None``) sets another user's password. An administrator issues a
    set-password link instead (:func:`issue_setup_link`), so it never knows one.

    Raises:
        AccessDenied: not permitted.
        AuthenticationError: the current password is wrong.
        WeakPasswordError: the new password breaks the policy.
    """
    user = _user(session, username)
    if actor is not None and actor.user_id == user.id:
        if not passwords.verify(user.password_hash, current_password or ""):
            raise AuthenticationError("the current password is wrong")
    elif actor is not None:
        raise AccessDenied(
            "users:manage",
            "nobody sets another user's password: issue a set-password link instead",
        )
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
    user.totp_confirmed_at = now_utc()  # handed over by the operator, out of band
    audit.record(
        session, actor, "user_changed", "app_user", [user.id], {"change": "totp_enrolled"},
        remote_addr,
    )  # fmt: skip
    return provisioning_uri(secret, username)
