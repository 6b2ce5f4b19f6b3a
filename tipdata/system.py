"""The application object: one `System` built from settings wires the database and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from tipdata.settings import Settings
from tipdata.store.database import Database

if TYPE_CHECKING:
    from tipdata.access import Keyring, MasterKey, Passwords


@dataclass
class System:
    """Everything a front (CLI, web) needs, built once from `Settings`; no globals.

    Examples:
        >>> system = System.from_settings(load_settings(home=tmp_path))  # doctest: +SKIP
        >>> system.upgrade()  # doctest: +SKIP
    """

    settings: Settings
    _db: Database | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> System:
        """Build the system for these settings (the SQLite home folder is created if needed)."""
        if not settings.database_url:
            settings.ensure_home()
        return cls(settings=settings)

    @cached_property
    def db(self) -> Database:
        """The database, connected lazily; its audit appends keep the signed head up to date."""
        from tipdata.access.checkpoint import HeadCheckpoint, attach_checkpoint

        database = self._db or Database(
            self.settings.effective_database_url, master_key=lambda: self.master_key
        )
        attach_checkpoint(database.engine, HeadCheckpoint.from_settings(self.settings))
        return database

    @property
    def database_label(self) -> str:
        """The database URL with any password hidden, for messages."""
        return make_url(self.settings.effective_database_url).render_as_string(hide_password=True)

    @cached_property
    def passwords(self) -> Passwords:
        """Argon2id password hashing with the configured costs."""
        from tipdata.access import ArgonParameters, Passwords

        return Passwords(ArgonParameters.from_settings(self.settings))

    @cached_property
    def master_key(self) -> MasterKey:
        """The master key, from TIPDATA_MASTER_KEY or its key file (never from the database)."""
        from tipdata.access import load_master_key

        return load_master_key(self.settings)

    def keyring(self) -> Keyring:
        """The unwrapped data keys (field cipher and blind index), in memory only."""
        from tipdata.access import load_keyring

        with self.db.session() as session:
            return load_keyring(session, self.master_key)

    def upgrade(self) -> str:
        """Migrate the database to the newest schema and return the revision."""
        self.db.upgrade()
        return self.db.current_revision() or ""

    def load_reference_data(self) -> dict[str, int]:
        """Load code lists and the law catalogue into the database; return rows per table."""
        from tipdata.codelists import load_codelists, load_law_catalogue
        from tipdata.store.refdata import sync_reference_data

        return sync_reference_data(self.db, load_codelists(), load_law_catalogue())
