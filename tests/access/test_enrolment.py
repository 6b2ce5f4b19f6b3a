"""Accounts are finished by their owner: own first password, second factor confirmed by a code.

Issue 18: a user added with a role that needs TOTP could never sign in (nothing enrolled
them), a password chosen by the operator was never changed, and agency and province could
contradict each other.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.access.conftest import GOOD_PASSWORD, World
from tipdata.access import AuthenticationError, Authenticator, Passwords, add_user, login
from tipdata.access.enrolment import EnrolmentError, SetupRequired, account_steps
from tipdata.access.keys import Keyring
from tipdata.access.login import finish_and_sign_in
from tipdata.access.throttle import Throttle
from tipdata.access.totp import code_at
from tipdata.access.user_forms import create_account
from tipdata.access.users import UserError
from tipdata.store import AppUser, AuditEvent, Database, Province
from tipdata.store.reference import Agency

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
OWN = "kampot pepper harvest moon"


@pytest.fixture
def auth(passwords: Passwords, keyring: Keyring) -> Authenticator:
    return Authenticator(passwords, keyring.cipher, Throttle(5, 10.0, 60.0))


@pytest.fixture
def analyst(db: Database, world: World, passwords: Passwords) -> str:
    """A police analyst (reads identities: needs TOTP) given a first password by the operator."""
    with db.session() as session:
        add_user(
            session, None, username="cop", display_name="Cop", role="police_analyst",
            agency_id=world.police, province_code=None, password=GOOD_PASSWORD,
            passwords=passwords, password_must_change=True,
        )  # fmt: skip
    return "cop"


def _setup_token(db: Database, auth: Authenticator, password: str = GOOD_PASSWORD) -> str:
    with pytest.raises(SetupRequired) as raised:
        login(db, auth, "cop", password, None, "10.0.0.1", now=T0)
    return raised.value.token


def test_first_sign_in_asks_the_own_password_and_the_second_factor_before_any_session(
    db: Database, auth: Authenticator, analyst: str, keyring: Keyring
) -> None:
    token = _setup_token(db, auth)
    with db.session() as session:
        steps = account_steps(session, token, keyring.cipher, now=T0)
        assert (steps.username, steps.needs_password, steps.needs_totp) == ("cop", True, True)
        assert steps.totp_uri is not None and steps.totp_uri.startswith("otpauth://totp/")
        assert steps.totp_secret is not None
        # the page shown twice shows the same secret (the user may reload it)
        again = account_steps(session, token, keyring.cipher, now=T0)
        assert again.totp_secret == steps.totp_secret
        assert session.scalar(sa.select(sa.func.count()).select_from(AppUser).where(
            AppUser.totp_confirmed_at.is_not(None))) == 0  # fmt: skip
    # an unconfirmed secret signs nobody in: the next sign-in is again a setup step
    _setup_token(db, auth)


def test_nothing_is_saved_when_a_part_of_the_form_is_wrong(
    db: Database, auth: Authenticator, analyst: str, keyring: Keyring, passwords: Passwords
) -> None:
    token = _setup_token(db, auth)
    with db.session() as session:
        secret = account_steps(session, token, keyring.cipher, now=T0).totp_secret
    assert secret is not None
    wrong_code = "000000" if code_at(secret, T0) != "000000" else "111111"
    attempts = [
        (OWN, OWN, wrong_code, EnrolmentError, "the code does not match"),
        (OWN, "another passphrase here", code_at(secret, T0), EnrolmentError, "differ"),
        (GOOD_PASSWORD, GOOD_PASSWORD, code_at(secret, T0), EnrolmentError, "of your own"),
        ("short", "short", code_at(secret, T0), Exception, "at least 12 characters"),
        (None, None, code_at(secret, T0), EnrolmentError, "choose a password"),
    ]
    for new, confirm, code, error, words in attempts:
        with pytest.raises(error, match=words):
            finish_and_sign_in(
                db, auth, token, new_password=new, confirm_password=confirm, code=code,
                remote_addr=None, now=T0,
            )  # fmt: skip
    with db.session() as session:
        user = session.scalar(sa.select(AppUser).where(AppUser.username == "cop"))
        assert user is not None
        assert passwords.verify(user.password_hash, GOOD_PASSWORD)
        assert (user.password_must_change, user.totp_confirmed_at) == (True, None)


def test_a_finished_account_signs_in_with_its_own_password_and_code_and_the_token_is_spent(
    db: Database, auth: Authenticator, analyst: str, keyring: Keyring
) -> None:
    token = _setup_token(db, auth)
    with db.session() as session:
        secret = account_steps(session, token, keyring.cipher, now=T0).totp_secret
    assert secret is not None
    signed = finish_and_sign_in(
        db, auth, token, new_password=OWN, confirm_password=OWN, code=code_at(secret, T0),
        remote_addr="10.0.0.1", now=T0,
    )  # fmt: skip
    assert signed.actor.username == "cop" and signed.session_token.startswith("tds_")
    with pytest.raises(AuthenticationError):  # the token is spent
        finish_and_sign_in(
            db, auth, token, new_password=OWN, confirm_password=OWN,
            code=code_at(secret, T0 + timedelta(seconds=30)), remote_addr=None, now=T0,
        )  # fmt: skip
    later = T0 + timedelta(minutes=5)
    with pytest.raises(AuthenticationError):  # the given password is gone
        login(db, auth, "cop", GOOD_PASSWORD, code_at(secret, later), None, now=later)
    with pytest.raises(AuthenticationError):  # the second factor is now asked
        login(db, auth, "cop", OWN, None, None, now=later)
    assert login(db, auth, "cop", OWN, code_at(secret, later), None, now=later).actor.username
    with db.session() as session:
        changes = session.scalars(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "user_changed")
        ).all()
    assert any("password_set" in (d or "") for d in changes)
    assert any("totp_confirmed" in (d or "") for d in changes)


def test_a_sign_in_step_token_expires(
    db: Database, auth: Authenticator, analyst: str, keyring: Keyring
) -> None:
    token = _setup_token(db, auth)
    with db.session() as session, pytest.raises(AuthenticationError):
        account_steps(session, token, keyring.cipher, now=T0 + timedelta(minutes=16))


def test_a_wrong_password_never_reaches_the_setup_step(
    db: Database, auth: Authenticator, analyst: str
) -> None:
    with pytest.raises(AuthenticationError) as raised:
        login(db, auth, "cop", "not the password at all", None, None, now=T0)
    assert not isinstance(raised.value, SetupRequired)


def test_agency_and_province_must_agree_and_a_provincial_agency_gives_its_province(
    db: Database, world: World, passwords: Passwords
) -> None:
    with db.session() as session:
        session.add(Agency(code="DOSAVY-02", name="DoSVY Battambang", kind="government",
                           province_code="02"))  # fmt: skip
        session.flush()

        def make(username: str, agency: str, province: str | None) -> object:
            return create_account(
                session, None, username=username, display_name=username.title(),
                role="provincial_focal_point", agency_code=agency, province_code=province,
                passwords=passwords,
            )  # fmt: skip

        with pytest.raises(UserError, match="belongs to province 02, not 12"):
            make("sokha", "DOSAVY-02", "12")
        with pytest.raises(UserError, match="there is no agency"):
            make("sokha", "NOPE", "02")
        with pytest.raises(UserError, match="there is no province"):
            make("sokha", "MOI", "99")
        with pytest.raises(UserError, match="needs a province"):
            make("sokha", "MOI", None)
        make("sokha", "DOSAVY-02", None)
        user = session.scalar(sa.select(AppUser).where(AppUser.username == "sokha"))
        assert user is not None and user.province_code == "02"
        assert session.get(Province, "02") is not None
