"""Demo users: one per role, fresh passwords, TOTP where the role reads identities."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest

from tipdata.access import Authenticator, default_policy, login
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
        code = pyotp.TOTP(user.totp_secret).at(now) if user.totp_secret else None
        signed_in = login(system.db, auth, user.username, user.password, code, "127.0.0.1")
        assert signed_in.actor.role == user.role


def test_rerun_resets_passwords_instead_of_failing(tmp_path: Path) -> None:
    system = _system(tmp_path)
    first = {u.username: u.password for u in create_demo_users(system)}
    second = {u.username: u.password for u in create_demo_users(system)}
    assert first.keys() == second.keys() == {name for name, *_ in DEMO_ACCOUNTS}
    assert all(first[name] != second[name] for name in first)


def test_identity_roles_are_enrolled_in_totp(tmp_path: Path) -> None:
    users = {u.role: u for u in create_demo_users(_system(tmp_path))}
    assert users["ntf_data_officer"].totp_secret is not None
    assert users["statistics_reader"].totp_secret is None


def test_refused_outside_development(tmp_path: Path) -> None:
    system = _system(tmp_path, environment="production", master_key="A" * 43 + "=")
    with pytest.raises(ConfigError, match="development"):
        create_demo_users(system)
