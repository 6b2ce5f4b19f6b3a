"""Concurrent failed sign-ins of one (username, address) pair each count once, without errors.

Found by the web load benchmark: fifty browsers failing at once for the same pair made
the read-then-insert throttle collide on its unique constraint (HTTP 500 instead of 401).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import sqlalchemy as sa

from tipdata.access.throttle import Throttle
from tipdata.store import Database, LoginThrottle

NOW = datetime(2008, 3, 1, 9, 0, tzinfo=UTC)


def test_concurrent_failures_of_one_pair_all_count(db: Database) -> None:
    throttle = Throttle(free_failures=3, base_seconds=2.0, max_seconds=900.0)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def fail_once() -> None:
        try:
            with db.session() as session:
                throttle.check(session, "Dara", "10.0.0.7", NOW)  # reads the row first
                start.wait(timeout=10)
                throttle.failed(session, "Dara", "10.0.0.7", NOW)
        except BaseException as error:  # collected: the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=fail_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    with db.session() as session:
        row = session.scalars(sa.select(LoginThrottle)).one()
        assert (row.username, row.remote_addr, row.failures) == ("dara", "10.0.0.7", 6)
        assert row.blocked_until is not None  # 6 failures, 3 free: 8 s to wait


def test_failure_in_a_session_that_read_the_row_updates_it(db: Database) -> None:
    throttle = Throttle(free_failures=1, base_seconds=2.0, max_seconds=900.0)
    with db.session() as session:
        throttle.failed(session, "dara", None, NOW)
    with db.session() as session:
        throttle.check(session, "dara", None, NOW)  # loads the row: not blocked yet
        throttle.failed(session, "dara", None, NOW)
        row = session.scalars(sa.select(LoginThrottle)).one()
        assert (row.failures, row.remote_addr) == (2, "unknown")
        assert row.blocked_until is not None
