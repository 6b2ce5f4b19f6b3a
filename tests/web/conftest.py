"""Fixtures of the web tests: an app on a fresh SQLite database, users of several roles.

Users are made with the access-control services (``add_user``, ``enable_totp``,
``create_api_token``), never by writing rows by hand.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyotp
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tipdata.access import MasterKey, Passwords, add_user, enable_totp, load_keyring
from tipdata.access.passwords import ArgonParameters
from tipdata.access.sessions import create_api_token
from tipdata.access.totp import DRIFT_STEPS, STEP_SECONDS, code_at
from tipdata.model import AgencyKind
from tipdata.settings import load_settings
from tipdata.store import Agency, Database, Province
from tipdata.system import System
from tipdata.web import create_app

if TYPE_CHECKING:
    from tests.web.access_world import AccessWorld

FAST = ArgonParameters(time_cost=1, memory_kib=8, parallelism=1)
PASSWORD = "correct horse battery staple"
BASE_URL = "http://127.0.0.1"


@dataclass
class WebUser:
    """A test user: credentials, TOTP secret (if enrolled) and an API token."""

    username: str
    role: str
    password: str
    totp_secret: str | None
    api_token: str

    def code(self, moment: datetime | None = None) -> str:
        """The TOTP code valid now (or at a moment)."""
        assert self.totp_secret is not None
        return code_at(self.totp_secret, moment or datetime.now(UTC))

    def fresh_code(self) -> str:
        """A code of a time step this secret has not signed in with yet in this process.

        The server accepts each step once and none older than the last (replay
        protection), and a code of the step before or after the current one (clock
        drift, ``DRIFT_STEPS``). A second sign-in within one step sends the next step's
        code, as a phone whose clock runs a little fast would, instead of waiting up to
        30 s for the next step; only a third within one step waits.
        """
        assert self.totp_secret is not None
        step = max(int(time.time()) // STEP_SECONDS, _LAST_STEP.get(self.totp_secret, -1) + 1)
        while step > int(time.time()) // STEP_SECONDS + DRIFT_STEPS:
            time.sleep(0.5)
        _LAST_STEP[self.totp_secret] = step
        return code_at(self.totp_secret, datetime.fromtimestamp(step * STEP_SECONDS, UTC))


_LAST_STEP: dict[str, int] = {}
"""The newest step each secret signed in with (browser flows sign the same user in twice)."""


USERS = {
    "officer": "ntf_data_officer",
    "auditor": "auditor",
    "reader": "statistics_reader",
    "focal": "provincial_focal_point",
    "admin": "administrator",
    "molvt": "molvt_officer",
}


def make_users(db: Database, system: System, master: MasterKey | None = None) -> dict[str, WebUser]:
    """One user per role of :data:`USERS`; TOTP for roles that read identities.

    ``master`` is the database's master key when it already holds data keys.
    """
    passwords = Passwords(FAST)
    master = master or MasterKey.generate()
    key_file = system.settings.home / "keys" / "master.key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(master.to_base64() + "\n", encoding="ascii")
    key_file.chmod(0o600)
    users: dict[str, WebUser] = {}
    with db.session() as session:
        if session.get(Province, "12") is None:  # absent unless the code lists are loaded
            session.add(Province(code="12", name_en="Phnom Penh", kind="capital"))
        agency = session.scalar(sa.select(Agency).where(Agency.code == "NTF"))
        if agency is None:
            agency = Agency(code="NTF", name="NTF secretariat", kind=AgencyKind.GOVERNMENT)
            session.add(agency)
        session.flush()
        keyring = load_keyring(session, master)
        for username, role in USERS.items():
            user = add_user(
                session, None, username=username, display_name=username.title(), role=role,
                agency_id=agency.id, province_code="12", password=PASSWORD, passwords=passwords,
            )  # fmt: skip
            secret = None
            if role == "ntf_data_officer":
                uri = enable_totp(session, None, username, keyring.cipher)
                secret = pyotp.parse_uri(uri).secret
            token = create_api_token(session, user.id, "tests", datetime.now(UTC))
            users[username] = WebUser(username, role, PASSWORD, secret, token)
    return users


@pytest.fixture
def system(sqlite_db: Database, tmp_path: Path) -> System:
    """A system on a fresh, migrated SQLite database."""
    settings = load_settings(home=tmp_path, database_url=str(sqlite_db.url))
    return System(settings=settings, _db=sqlite_db)


@pytest.fixture
def users(system: System) -> dict[str, WebUser]:
    """Users of several roles in the system's database."""
    return make_users(system.db, system)


@pytest.fixture
def app(system: System) -> FastAPI:
    """The web app over the test system (cheap Argon2 parameters)."""
    return create_app(system, passwords=Passwords(FAST))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client on loopback (so cookies without ``Secure`` are sent back)."""
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, user: WebUser) -> None:
    """Sign in through the form, as a browser would."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": user.username,
            "password": user.password,
            "code": user.code() if user.totp_secret else "",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/dashboard"


@pytest.fixture
def pwg_system(db: Database, tmp_path: Path) -> System:
    """A system on SQLite *and* PostgreSQL (the ``db`` matrix); see :func:`pwg_users`."""
    settings = load_settings(home=tmp_path, database_url=str(db.url))
    return System(settings=settings, _db=db)


@pytest.fixture
def pwg_users(pwg_system: System) -> dict[str, WebUser]:
    """The users of :data:`USERS` (focal point of province 12), then the code lists loaded."""
    from tests.conftest import TEST_MASTER_KEY
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.store.refdata import sync_reference_data

    made = make_users(pwg_system.db, pwg_system, TEST_MASTER_KEY)
    sync_reference_data(pwg_system.db, load_codelists(), load_law_catalogue())
    return made


@pytest.fixture
def pwg_app(pwg_system: System, pwg_users: dict[str, WebUser]) -> FastAPI:
    """The web app over :func:`pwg_system`, its users made."""
    return create_app(pwg_system, passwords=Passwords(FAST))


@pytest.fixture
def pwg_client(pwg_app: FastAPI) -> Iterator[TestClient]:
    """A client of :func:`pwg_app` on loopback."""
    with TestClient(pwg_app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def access_system(db: Database, tmp_path: Path) -> System:
    """A system on SQLite *and* PostgreSQL (the ``db`` matrix) for the access tests."""
    settings = load_settings(home=tmp_path / "home", database_url=str(db.url))
    return System(settings=settings, _db=db)


@pytest.fixture
def access_world(access_system: System, tmp_path: Path) -> AccessWorld:
    """Two agencies × two provinces of records, reports and one user per role."""
    from tests.web.access_world import build_world  # imports linkage (Splink): only here

    return build_world(access_system, tmp_path, Passwords(FAST))


@pytest.fixture
def access_app(access_system: System, access_world: AccessWorld) -> FastAPI:
    """The web app over :func:`access_world`."""
    return create_app(access_system, passwords=Passwords(FAST))
