"""Time helpers: every comparison in access control is in aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """The moment as an aware UTC datetime (SQLite returns naive UTC datetimes)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
