"""Settings: typed, documented, failing fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.errors import ConfigError
from tipdata.settings import Settings, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"TIPDATA_{name.upper()}" not in text]
    assert missing == []


def test_every_setting_has_help_text() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_default_database_is_sqlite_under_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve()}/tipdata.db"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPDATA_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:5432/x")
    assert load_settings().effective_database_url == "postgresql+psycopg://u@127.0.0.1:5432/x"


def test_bad_setting_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPDATA_ENVIRONMENT", "staging")
    with pytest.raises(ConfigError, match="TIPDATA_ENVIRONMENT") as caught:
        load_settings()
    assert "\n" not in str(caught.value)  # one line, naming the variable
