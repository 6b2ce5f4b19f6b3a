"""Typed settings, read from ``TIPDATA_*`` environment variables, failing fast."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tipdata.errors import ConfigError


class Settings(BaseSettings):
    """Every setting of tipdata. Each one is documented in ``docs/settings.md``."""

    model_config = SettingsConfigDict(env_prefix="TIPDATA_", extra="ignore")

    home: Path = Field(
        default=Path("var"),
        description="Folder for the embedded database, demo data, reports and keys.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database. Empty: a SQLite file `tipdata.db` under "
            "TIPDATA_HOME. Example: postgresql+psycopg://user@127.0.0.1:5432/tipdata"
        ),
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses unsafe defaults (missing keys, debug).",
    )

    @property
    def effective_database_url(self) -> str:
        """The database URL in force: the configured one or the SQLite file under home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'tipdata.db').resolve()}"

    def ensure_home(self) -> Path:
        """Create the home folder if needed and return it."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"TIPDATA_HOME {self.home}: cannot create it ({exc})") from exc
        return self.home


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides (for tests and the CLI)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"invalid setting: {exc}") from exc
