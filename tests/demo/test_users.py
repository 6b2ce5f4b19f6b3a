"""Demo users: one per role, fresh passwords; the roles reading identities enrol TOTP themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest

from tipdata.access import Authenticator, default_policy, login
from tipdata.access.enrolment import SetupRequired, account_steps
from tipdata.access.login import finish_and_sign_in
from tipdata.demo.users import DEMO_ACCOUNTS, create_demo_users
from tipdata.errors import ConfigError
from tipdata.settings import load_settings
from tipdata.system import System


def _system(home: Path, **overrides: object) -> System:
    settings = load_settings(
        home=home, password_time_cost=1, password_memory_kib=8, password_parallelism=1,
        **overrides,
    )  # fmt: skip
    system = System.from_settings(settings)
    system.upgrade()
    system.load_reference_data()
    return system


def test_every_role_gets_a_demo_user_who_can_sign_in(tmp_path: Path) -> None:
    system = _system(tmp_path)
    users = create_demo_users(system)
    assert sorted(u.role for u in users) == sorted(default_policy().roles)
    auth = Authenticator(passwords=system.passwords, cipher=system.keyring().cipher)
    now = datetime.now(UTC)
    for user in users:
        if not user.enrols_totp:
            signed_in = login(system.db, auth, user.username, user.password, None, "127.0.0.1")
            assert signed_in.actor.role == user.role
            continue
        # the first sign-in: the password leads to the enrolment step (a QR code to scan)
        with pytest.raises(SetupRequired) as step:
            login(system.db, auth, user.username, user.password, None, "127.0.0.1")
        with system.db.session() as session:
            steps = account_steps(session, step.value.token, auth.cipher)
        assert steps.needs_totp and not steps.needs_password and steps.totp_secret
        code = pyotp.TOTP(steps.totp_secret).at(now)
        signed_in = finish_and_sign_in(
            system.db, auth, step.value.token, new_password=None, confirm_password=None,
            code=code, remote_addr="127.0.0.1",
        )  # fmt: skip
        assert signed_in.actor.role == user.role
    # a rerun keeps the enrolment: the authenticator app already holds the secret
    again = {u.username: u for u in create_demo_users(system)}
    assert not any(u.enrols_totp for u in again.values())


def test_rerun_resets_passwords_instead_of_failing(tmp_path: Path) -> None:
    system = _system(tmp_path)
    first = {u.username: u.password for u in create_demo_users(system)}
    second = {u.username: u.password for u in create_demo_users(system)}
    assert first.keys() == second.keys() == {name for name, *_ in DEMO_ACCOUNTS}
    assert all(first[name] != second[name] for name in first)


def test_identity_roles_enrol_totp_at_first_sign_in_and_no_secret_is_printed(
    tmp_path: Path,
) -> None:
    users = {u.role: u for u in create_demo_users(_system(tmp_path))}
    assert users["ntf_data_officer"].enrols_totp
    assert not users["statistics_reader"].enrols_totp
    assert not any(hasattr(user, "totp_secret") for user in users.values())


def test_refused_outside_development(tmp_path: Path) -> None:
    system = _system(tmp_path, environment="production", master_key="A" * 43 + "=")
    with pytest.raises(ConfigError, match="development"):
        create_demo_users(system)
