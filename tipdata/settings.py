"""Typed settings, read from ``TIPDATA_*`` environment variables, failing fast."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
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
    disclosure_threshold: int = Field(
        default=10,
        ge=2,
        description=(
            "Published tables suppress counts from 1 to this value minus one (primary "
            "suppression), then enough other cells that none can be recovered from totals."
        ),
    )
    master_key: SecretStr | None = Field(
        default=None,
        description=(
            "Master key (32 bytes, base64) that wraps the data keys of protected fields. "
            "Empty: read TIPDATA_MASTER_KEY_FILE. Never stored in the database."
        ),
    )
    master_key_file: Path | None = Field(
        default=None,
        description=(
            "File holding the base64 master key. Empty: TIPDATA_HOME/keys/master.key "
            "(created with mode 0600 in development only)."
        ),
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, description="A web session ends after this many minutes without use."
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, description="A web session ends this many hours after sign-in."
    )
    password_time_cost: int = Field(
        default=3, ge=1, description="Argon2id iterations for password hashes."
    )
    password_memory_kib: int = Field(
        default=65536, ge=8, description="Argon2id memory (KiB) for password hashes."
    )
    password_parallelism: int = Field(
        default=4, ge=1, description="Argon2id lanes (threads) for password hashes."
    )
    login_free_failures: int = Field(
        default=3,
        ge=0,
        description="Failed sign-ins per (username, address) allowed before backoff starts.",
    )
    login_backoff_seconds: float = Field(
        default=2.0, gt=0, description="First backoff delay after the free failures; doubles."
    )
    login_backoff_max_seconds: float = Field(
        default=900.0, gt=0, description="Longest backoff delay between sign-in attempts."
    )
    login_account_max_failures: int = Field(
        default=10,
        ge=1,
        description=(
            "Failed sign-ins in a row for one account, from any address, after which the "
            "account is locked until an administrator unlocks it."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For "
            "header is believed. Empty: none; the peer address is the client."
        ),
    )

    audit_key: SecretStr | None = Field(
        default=None,
        description=(
            "HMAC key (base64, at least 16 bytes) signing the audit log's head checkpoint; "
            "not a data key. Empty: read TIPDATA_AUDIT_KEY_FILE."
        ),
    )
    audit_key_file: Path | None = Field(
        default=None,
        description=(
            "File holding the audit key. Empty: TIPDATA_HOME/keys/audit.key "
            "(created with mode 0600 in development only)."
        ),
    )
    audit_checkpoint_file: Path | None = Field(
        default=None,
        description=(
            "Where the signed head of the audit log is written after each commit. "
            "Empty: TIPDATA_HOME/keys/audit-head.json."
        ),
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
    except ValidationError as exc:
        problems = "; ".join(
            f"TIPDATA_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from None
