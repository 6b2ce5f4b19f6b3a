"""Fixtures of the access tests: fast Argon2 parameters, keys, agencies, provinces and users."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from tipdata.access import Actor, ArgonParameters, MasterKey, Passwords, load_keyring
from tipdata.access.keys import Keyring
from tipdata.model import AgencyKind
from tipdata.store import Agency, AppUser, Database, Province

FAST = ArgonParameters(time_cost=1, memory_kib=8, parallelism=1)
GOOD_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    """Argon2id with tiny costs, so the suite stays fast."""
    return Passwords(FAST)


@pytest.fixture
def master(db: Database) -> MasterKey:
    """The test database's master key (the one its services use)."""
    return db.master_key()


@pytest.fixture
def keyring(db: Database, master: MasterKey) -> Keyring:
    with db.session() as session:
        return load_keyring(session, master)


@dataclass
class World:
    """Two provinces, a police agency, an NGO, a court and a social-affairs department."""

    police: int
    ngo: int
    other_ngo: int
    court: int
    dosavy: int


def add_world(session: Session) -> World:
    session.add_all(
        [
            Province(code="12", name_en="Phnom Penh", kind="capital"),
            Province(code="02", name_en="Battambang"),
        ]
    )
    agencies = {
        code: Agency(code=code, name=code, kind=kind)
        for code, kind in [
            ("MOI", AgencyKind.GOVERNMENT),
            ("AFESIP", AgencyKind.NGO),
            ("CWCC", AgencyKind.NGO),
            ("PPCOURT", AgencyKind.COURT),
            ("DOSAVY-BB", AgencyKind.GOVERNMENT),
        ]
    }
    session.add_all(agencies.values())
    session.flush()
    return World(
        police=agencies["MOI"].id,
        ngo=agencies["AFESIP"].id,
        other_ngo=agencies["CWCC"].id,
        court=agencies["PPCOURT"].id,
        dosavy=agencies["DOSAVY-BB"].id,
    )


@pytest.fixture
def world(db: Database) -> World:
    with db.session() as session:
        return add_world(session)


def actor_of(session: Session, username: str) -> Actor:
    from sqlalchemy import select

    user = session.scalar(select(AppUser).where(AppUser.username == username))
    assert user is not None
    return Actor.of(user)
