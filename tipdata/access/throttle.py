"""Login throttling keyed on (username, source address), with exponential backoff.

Keyed on the pair, an attacker guessing one user's password from one address
only slows down that address: the real user signing in from elsewhere is never
locked out. Unknown usernames are throttled exactly like known ones, so the
throttle reveals nothing about which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
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
        """Count a failure for the pair and set when the next attempt is allowed."""
        row = _row(session, username, remote_addr)
        if row is None:
            row = LoginThrottle(username=_key(username), remote_addr=_address(remote_addr))
            session.add(row)
        row.failures = (row.failures or 0) + 1
        row.last_failure_at = now
        delay = self.delay_after(row.failures)
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
        session.flush()

    def succeeded(self, session: Session, username: str, remote_addr: str | None) -> None:
        """Forget the pair's failures after a successful sign-in."""
        session.execute(
            sa.delete(LoginThrottle).where(
                LoginThrottle.username == _key(username),
                LoginThrottle.remote_addr == _address(remote_addr),
            )
        )


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
