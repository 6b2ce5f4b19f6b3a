"""API tokens: issue, list and revoke, each audited; tokens expire and end at a role change.

A user issues tokens for themselves (the web API) and the local operator for anyone (the
CLI); an administrator never issues one for someone else, which would hand it a way into
the account, but lists and revokes anyone's. A token is shown once; only its SHA-256 is
kept. Every token of a user is revoked when the user's role changes, is disabled or
their account is reset (:mod:`tipdata.access.users`), so a token never carries a role its
holder no longer has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.clock import as_utc, now_utc
from tipdata.access.errors import AccessDenied
from tipdata.access.policy import Actor, can
from tipdata.access.sessions import API_TOKEN_LIFETIME, create_api_token, token_expiry
from tipdata.errors import TipdataError
from tipdata.store.access import ApiToken, AppUser

MAX_TOKEN_DAYS = 365
DEFAULT_TOKEN_DAYS = API_TOKEN_LIFETIME.days
"""The lifetime of a token issued without one, on every front (90 days)."""
MAX_LIFETIME = timedelta(days=MAX_TOKEN_DAYS)
"""The longest lifetime a token may be issued for."""
MAX_NAME = 100


class TokenError(TipdataError):
    """A token cannot be issued or revoked as asked (unknown user or token, bad lifetime)."""


@dataclass(frozen=True)
class TokenSummary:
    """An API token as listed: never the token itself.

    Attributes:
        id: the token's id (to revoke it).
        username: whose it is.
        name: what it is for.
        created_at: when it was issued.
        expires_at: when it stops working.
        last_used_at: when it was last used, if ever.
        state: ``live``, ``expired`` or ``revoked``.
    """

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    state: str


def parse_token_days(text: str) -> timedelta:
    """A token's lifetime typed as a number of days (1 to 365).

    Raises:
        TokenError: not a whole number of days from 1 to 365.

    Examples:
        >>> parse_token_days(" 30 ")
        datetime.timedelta(days=30)
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_TOKEN_DAYS):
        raise TokenError("a token lives from 1 to 365 days")
    return timedelta(days=int(text))


def issue_token(
    session: Session,
    actor: Actor | None,
    username: str,
    name: str,
    *,
    lifetime: timedelta = API_TOKEN_LIFETIME,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> tuple[int, str]:
    """Issue a token for a user: yourself, or anyone for the local operator (audited).

    Returns:
        The token's id and the token (shown once).

    Raises:
        AccessDenied: an actor asked for someone else's token.
        TokenError: no such active user, a lifetime outside 1 day to 365 days, or no
            name (or one over 100 characters).
    """
    now = now or now_utc()
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise TokenError("give the token a name of 1 to 100 characters")
    user = session.scalar(sa.select(AppUser).where(AppUser.username == username))
    if actor is not None and (user is None or actor.user_id != user.id):
        raise AccessDenied("users:manage", "nobody issues an API token for someone else")
    if user is None or not user.active:
        raise TokenError(f"no active user {username!r}")
    if not timedelta(days=1) <= lifetime <= MAX_LIFETIME:
        raise TokenError("a token lives from 1 to 365 days")
    token = create_api_token(session, user.id, name, now, lifetime)
    token_id = session.scalars(
        sa.select(ApiToken.id).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).first()
    assert token_id is not None
    audit.record(
        session, actor, "user_changed", "app_user", [user.id],
        {"change": "token_issued", "token_id": token_id, "days": lifetime.days}, remote_addr,
        now=now,
    )  # fmt: skip
    return token_id, token


def list_tokens(
    session: Session, actor: Actor | None, *, now: datetime | None = None
) -> list[TokenSummary]:
    """Tokens, newest first: your own, or everyone's with ``users:manage`` (or the CLI)."""
    now = as_utc(now or now_utc())
    query = (
        sa.select(ApiToken, AppUser.username)
        .join(AppUser, AppUser.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())
    )
    if actor is not None and not can(actor, "users:manage"):
        query = query.where(ApiToken.user_id == actor.user_id)
    summaries = []
    for row, username in session.execute(query).tuples():
        expires = token_expiry(row)
        state = "revoked" if row.revoked_at else "expired" if expires <= now else "live"
        summaries.append(
            TokenSummary(
                row.id,
                username,
                row.name,
                as_utc(row.created_at),
                expires,
                as_utc(row.last_used_at) if row.last_used_at else None,
                state,
            )
        )
    return summaries


def revoke_token(
    session: Session,
    actor: Actor | None,
    token_id: int,
    *,
    remote_addr: str | None = None,
    now: datetime | None = None,
    only_own: bool = False,
) -> None:
    """Revoke one token: your own, or anyone's with ``users:manage`` (audited).

    ``only_own``: refuse another user's token even to an administrator (the account
    page, where each user manages only their own).

    Raises:
        TokenError: no such token among those the actor may see (the same answer whether
            it does not exist or belongs to someone else).
    """
    now = now or now_utc()
    row = session.get(ApiToken, token_id)
    mine = actor is None or (row is not None and row.user_id == actor.user_id)
    manager = actor is not None and can(actor, "users:manage") and not only_own
    if row is None or not (mine or manager):
        raise TokenError(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now
    audit.record(
        session, actor, "user_changed", "app_user", [row.user_id],
        {"change": "token_revoked", "token_id": row.id}, remote_addr, now=now,
    )  # fmt: skip


def revoke_own_token(
    session: Session, actor: Actor, token_id: int, *, remote_addr: str | None = None
) -> None:
    """Revoke one of the actor's own tokens (:func:`revoke_token` with ``only_own``).

    Raises:
        TokenError: no such token among the actor's own.
    """
    revoke_token(session, actor, token_id, remote_addr=remote_addr, only_own=True)
