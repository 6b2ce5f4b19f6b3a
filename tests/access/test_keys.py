"""Master key loading and key rotation without data loss (both engines)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipdata.access import MasterKey, ProtectedFieldError, load_keyring, load_master_key
from tipdata.access.keys import rotate_data_key, rotate_master_key
from tipdata.errors import ConfigError
from tipdata.settings import load_settings
from tipdata.store import AppUser, Database, DataKey, Role


def test_production_refuses_to_start_without_a_master_key(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, environment="production")
    with pytest.raises(ConfigError, match="no master key"):
        load_master_key(settings)
    assert not (tmp_path / "keys").exists()


def test_development_creates_a_private_key_file_and_warns_without_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(home=tmp_path)
    with caplog.at_level(logging.WARNING):
        key = load_master_key(settings)
    path = tmp_path / "keys" / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.to_base64() not in caplog.text
    assert "generated a development master key" in caplog.text
    assert load_master_key(settings) == key


def test_the_environment_variable_wins_and_is_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = MasterKey.generate()
    monkeypatch.setenv("TIPDATA_MASTER_KEY", key.to_base64())
    assert load_master_key(load_settings(home=tmp_path, environment="production")) == key
    monkeypatch.setenv("TIPDATA_MASTER_KEY", "bm90IDMyIGJ5dGVz")
    with pytest.raises(ConfigError, match="32 bytes"):
        load_master_key(load_settings(home=tmp_path))


def test_master_key_repr_hides_the_secret() -> None:
    key = MasterKey.generate()
    assert key.to_base64() not in repr(key)
    assert key.key_id in repr(key)


def _add_secrets(db: Database, master: MasterKey, count: int) -> dict[int, str]:
    """Users with encrypted TOTP secrets (the protected column that exists today)."""
    from tests.access.conftest import add_world

    plain = {}
    with db.session() as session:
        world = add_world(session)
        role = Role(code="auditor", name="Auditor")
        session.add(role)
        session.flush()
        cipher = load_keyring(session, master).cipher
        for number in range(count):
            user = AppUser(
                username=f"u{number}", display_name="U", role_id=role.id, agency_id=world.police
            )
            session.add(user)
            session.flush()
            plain[user.id] = f"សុខ secret {number}"
            user.totp_secret = cipher.encrypt("app_user", "totp_secret", user.id, plain[user.id])
    return plain


def _read_all(db: Database, master: MasterKey) -> dict[int, str]:
    with db.session() as session:
        cipher = load_keyring(session, master).cipher
        rows = session.execute(sa.select(AppUser.id, AppUser.totp_secret)).all()
        return {i: cipher.decrypt("app_user", "totp_secret", i, t) for i, t in rows}


def test_rotating_the_master_key_keeps_every_value_readable(
    db: Database, master: MasterKey
) -> None:
    plain = _add_secrets(db, master, 5)
    with db.session() as session:
        ciphertexts_before = set(session.scalars(sa.select(AppUser.totp_secret)))
    new = MasterKey.generate()

    assert rotate_master_key(db, master, new) == 2  # the field key and the blind-index key
    assert rotate_master_key(db, master, new) == 0  # running it again is harmless

    assert _read_all(db, new) == plain
    with db.session() as session:
        assert set(session.scalars(sa.select(AppUser.totp_secret))) == ciphertexts_before
        with pytest.raises(ProtectedFieldError, match="wrapped by master key"):
            load_keyring(session, master)


def test_rotation_with_the_wrong_old_key_changes_nothing(db: Database, master: MasterKey) -> None:
    _add_secrets(db, master, 1)
    with pytest.raises(ProtectedFieldError):
        rotate_master_key(db, MasterKey.generate(), MasterKey.generate())
    assert len(_read_all(db, master)) == 1


def test_rotating_the_data_key_re_encrypts_every_value(db: Database, master: MasterKey) -> None:
    plain = _add_secrets(db, master, 4)
    with db.session() as session:
        old_key_id = load_keyring(session, master).cipher.active_key_id

    result = rotate_data_key(db, master)

    assert result.values_reencrypted == 4
    assert result.retired_key_ids == [old_key_id]
    assert _read_all(db, master) == plain
    with db.session() as session:
        tokens = list(session.scalars(sa.select(AppUser.totp_secret)))
        assert all(token.startswith(f"v1.{result.new_key_id}.") for token in tokens)
        retired = session.scalar(sa.select(DataKey).where(DataKey.key_id == old_key_id))
        assert retired is not None and retired.retired_at is not None


def test_no_key_material_is_stored_in_clear(db: Database, master: MasterKey) -> None:
    with db.session() as session:
        keyring = load_keyring(session, master)
        wrapped = list(session.scalars(sa.select(DataKey.wrapped)))
    assert len(wrapped) == 2
    assert all(w.startswith(f"mk1.{master.key_id}.") for w in wrapped)
    assert master.to_base64() not in "".join(wrapped)
    assert keyring.cipher.active_key_id
