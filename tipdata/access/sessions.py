"""Server-side web sessions and revocable API tokens.

The browser holds only an opaque random token (cookie options in
:data:`SESSION_COOKIE`); the database stores its SHA-256, so a copy of the
database does not let anyone sign in. Sessions end after an idle timeout and
an absolute timeout, and are revoked at logout, password change and account
disable (:func:`revoke_user_sessions`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.clock import as_utc
from tipdata.access.errors import SessionInvalid
from tipdata.settings import Settings
from tipdata.store.access import ApiToken, AppUser, Role, UserSession

SESSION_TOKEN_PREFIX = "tds_"
API_TOKEN_PREFIX = "tdt_"

SESSION_COOKIE: dict[str, object] = {
    "key": "tipdata_session",
    "httponly": True,
    "secure": True,
    "samesite": "strict",
    "path": "/",
}
"""Options for the session cookie (FastAPI ``response.set_cookie(**SESSION_COOKIE, value=...)``)."""


def hash_token(token: str) -> str:
    """The SHA-256 (hex) stored for a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionTimeouts:
    """How long a session lives: idle and absolute limits."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionTimeouts:
        """The timeouts configured in the ``TIPDATA_SESSION_*`` settings."""
        return cls(
            timedelta(minutes=settings.session_idle_minutes),
            timedelta(hours=settings.session_absolute_hours),
        )


def create_session(session: Session, user_id: int, remote_addr: str | None, now: datetime) -> str:
    """Start a web session for a signed-in user.

    Returns:
        The token for the cookie; it is not stored anywhere in clear.
    """
    token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=hash_token(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            remote_addr=(remote_addr or "")[:64] or None,
        )
    )
    session.flush()
    return token


def resolve_session(
    session: Session, token: str, timeouts: SessionTimeouts, now: datetime
) -> AppUser:
    """The user of a live session; refreshes its last-seen time.

    Raises:
        SessionInvalid: unknown, revoked, idle too long, too old, or the user is disabled.
    """
    row = session.scalar(sa.select(UserSession).where(UserSession.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        raise SessionInvalid()
    now = as_utc(now)
    expired = (
        now - as_utc(row.last_seen_at) > timeouts.idle
        or now - as_utc(row.created_at) > timeouts.absolute
    )
    user = session.get(AppUser, row.user_id)
    if expired or user is None or not user.active:
        row.revoked_at = row.revoked_at or now
        session.flush()
        raise SessionInvalid()
    row.last_seen_at = now
    session.flush()
    return user


def revoke_session(session: Session, token: str, now: datetime) -> bool:
    """End one session (logout). Returns whether a live session was revoked."""
    result = session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_user_sessions(session: Session, user_id: int, now: datetime) -> int:
    """End every live session of a user (password change, disable, role change).

    Returns:
        How many sessions were revoked.
    """
    result = session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


API_TOKEN_LIFETIME = timedelta(days=90)
"""How long an API token lives unless issued for less (tokens of before 0014 count from issue)."""


def create_api_token(
    session: Session,
    user_id: int,
    name: str,
    now: datetime,
    lifetime: timedelta = API_TOKEN_LIFETIME,
) -> str:
    """Issue a named API token for a user; it expires after ``lifetime``.

    Returns:
        The token, shown once; only its hash is kept.
    """
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            name=name[:100],
            user_id=user_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def token_expiry(row: ApiToken) -> datetime:
    """When a token expires (a token without an expiry counts from its issue)."""
    return as_utc(row.expires_at or as_utc(row.created_at) + API_TOKEN_LIFETIME)


LAST_USED_RESOLUTION = timedelta(minutes=1)
"""A token's last use is written at most this often: every API request would otherwise
write (SQLite serialises writers, so fifty readers of a stored release wait on each other)."""


def resolve_api_token(session: Session, token: str, now: datetime) -> AppUser:
    """The user of a live API token; records its last use (to the minute).

    Raises:
        SessionInvalid: unknown, revoked or expired token, or disabled user.
    """
    row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or token_expiry(row) <= as_utc(now):
        raise SessionInvalid()
    user = session.get(AppUser, row.user_id)
    if user is None or not user.active:
        raise SessionInvalid()
    last = row.last_used_at
    if last is None or as_utc(now) - as_utc(last) >= LAST_USED_RESOLUTION:
        row.last_used_at = now
        session.flush()
    return user


@dataclass(frozen=True)
class TokenHolder:
    """Who holds a live API token, as :func:`api_token_holder` reads it (no ORM row)."""

    user_id: int
    username: str
    role: str
    agency_id: int
    province_code: str | None


_TOKEN_HOLDER = (
    sa.select(
        ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.created_at,
        ApiToken.last_used_at, AppUser.id.label("user_id"), AppUser.username, AppUser.active,
        Role.code.label("role"), AppUser.agency_id, AppUser.province_code,
    )
    .join(AppUser, AppUser.id == ApiToken.user_id)
    .join(Role, Role.id == AppUser.role_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"))
)  # fmt: skip
"""One indexed read: the token, its user and the user's role."""


def api_token_holder(connection: sa.Connection, token: str, now: datetime) -> TokenHolder:
    """The holder of a live API token, in one read and no ORM session: what
    :func:`resolve_api_token` checks (revoked, expired, disabled user), on the path every
    API request takes. Nothing is cached: a token revoked anywhere (the web, the command
    line in another process) fails on the next request. Its last use is written at most
    once a minute (:data:`LAST_USED_RESOLUTION`).

    Raises:
        SessionInvalid: unknown, revoked or expired token, or disabled user.
    """
    row = connection.execute(_TOKEN_HOLDER, {"token_hash": hash_token(token)}).first()
    now = as_utc(now)
    if row is None or row.revoked_at is not None or not row.active:
        raise SessionInvalid()
    expires = as_utc(row.expires_at or as_utc(row.created_at) + API_TOKEN_LIFETIME)
    if expires <= now:
        raise SessionInvalid()
    if row.last_used_at is None or now - as_utc(row.last_used_at) >= LAST_USED_RESOLUTION:
        connection.execute(
            sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
        )
    return TokenHolder(row.user_id, row.username, row.role, row.agency_id, row.province_code)


def revoke_api_tokens(
    session: Session, user_id: int, now: datetime, name: str | None = None
) -> int:
    """Revoke a user's API tokens (all of them, or those with this name).

    Returns:
        How many tokens were revoked.
    """
    condition = sa.and_(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if name is not None:
        condition = sa.and_(condition, ApiToken.name == name)
    result = session.execute(sa.update(ApiToken).where(condition).values(revoked_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]
