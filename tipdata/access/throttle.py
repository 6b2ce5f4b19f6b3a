"""Login throttling: backoff per (username, source address), a lockout per account.

Keyed on the pair, an attacker guessing one user's password from one address
only slows down that address. An attacker with many addresses (or guessing the
second factor) meets the per-account ceiling instead: after
``account_max_failures`` failures in a row from anywhere the account is locked
until an administrator unlocks it (``tipdata users unlock``, the users page).
Unknown usernames are throttled and locked exactly like known ones, so the
throttle reveals nothing about which accounts exist.

:meth:`Throttle.attempt` counts an attempt *before* the password is checked, in
one atomic statement per counter committed at once, so parallel attempts cannot
all pass the check before the first failure is written; a success resets both
counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tipdata.access.clock import as_utc
from tipdata.access.errors import AccountLocked, LoginThrottled
from tipdata.settings import Settings
from tipdata.store.access import LoginThrottle

UNKNOWN_ADDRESS = "unknown"
ACCOUNT = "*account*"
"""The ``remote_addr`` of the row counting an account's failures from every address."""


@dataclass(frozen=True)
class Throttle:
    """Backoff rules.

    Attributes:
        free_failures: failures allowed before any wait.
        base_seconds: the first wait; it doubles with each further failure.
        max_seconds: the longest wait.
    """

    free_failures: int = 3
    base_seconds: float = 2.0
    max_seconds: float = 900.0
    account_max_failures: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        """The rules configured in the ``TIPDATA_LOGIN_*`` settings."""
        return cls(
            settings.login_free_failures,
            settings.login_backoff_seconds,
            settings.login_backoff_max_seconds,
            settings.login_account_max_failures,
        )

    def attempt(
        self, session: Session, username: str, remote_addr: str | None, now: datetime
    ) -> None:
        """Count one sign-in attempt before it is evaluated, or refuse it.

        The attempt counts as a failure of the pair and of the account until
        :meth:`succeeded` resets them. Each counter moves in one ``INSERT ... ON
        CONFLICT DO UPDATE`` that also reads the state it replaced, so of many parallel
        attempts only those the rules allow get through. The caller commits at once,
        before checking the password.

        Raises:
            AccountLocked: the account reached ``account_max_failures``.
            LoginThrottled: the pair must still wait.
        """
        key = _key(username)
        account_failures, _ = _count(session, key, ACCOUNT, now, None)
        if account_failures > self.account_max_failures:
            raise AccountLocked()
        failures, blocked_until = _count(session, key, _address(remote_addr), now, now)
        if blocked_until is not None:
            _uncount(session, key, ACCOUNT)  # refused, not evaluated
            raise LoginThrottled((as_utc(blocked_until) - as_utc(now)).total_seconds())
        delay = self.delay_after(failures)
        address = _address(remote_addr)
        session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.username == key, LoginThrottle.remote_addr == address)
            .values(blocked_until=now + timedelta(seconds=delay) if delay else None)
        )

    def locked(self, session: Session, username: str) -> bool:
        """Whether the account is locked after too many failures."""
        failures = session.scalar(
            sa.select(LoginThrottle.failures).where(
                LoginThrottle.username == _key(username), LoginThrottle.remote_addr == ACCOUNT
            )
        )
        return failures is not None and failures >= self.account_max_failures

    def unlock(self, session: Session, username: str) -> int:
        """Forget every failure of an account, from every address (an administrator's unlock).

        Returns:
            How many counters were cleared.
        """
        result = session.execute(
            sa.delete(LoginThrottle).where(LoginThrottle.username == _key(username))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after this many consecutive failures."""
        excess = failures - self.free_failures
        if excess <= 0:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2 ** min(excess - 1, 40))

    def check(
        self, session: Session, username: str, remote_addr: str | None, now: datetime
    ) -> None:
        """Raise if this pair must still wait.

        Raises:
            LoginThrottled: with the seconds left to wait.
        """
        row = _row(session, username, remote_addr)
        if row is not None and row.blocked_until is not None:
            left = (as_utc(row.blocked_until) - as_utc(now)).total_seconds()
            if left > 0:
                raise LoginThrottled(left)

    def failed(
        self, session: Session, username: str, remote_addr: str | None, now: datetime
    ) -> None:
        """Count a failure for the pair and set when the next attempt is allowed.

        One atomic upsert (``INSERT ... ON CONFLICT DO UPDATE``), so concurrent failures
        of the same pair each count once instead of colliding on the unique constraint.
        """
        key, address = _key(username), _address(remote_addr)
        insert = _dialect_insert(session)
        counted = (
            insert(LoginThrottle)
            .values(username=key, remote_addr=address, failures=1, last_failure_at=now)
            .on_conflict_do_update(
                index_elements=["username", "remote_addr"],
                set_={"failures": LoginThrottle.failures + 1, "last_failure_at": now},
            )
            .returning(LoginThrottle.failures)
        )
        failures = session.execute(counted).scalar_one()
        delay = self.delay_after(failures)
        session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.username == key, LoginThrottle.remote_addr == address)
            .values(
                failures=failures,  # also refreshes a row this session loaded before
                blocked_until=now + timedelta(seconds=delay) if delay else None,
            )
        )

    def succeeded(self, session: Session, username: str, remote_addr: str | None) -> None:
        """Forget the pair's and the account's failures after a successful sign-in."""
        session.execute(
            sa.delete(LoginThrottle).where(
                LoginThrottle.username == _key(username),
                LoginThrottle.remote_addr.in_([_address(remote_addr), ACCOUNT]),
            )
        )


def _count(
    session: Session, key: str, address: str, now: datetime, blocked_check: datetime | None
) -> tuple[int, datetime | None]:
    """Add one failure to a counter atomically, unless it is blocked at ``blocked_check``.

    Returns:
        The failures after counting, and the time the counter is blocked until if it was
        blocked (then nothing was added).
    """
    blocked = (
        sa.and_(
            LoginThrottle.blocked_until.is_not(None), LoginThrottle.blocked_until > blocked_check
        )
        if blocked_check is not None
        else sa.false()
    )
    insert = _dialect_insert(session)
    counted = (
        insert(LoginThrottle)
        .values(username=key, remote_addr=address, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=["username", "remote_addr"],
            set_={
                "failures": sa.case(
                    (blocked, LoginThrottle.failures), else_=LoginThrottle.failures + 1
                ),
                "last_failure_at": now,
            },
        )
        .returning(LoginThrottle.failures, LoginThrottle.blocked_until)
    )
    failures, blocked_until = session.execute(counted).one()
    if (
        blocked_until is not None
        and blocked_check is not None
        and as_utc(blocked_until) > as_utc(blocked_check)
    ):
        return failures, blocked_until
    return failures, None


def _uncount(session: Session, key: str, address: str) -> None:
    session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.username == key, LoginThrottle.remote_addr == address)
        .values(failures=LoginThrottle.failures - 1)
    )


def _dialect_insert(session: Session) -> Any:
    """The ``insert`` of the session's dialect, which has ``on_conflict_do_update``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def _key(username: str) -> str:
    return username.strip().casefold()[:100]


def _address(remote_addr: str | None) -> str:
    return (remote_addr or UNKNOWN_ADDRESS)[:64]


def _row(session: Session, username: str, remote_addr: str | None) -> LoginThrottle | None:
    return session.scalar(
        sa.select(LoginThrottle).where(
            LoginThrottle.username == _key(username),
            LoginThrottle.remote_addr == _address(remote_addr),
        )
    )
