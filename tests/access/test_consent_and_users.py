"""Consent to referral, and the user administration services (each change audited)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.access.conftest import GOOD_PASSWORD, World
from tests.protected import protect_new_person_records
from tests.store.rows import add_source_record
from tipdata.access import (
    AccessDenied,
    Actor,
    AuditError,
    Consent,
    ConsentRequiredError,
    Passwords,
    WeakPasswordError,
    add_user,
    create_referral,
    grant_role,
    list_users,
    sync_roles,
    verify,
)
from tipdata.access.protected import keyring_for
from tipdata.access.users import UserError
from tipdata.model import PersonRole
from tipdata.store import (
    Agency,
    AppUser,
    AuditEvent,
    Database,
    PersonRecord,
    Referral,
    Role,
    ServiceProvider,
)

REASON = "child at immediate risk, guardian unreachable for 48 hours"


def _victim(db: Database, world: World) -> tuple[int, int]:
    with db.session() as session:
        source_record = add_source_record(session, session.get_one(Agency, world.police))
        victim = PersonRecord(
            source_record_id=source_record.id, role=PersonRole.VICTIM, full_name="Sok Dara",
            owner_agency_id=world.police, province_code="02",
        )  # fmt: skip
        shelter = ServiceProvider(code="S1", name="Shelter", agency_id=world.ngo)
        session.add_all([victim, shelter])
        protect_new_person_records(session, db.master_key())
        return victim.id, shelter.id


def _actor(db: Database, username: str, role: str, agency: int, province: str | None) -> Actor:
    """A real user (audit events refer to it) and its actor."""
    with db.session() as session:
        sync_roles(session)
        role_id = session.scalar(sa.select(Role.id).where(Role.code == role))
        assert role_id is not None
        user = AppUser(
            username=username, display_name=username, role_id=role_id, agency_id=agency,
            province_code=province,
        )  # fmt: skip
        session.add(user)
        session.flush()
        session.refresh(user)
        return Actor.of(user)


def _actions(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_referral_with_consent(db: Database, world: World) -> None:
    victim, shelter = _victim(db, world)
    cipher = keyring_for(db).cipher
    social_worker = _actor(db, "sw", "social_worker", world.dosavy, "02")
    with db.session() as session:
        referral = create_referral(
            session, social_worker, victim, shelter, Consent(date(2026, 3, 1)), cipher=cipher
        )
        assert (referral.consent_recorded, referral.consent_date) == (True, date(2026, 3, 1))
    assert _actions(db) == ["referral_created"]


def test_referral_without_consent_needs_a_permitted_reasoned_override(
    db: Database, world: World
) -> None:
    victim, shelter = _victim(db, world)
    cipher = keyring_for(db).cipher
    social_worker = _actor(db, "sw", "social_worker", world.dosavy, "02")
    ngo_worker = _actor(
        db, "ngo", "ngo_case_worker", world.police, None
    )  # owns the record's agency
    with db.session() as session:
        with pytest.raises(ConsentRequiredError):
            create_referral(session, social_worker, victim, shelter, None, cipher=cipher)
        with pytest.raises(ConsentRequiredError):
            create_referral(session, social_worker, victim, shelter, None, "urgent", cipher=cipher)
        with pytest.raises(ConsentRequiredError):  # role may not override
            create_referral(session, ngo_worker, victim, shelter, None, REASON, cipher=cipher)
        with pytest.raises(AuditError):  # the reason may not name the victim
            create_referral(
                session, social_worker, victim, shelter, None, REASON + " Sok Dara", cipher=cipher
            )
    with db.session() as session:
        referral = create_referral(
            session, social_worker, victim, shelter, None, REASON, cipher=cipher
        )
        assert referral.consent_recorded is False
    assert _actions(db) == ["consent_override"]
    assert verify(db).ok


def test_referral_of_a_person_outside_the_scope_is_denied(db: Database, world: World) -> None:
    victim, shelter = _victim(db, world)
    cipher = keyring_for(db).cipher
    elsewhere = Actor(1, "sw", "social_worker", world.dosavy, "12")
    police = Actor(2, "cop", "police_analyst", world.police)
    with db.session() as session:
        with pytest.raises(AccessDenied):
            create_referral(
                session, elsewhere, victim, shelter, Consent(date(2026, 3, 1)), cipher=cipher
            )
        with pytest.raises(AccessDenied):
            create_referral(
                session, police, victim, shelter, Consent(date(2026, 3, 1)), cipher=cipher
            )
        assert session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


def test_users_are_added_granted_listed_and_every_change_audited(
    db: Database, world: World, passwords: Passwords
) -> None:
    with db.session() as session:
        admin_row = add_user(
            session, None, username="admin", display_name="Admin", role="administrator",
            agency_id=world.police, province_code=None, password=GOOD_PASSWORD,
            passwords=passwords,
        )  # fmt: skip
        admin = Actor.of(admin_row)
        add_user(
            session, admin, username="fp", display_name="Focal point",
            role="provincial_focal_point", agency_id=world.dosavy, province_code="02",
            password=None, passwords=passwords,
        )  # fmt: skip
        grant_role(session, admin, "fp", "social_worker")
        with pytest.raises(AccessDenied):
            grant_role(session, admin, "admin", "ntf_data_officer")
        with pytest.raises(AccessDenied):
            list_users(session, Actor.of(admin_row).__class__(9, "a", "auditor", 1))
        with pytest.raises(UserError, match="does not choose passwords"):
            add_user(
                session, admin, username="chosen", display_name="C", role="auditor",
                agency_id=world.police, province_code=None, password="mekong river at dusk",
                passwords=passwords,
            )  # fmt: skip
        with pytest.raises(WeakPasswordError):
            add_user(
                session, None, username="weak", display_name="W", role="auditor",
                agency_id=world.police, province_code=None, password="password1234",
                passwords=passwords,
            )  # fmt: skip
        summaries = list_users(session, admin)
    assert [(u.username, u.role) for u in summaries] == [
        ("admin", "administrator"),
        ("fp", "social_worker"),
    ]
    assert _actions(db) == ["user_created", "user_created", "role_granted"]
    with db.session() as session:
        details = " ".join(session.scalars(sa.select(AuditEvent.detail)))
    assert GOOD_PASSWORD not in details
    assert "$argon2" not in details
