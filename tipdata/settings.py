"""Typed settings, read from ``TIPDATA_*`` environment variables, failing fast."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tipdata.errors import ConfigError

ReleasePeriod = Literal["year", "quarter", "month", "tip_year", "bi_week"]
"""Period types a release may cover (those of :mod:`tipdata.periods`)."""
RELEASE_PERIOD_TYPES: tuple[ReleasePeriod, ...] = (
    "year",
    "quarter",
    "month",
    "tip_year",
    "bi_week",
)


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
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+/?$",
        description=(
            "The address people open, e.g. https://tipdata.ntf.gov.kh (the reverse proxy's). "
            "An https address makes cookies Secure and sends HSTS; never decided from the "
            "request's Host header. Empty: Secure and HSTS in production, not in development."
        ),
    )
    disclosure_threshold: int = Field(
        default=10,
        ge=2,
        description=(
            "Published tables suppress counts from 1 to this value minus one (primary "
            "suppression), then enough other cells that none can be recovered from totals."
        ),
    )
    release_periods: str = Field(
        default="year,quarter,month",
        description=(
            "The fixed periods the NTF releases figures for, comma-separated: year, "
            "quarter, month, tip_year (April-March), bi_week. Readers outside the NTF see "
            "only released periods."
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
    allow_key_beside_database: bool = Field(
        default=False,
        description=(
            "Accept a master key file in the SQLite database's folder (or below it) in "
            "production. Off: production refuses it (one stolen folder or backup would "
            "hold both the ciphertexts and their key); development warns."
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

    xlsx_max_uncompressed_mb: int = Field(
        default=512,
        ge=1,
        description=(
            "An XLSX file to import may unpack to at most this many MB (all its parts); "
            "larger is refused before it is read (a zip bomb)."
        ),
    )
    xlsx_max_cells: int = Field(
        default=20_000_000,
        ge=1,
        description=(
            "A sheet to import may span at most this many cells (rows × columns from A1 to "
            "its last cell); larger is refused before it is read."
        ),
    )
    upload_max_age_hours: int = Field(
        default=24,
        ge=1,
        description=(
            "Uploads waiting for confirmation older than this are deleted (at start-up "
            "and on every upload)."
        ),
    )

    @field_validator("release_periods")
    @classmethod
    def _known_periods(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in RELEASE_PERIOD_TYPES]
        if not names or unknown:
            raise ValueError(
                f"release periods must be some of {', '.join(RELEASE_PERIOD_TYPES)}; "
                f"found {value!r}"
            )
        return ",".join(names)

    @property
    def release_period_types(self) -> tuple[ReleasePeriod, ...]:
        """:attr:`release_periods` as a tuple of period types."""
        chosen = self.release_periods.split(",")
        return tuple(name for name in RELEASE_PERIOD_TYPES if name in chosen)

    @property
    def https(self) -> bool:
        """Whether people reach the app over HTTPS (Secure cookies, HSTS), from configuration."""
        if self.public_url:
            return self.public_url.startswith("https://")
        return self.environment == "production"

    @property
    def effective_database_url(self) -> str:
        """The database URL in force: the configured one or the SQLite file under home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'tipdata.db').resolve()}"

    def ensure_home(self) -> Path:
        """Create the home folder if needed and return it."""
        try:
            # owner-only: the home holds the SQLite database, uploads and reports
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
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
