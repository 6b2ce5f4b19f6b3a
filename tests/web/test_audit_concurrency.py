"""The audit chain stays whole under concurrent requests to a live server (issue 15, item 1).

The review's attack: 60 person reads by one user, 12 at a time, and 40 parallel failed
sign-ins made ``tipdata audit verify`` report "event 16 does not follow the event before
it": on SQLite each request read the previous hash before taking the write lock. Here the
app runs under uvicorn on a free loopback port and real threads send real HTTP requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI

from tests.web.conftest import WebUser
from tests.web.live import live_server, post_login
from tipdata.access import verify
from tipdata.system import System


@pytest.fixture
def live_url(pwg_app: FastAPI, pwg_system: System) -> Iterator[str]:
    """The app served by uvicorn in a thread (its own worker threads run the requests)."""
    with live_server(pwg_app, pwg_system) as url:
        yield url


def test_sixty_person_reads_twelve_at_a_time_keep_the_chain_whole(
    live_url: str, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    officer = pwg_users["officer"]
    headers = {"Authorization": f"Bearer {officer.api_token}"}

    def read_persons(_: int) -> int:
        return httpx.get(f"{live_url}/api/v1/persons", headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(read_persons, range(60)))

    assert statuses == [200] * 60
    result = verify(pwg_system.db)
    assert result.problems == ()
    assert (result.ok, result.events_checked >= 60) == (True, True)


def test_forty_parallel_failed_sign_ins_keep_the_chain_whole(
    live_url: str, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    def fail_once(number: int) -> int:
        return post_login(live_url, f"nobody{number % 4}", "x" * 12).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(fail_once, range(40)))

    assert set(statuses) <= {401, 429}
    result = verify(pwg_system.db)
    assert result.problems == ()
    assert result.ok
