"""Login throttling keyed on (username, source address), with exponential backoff.

Keyed on the pair, an attacker guessing one user's password from one address
only slows down that address: the real user signing in from elsewhere is never
locked out. Unknown usernames are throttled exactly like known ones, so the
throttle reveals nothing about which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tipdata.access.clock import as_utc
from tipdata.access.errors import LoginThrottled
from tipdata.settings import Settings
from tipdata.store.access import LoginThrottle

UNKNOWN_ADDRESS = "unknown"


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

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        """The rules configured in the ``TIPDATA_LOGIN_*`` settings."""
        return cls(
            settings.login_free_failures,
            settings.login_backoff_seconds,
            settings.login_backoff_max_seconds,
        )

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
        """Forget the pair's failures after a successful sign-in."""
        session.execute(
            sa.delete(LoginThrottle).where(
                LoginThrottle.username == _key(username),
                LoginThrottle.remote_addr == _address(remote_addr),
            )
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
