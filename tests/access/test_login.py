"""Sign-in: generic errors, throttling per (user, address), TOTP replay, sessions and tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.access.conftest import GOOD_PASSWORD, World
from tipdata.access import (
    AuthenticationError,
    Authenticator,
    LoginThrottled,
    Passwords,
    SessionInvalid,
    add_user,
    disable_user,
    enable_totp,
    login,
    set_password,
    sign_out,
)
from tipdata.access.clock import as_utc
from tipdata.access.keys import Keyring
from tipdata.access.sessions import (
    SessionTimeouts,
    create_api_token,
    resolve_api_token,
    resolve_session,
    revoke_api_tokens,
    revoke_session,
)
from tipdata.access.throttle import Throttle
from tipdata.access.totp import code_at
from tipdata.store import AuditEvent, Database
from tipdata.store.access import ApiToken

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def auth(passwords: Passwords, keyring: Keyring) -> Authenticator:
    return Authenticator(passwords, keyring.cipher, Throttle(2, 10.0, 60.0))


@pytest.fixture
def users(db: Database, world: World, passwords: Passwords, keyring: Keyring) -> str:
    """An auditor (password only) and a police analyst (password and TOTP); returns TOTP secret."""
    with db.session() as session:
        for username, role in [("aud", "auditor"), ("cop", "police_analyst")]:
            add_user(
                session, None, username=username, display_name=username, role=role,
                agency_id=world.police, province_code=None, password=GOOD_PASSWORD,
                passwords=passwords,
            )  # fmt: skip
        uri = enable_totp(session, None, "cop", keyring.cipher)
    return uri.split("secret=")[1].split("&")[0]


def _reasons(db: Database) -> list[str | None]:
    with db.session() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.detail)
                .where(AuditEvent.action == "login_failure")
                .order_by(AuditEvent.id)
            )
        )


def test_unknown_user_and_wrong_password_give_the_same_error(
    db: Database, auth: Authenticator, users: str
) -> None:
    messages = []
    for username, password in [("nobody", GOOD_PASSWORD), ("aud", "wrong password here")]:
        with pytest.raises(AuthenticationError) as error:
            login(db, auth, username, password, None, "10.0.0.1", now=T0)
        messages.append(str(error.value))
    assert messages[0] == messages[1] == AuthenticationError.GENERIC
    assert _reasons(db) == ['{"reason": "unknown_user"}', '{"reason": "wrong_password"}']


def test_success_opens_a_session_and_is_audited(
    db: Database, auth: Authenticator, users: str
) -> None:
    sign_in = login(db, auth, "aud", GOOD_PASSWORD, None, "10.0.0.1", now=T0)
    assert sign_in.actor.role == "auditor"
    with db.session() as session:
        user = resolve_session(session, sign_in.session_token, SessionTimeouts(), T0)
        assert user.username == "aud"
        actions = list(session.scalars(sa.select(AuditEvent.action)))
    assert actions[-1] == "login_success"


def test_sign_out_ends_the_session_and_is_audited_once(
    db: Database, auth: Authenticator, users: str
) -> None:
    """The logout's audit event was written by the web's seam; now by the service."""
    sign_in = login(db, auth, "aud", GOOD_PASSWORD, None, "10.0.0.1", now=T0)
    assert sign_out(db, sign_in.session_token, sign_in.actor, "10.0.0.1")
    assert not sign_out(db, sign_in.session_token, sign_in.actor, "10.0.0.1")  # already ended
    with db.session() as session:
        with pytest.raises(SessionInvalid):
            resolve_session(session, sign_in.session_token, SessionTimeouts(), T0)
        actions = list(session.scalars(sa.select(AuditEvent.action)))
    assert actions[-2:] == ["login_success", "logout"]


def test_throttling_slows_one_address_but_not_the_real_user_elsewhere(
    db: Database, auth: Authenticator, users: str
) -> None:
    for _ in range(3):  # two free failures, then a 10 s wait
        with pytest.raises(AuthenticationError):
            login(db, auth, "aud", "wrong password here", None, "6.6.6.6", now=T0)
    with pytest.raises(LoginThrottled) as throttled:
        login(db, auth, "aud", GOOD_PASSWORD, None, "6.6.6.6", now=T0 + timedelta(seconds=5))
    assert 4 < throttled.value.retry_after <= 5
    # the real user, from their own address, is not affected
    assert login(db, auth, "aud", GOOD_PASSWORD, None, "10.0.0.1", now=T0).actor.username == "aud"
    # the attacker's address may try again after the wait; the next failure waits 20 s
    with pytest.raises(AuthenticationError):
        login(
            db, auth, "aud", "wrong again please", None, "6.6.6.6", now=T0 + timedelta(seconds=11)
        )
    with pytest.raises(LoginThrottled) as throttled:
        login(db, auth, "aud", GOOD_PASSWORD, None, "6.6.6.6", now=T0 + timedelta(seconds=12))
    assert throttled.value.retry_after == pytest.approx(19, abs=0.01)


def test_unknown_usernames_are_throttled_like_known_ones(
    db: Database, auth: Authenticator, users: str
) -> None:
    for username in ["aud", "ghost"]:
        for _ in range(3):
            with pytest.raises(AuthenticationError):
                login(db, auth, username, "wrong password here", None, "6.6.6.6", now=T0)
        with pytest.raises(LoginThrottled):
            login(db, auth, username, "wrong password here", None, "6.6.6.6", now=T0)


def test_totp_is_required_and_a_used_code_cannot_be_replayed(
    db: Database, auth: Authenticator, users: str
) -> None:
    secret = users
    with pytest.raises(AuthenticationError):
        login(db, auth, "cop", GOOD_PASSWORD, None, "10.0.0.1", now=T0)
    code = code_at(secret, T0)
    assert login(db, auth, "cop", GOOD_PASSWORD, code, "10.0.0.1", now=T0).actor.username == "cop"
    with pytest.raises(AuthenticationError):  # same code, same time step: replay
        login(db, auth, "cop", GOOD_PASSWORD, code, "10.0.0.2", now=T0 + timedelta(seconds=5))
    later = T0 + timedelta(seconds=60)
    assert login(db, auth, "cop", GOOD_PASSWORD, code_at(secret, later), "10.0.0.1", now=later)
    assert _reasons(db)[-1] == '{"reason": "totp_wrong_or_replayed"}'


def test_sessions_expire_when_idle_or_too_old(
    db: Database, auth: Authenticator, users: str
) -> None:
    timeouts = SessionTimeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=2))
    token = login(db, auth, "aud", GOOD_PASSWORD, None, None, now=T0).session_token
    with db.session() as session:
        for minutes in (20, 40, 60, 80, 100, 119):  # active every 20 min: stays alive
            resolve_session(session, token, timeouts, T0 + timedelta(minutes=minutes))
        with pytest.raises(SessionInvalid):  # absolute limit
            resolve_session(session, token, timeouts, T0 + timedelta(minutes=121))
    idle = login(db, auth, "aud", GOOD_PASSWORD, None, None, now=T0).session_token
    with db.session() as session, pytest.raises(SessionInvalid):
        resolve_session(session, idle, timeouts, T0 + timedelta(minutes=31))


def test_sessions_end_at_logout_password_change_and_disable(
    db: Database, auth: Authenticator, passwords: Passwords, users: str
) -> None:
    tokens = [login(db, auth, "aud", GOOD_PASSWORD, None, None, now=T0).session_token for _ in "ab"]
    with db.session() as session:
        assert revoke_session(session, tokens[0], T0)
        with pytest.raises(SessionInvalid):
            resolve_session(session, tokens[0], SessionTimeouts(), T0)
        set_password(session, None, "aud", "another long passphrase 42", passwords)
        with pytest.raises(SessionInvalid):
            resolve_session(session, tokens[1], SessionTimeouts(), T0)
    now = datetime.now(UTC)
    token = login(db, auth, "aud", "another long passphrase 42", None, None, now=now).session_token
    with db.session() as session:
        disable_user(session, None, "aud")
        with pytest.raises(SessionInvalid):
            resolve_session(session, token, SessionTimeouts(), now)
    with pytest.raises(AuthenticationError):
        login(db, auth, "aud", "another long passphrase 42", None, None, now=now)


def test_a_tokens_last_use_is_written_at_most_once_a_minute(db: Database, users: str) -> None:
    with db.session() as session:
        token = create_api_token(session, 1, "reader", T0)
    for seconds, written in ((0, 0), (30, 0), (59, 0), (60, 60), (61, 60), (125, 125)):
        with db.session() as session:
            resolve_api_token(session, token, T0 + timedelta(seconds=seconds))
        with db.session() as session:
            last = session.scalars(sa.select(ApiToken.last_used_at)).one()
        assert as_utc(last) == T0 + timedelta(seconds=written), seconds


def test_api_tokens_are_stored_hashed_and_revocable(db: Database, users: str) -> None:
    with db.session() as session:
        token = create_api_token(session, 1, "nightly export", T0)
        assert resolve_api_token(session, token, T0).username == "aud"
        stored = session.scalars(sa.text("SELECT token_hash FROM api_token")).all()
        assert token not in stored
        assert revoke_api_tokens(session, 1, T0, name="nightly export") == 1
        with pytest.raises(SessionInvalid):
            resolve_api_token(session, token, T0)
