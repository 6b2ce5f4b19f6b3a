"""Shared set-up of the dashboard and reports tests: the app over the linked 2008 demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TEST_MASTER_KEY
from tests.reporting import tipdemo
from tests.web.conftest import BASE_URL, FAST, WebUser, make_users, sign_in
from tipdata.access import Passwords
from tipdata.settings import load_settings
from tipdata.store import Database
from tipdata.system import System
from tipdata.web import create_app

DemoDb = tuple[Database, dict[int, str], Path]
demo_delivery, demo_db = tipdemo.demo_delivery, tipdemo.demo_db  # fixtures demo_web uses
sqlite_demo_db = tipdemo.sqlite_demo_db  # for a module that overrides demo_db: SQLite only
DemoWeb = tuple[FastAPI, dict[str, WebUser], Database]


@pytest.fixture(scope="module")
def demo_web(
    demo_db: DemoDb,
    tmp_path_factory: pytest.TempPathFactory,
) -> DemoWeb:
    """The app over the linked 2008 demo (SQLite and PostgreSQL), with one user per role."""
    database = demo_db[0]
    home = tmp_path_factory.mktemp("home")
    system = System(load_settings(home=home, database_url=str(database.url)), _db=database)
    users = make_users(database, system, TEST_MASTER_KEY)
    return create_app(system, passwords=Passwords(FAST)), users, database


@pytest.fixture
def demo_client(demo_web: DemoWeb) -> Iterator[TestClient]:
    """A client of :func:`demo_web` on loopback."""
    with TestClient(demo_web[0], base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


def bearer(user: WebUser) -> dict[str, str]:
    """The API header of a user's token."""
    return {"Authorization": f"Bearer {user.api_token}"}


_SESSIONS: dict[tuple[int, str], dict[str, str]] = {}


def signed_in(client: TestClient, demo: DemoWeb, username: str) -> None:
    """Sign a user in once per app and reuse the session (a TOTP code is good only once)."""
    key = (id(demo[0]), username)
    client.cookies.clear()
    if key not in _SESSIONS:
        sign_in(client, demo[1][username])
        _SESSIONS[key] = dict(client.cookies.items())
    for name, value in _SESSIONS[key].items():
        client.cookies.set(name, value)
