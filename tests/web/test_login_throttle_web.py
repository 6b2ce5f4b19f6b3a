"""Sign-in throttling cannot be dodged (issue 15, item 3), tested against a live server.

The review's attacks: forged ``X-Forwarded-For`` addresses from 127.0.0.1 were believed
(each guess got a fresh address, and the forged addresses were audited); 40 parallel
guesses from one address got 20 evaluated instead of about 4; and no per-account ceiling
let second-factor codes be guessed at 2.2 a second from many addresses.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from tests.web.conftest import FAST, WebUser, csrf_of, make_users
from tests.web.live import live_server, post_login, signed_in_client
from tipdata.access import Passwords
from tipdata.settings import load_settings
from tipdata.store import AuditEvent, Database
from tipdata.system import System
from tipdata.web import create_app


@pytest.fixture
def live_url(app: FastAPI, system: System, users: dict[str, WebUser]) -> Iterator[str]:
    """`tipdata serve`'s configuration with the default settings (no trusted proxy)."""
    with live_server(app, system) as url:
        yield url


@contextmanager
def _served(
    db: Database, home: Path, **settings: object
) -> Iterator[tuple[str, System, dict[str, WebUser]]]:
    system = System(settings=load_settings(home=home, database_url=str(db.url), **settings), _db=db)
    users = make_users(system.db, system)
    with live_server(create_app(system, passwords=Passwords(FAST)), system) as url:
        yield url, system, users


def _failure_addresses(db: Database) -> list[str | None]:
    with db.session() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.remote_addr).where(AuditEvent.action == "login_failure")
            )
        )


def test_forged_forwarded_addresses_do_not_reset_the_backoff(live_url: str, system: System) -> None:
    statuses = [
        post_login(
            live_url, "officer", "wrong password guess",
            headers={"X-Forwarded-For": f"203.0.113.{number}"},
        ).status_code
        for number in range(8)
    ]  # fmt: skip
    assert statuses == [401] * 4 + [429] * 4  # 3 free failures, then a wait
    assert set(_failure_addresses(system.db)) == {"127.0.0.1"}


def test_forty_parallel_guesses_from_one_address_get_about_four_evaluated(
    sqlite_db: Database, tmp_path: Path
) -> None:
    # a first wait of 5 minutes: the run cannot outlast it and let a fifth guess in
    with _served(sqlite_db, tmp_path, login_backoff_seconds=300) as (url, _system, _users):

        def guess(number: int) -> int:
            return post_login(url, "officer", f"wrong password {number:03d}").status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(guess, range(40)))
    assert statuses.count(401) == 4  # the 3 free failures and the one that sets the wait
    assert statuses.count(429) == 36


@pytest.fixture
def proxied(
    sqlite_db: Database, tmp_path: Path
) -> Iterator[tuple[str, System, dict[str, WebUser]]]:
    """A server behind a trusted proxy on 127.0.0.1, locking accounts after 5 failures."""
    with _served(
        sqlite_db, tmp_path, trusted_proxies="127.0.0.1", login_account_max_failures=5
    ) as served:
        yield served


def test_guessing_codes_from_many_addresses_locks_the_account_until_an_admin_unlocks_it(
    proxied: tuple[str, System, dict[str, WebUser]],
) -> None:
    url, system, users = proxied
    officer = users["officer"]
    statuses = [
        post_login(
            url, "officer", officer.password, f"{number:06d}",
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        ).status_code
        for number in range(8)
    ]  # fmt: skip
    assert statuses == [401] * 5 + [429] * 3
    locked = post_login(url, "officer", officer.password, officer.code())
    assert locked.status_code == 429
    assert "locked" in locked.text
    # the proxy is trusted: the forwarded client addresses are the ones audited
    assert "198.51.100.7" in _failure_addresses(system.db)

    admin = signed_in_client(url, users["admin"])
    page = admin.get("/admin/users")
    assert "locked" in page.text
    unlocked = admin.post("/admin/users/officer/unlock", data={"csrf_token": csrf_of(page.text)})
    assert unlocked.status_code == 303
    admin.close()
    assert post_login(url, "officer", officer.password, officer.code()).status_code == 303


def test_the_api_unlocks_and_lists_the_lock(
    proxied: tuple[str, System, dict[str, WebUser]],
) -> None:
    import httpx

    url, _system, users = proxied
    for number in range(6):
        post_login(
            url, "reader", "not the password", headers={"X-Forwarded-For": f"10.1.1.{number}"}
        )
    admin = {"Authorization": f"Bearer {users['admin'].api_token}"}
    listed = httpx.get(f"{url}/api/v1/users", headers=admin).json()
    assert [u["locked"] for u in listed if u["username"] == "reader"] == [True]
    answer = httpx.post(f"{url}/api/v1/users/reader/unlock", headers=admin)
    assert (answer.status_code, answer.json()["locked"]) == (200, False)
    assert post_login(url, "reader", users["reader"].password).status_code == 303
