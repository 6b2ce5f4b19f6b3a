"""Concurrent writers on SQLite are served, not answered 503 "database busy" (review 18).

A real uvicorn server on SQLite; another writer (a maintenance job, the CLI) holds the
database's write lock longer than one connection waits for it (the wait is shortened
here so the test is quick), while several clients save reports at the same moment.
Each request whose unit of work lost the lock is rolled back and run again with backoff
(:mod:`tipdata.web.retry`): every save succeeds, and each is stored once.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest
import sqlalchemy as sa

from tests.web.conftest import WebUser
from tests.web.test_provincial_web import PERIOD, VALUES, live_url
from tipdata.store import database
from tipdata.store.reports import ProvincialReport
from tipdata.system import System

__all__ = ["live_url"]  # fixture used below

PROVINCES = ["01", "02", "03", "04", "05", "06", "08", "12"]


@pytest.fixture(autouse=True)
def short_lock_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each connection waits 50 ms for the write lock (10 s in production)."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)


def hold_write_lock(path: str, seconds: float, taken: threading.Event) -> None:
    """Another process's writer: BEGIN IMMEDIATE, keep the lock, then commit."""
    other = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        other.execute("COMMIT")
    finally:
        other.close()


def test_concurrent_writers_behind_a_held_lock_all_succeed_once(
    live_url: str, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    if pwg_system.db.dialect != "sqlite":
        pytest.skip("SQLite has one writer at a time; PostgreSQL locks rows")
    token = pwg_users["officer"].api_token
    taken = threading.Event()
    locker = threading.Thread(target=hold_write_lock, args=(pwg_system.db.url.database, 3.0, taken))
    locker.start()
    assert taken.wait(10)
    barrier = threading.Barrier(len(PROVINCES))
    statuses: dict[str, int] = {}

    def save(province: str) -> None:
        with httpx.Client(base_url=live_url, timeout=60) as http:
            barrier.wait()
            response = http.put(
                f"/api/v1/provincial/submissions/{province}/{PERIOD}",
                json={"values": VALUES}, headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
            statuses[province] = response.status_code

    writers = [threading.Thread(target=save, args=(p,)) for p in PROVINCES]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=90)
    locker.join(timeout=10)
    assert statuses == dict.fromkeys(PROVINCES, 200)
    with pwg_system.db.session() as session:
        stored = session.scalars(
            sa.select(ProvincialReport.province_code).order_by(ProvincialReport.province_code)
        ).all()
    assert stored == sorted(PROVINCES)  # each once: a retried save is not stored twice
