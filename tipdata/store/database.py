"""The :class:`Database`: one engine, sessions, and Alembic migrations run in-process.

SQLite and PostgreSQL differ only here (connection set-up) and in
:mod:`tipdata.store.backup`. A database is made by :meth:`Database.upgrade`,
never by ``create_all``.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tipdata.errors import ConfigError, DatabaseBusy, StorageError

if TYPE_CHECKING:
    from tipdata.access.keys import MasterKey

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000

Dialect = Literal["sqlite", "postgresql"]


def normalise_url(url: str | sa.URL) -> sa.URL:
    """Parse a database URL and pick our drivers: ``postgresql://`` means psycopg 3.

    Args:
        url: an SQLAlchemy URL, e.g. ``sqlite:///var/tipdata.db`` or
            ``postgresql+psycopg://user@127.0.0.1:5432/tipdata``.

    Returns:
        The parsed URL.

    Raises:
        StorageError: the URL is malformed or names another database system.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StorageError(f"invalid database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    return parsed


def safe_message(exc: BaseException, url: sa.URL) -> str:
    """One line describing a database error, with any password removed."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    text = lines[0] if lines else type(original).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


OWNER_ONLY = 0o600
"""Mode of every file tipdata writes that holds data: the database, its WAL, backups, keys."""


def make_private(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only, or take others' access away.

    SQLite gives the ``-wal`` and ``-shm`` files the mode of the database file, so a
    database created through here keeps all three private (the default umask would
    leave them readable by every local user: review finding 17).

    Args:
        path: the file.
    """
    if os.name != "posix":  # pragma: no cover - the server runs on Linux
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was readable by other users: made it owner-only (0600)", path)
            os.chmod(path, mode & 0o700)


BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
"""PostgreSQL: serialisation failure, deadlock, lock not available (retrying may succeed)."""


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "another writer is in the way" (worth retrying).

    Examples:
        >>> import sqlite3
        >>> is_busy(sqlite3.OperationalError("database is locked"))
        True
        >>> is_busy(sqlite3.OperationalError("no such table: person"))
        False
    """
    original = getattr(exc, "orig", None) or exc
    if getattr(original, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    text = str(original).lower()
    return "database is locked" in text or "database table is locked" in text or "busy" in text


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys, use WAL and wait for locks, on every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


class Database:
    """A tipdata database on SQLite or PostgreSQL.

    Args:
        url: SQLAlchemy URL; ``postgresql://`` is read as ``postgresql+psycopg://``.
        echo: log every SQL statement (debugging only).
        master_key: the master key wrapping this database's data keys, or a function
            loading it on first use (``System`` passes its settings' key). Services that
            write or read protected fields get the keys through it
            (``tipdata.access.protected.keyring_for``); without it they refuse.

    Examples:
        >>> db = Database("sqlite:///var/tipdata.db")  # doctest: +SKIP
        >>> db.upgrade()  # doctest: +SKIP
        >>> with db.session() as session:  # doctest: +SKIP
        ...     session.add(Agency(code="MOI", name="Ministry of Interior", kind="government"))
    """

    def __init__(
        self,
        url: str | sa.URL,
        *,
        echo: bool = False,
        master_key: MasterKey | Callable[[], MasterKey] | None = None,
    ) -> None:
        self.url = normalise_url(url)
        self._master_key = master_key
        if self.dialect == "sqlite":
            self._check_sqlite_folder()
        connect_args: dict[str, Any] = {}
        if self.dialect == "postgresql":
            connect_args["connect_timeout"] = 10
        try:
            # hide_parameters: an error's message and log never show the bound values
            # (they hold password hashes, ciphertexts and whatever a client sent).
            self.engine: sa.Engine = sa.create_engine(
                self.url,
                echo=echo,
                pool_pre_ping=True,
                connect_args=connect_args,
                hide_parameters=True,
            )
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StorageError(f"cannot use database {self.display_url}: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _configure_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def master_key(self) -> MasterKey:
        """The master key of this database (loaded on first use if given as a function).

        Raises:
            ConfigError: the database was opened without a master key.
        """
        source = self._master_key
        if source is None:
            raise ConfigError(
                f"{self.display_url} was opened without a master key: protected fields "
                "cannot be read or written (open it through System.from_settings, or pass "
                "Database(url, master_key=...))"
            )
        if callable(source):
            source = self._master_key = source()
        return source

    @property
    def dialect(self) -> Dialect:
        """``"sqlite"`` or ``"postgresql"``."""
        backend = self.url.get_backend_name()
        return "sqlite" if backend == "sqlite" else "postgresql"

    @property
    def display_url(self) -> str:
        """The URL with the password masked, fit for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    def _check_sqlite_folder(self) -> None:
        """Refuse a missing folder; create the file private, tighten a readable one."""
        database = self.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            file = Path(database).expanduser().resolve()
            if not file.parent.is_dir():
                raise StorageError(f"SQLite database folder {file.parent} does not exist")
            try:
                make_private(file)
                for companion in ("-wal", "-shm"):
                    if file.with_name(file.name + companion).exists():
                        make_private(file.with_name(file.name + companion))
            except OSError as exc:
                raise StorageError(f"SQLite database {file}: {exc.strerror}") from None

    def _storage_error(self, doing: str, exc: BaseException) -> StorageError:
        kind = DatabaseBusy if is_busy(exc) else StorageError
        return kind(f"{doing} {self.display_url} failed: {safe_message(exc, self.url)}")

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection in a transaction, committed on success and rolled back on error.

        Yields:
            The connection.

        Raises:
            StorageError: the database cannot be reached.
        """
        try:
            with self.engine.begin() as connection:
                yield connection
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self._storage_error("using database", exc) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session: committed when the block ends, rolled back if it raises.

        Integrity errors (``sqlalchemy.exc.IntegrityError``) reach the caller unchanged;
        a lost or unreachable database becomes :class:`StorageError`.

        Yields:
            The session; its objects stay readable after the commit.

        Raises:
            StorageError: the database cannot be reached.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            session.rollback()
            raise self._storage_error("using database", exc) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """Makes sessions that the caller commits and closes itself (long-lived work)."""
        return self._sessions

    def check(self) -> None:
        """Connect and run ``SELECT 1``.

        Raises:
            StorageError: the database cannot be reached.
        """
        with self.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def _alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        return config

    def head_revision(self) -> str:
        """The newest migration revision shipped with this version of tipdata."""
        head = ScriptDirectory.from_config(self._alembic_config()).get_current_head()
        if head is None:  # pragma: no cover - the package always ships migrations
            raise StorageError(f"no migrations found in {MIGRATIONS_DIR}")
        return head

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the database up to ``revision`` (creating every table on an empty one).

        Args:
            revision: an Alembic revision id, or ``"head"``.

        Raises:
            StorageError: the database cannot be reached or a migration fails.
        """
        self._run_migration("upgrade", revision)

    def downgrade(self, revision: str) -> None:
        """Migrate the database down to ``revision`` (``"base"`` drops every table).

        Args:
            revision: an Alembic revision id, or ``"base"``.

        Raises:
            StorageError: the database cannot be reached or a migration fails.
        """
        self._run_migration("downgrade", revision)

    def _run_migration(self, direction: Literal["upgrade", "downgrade"], revision: str) -> None:
        config = self._alembic_config()
        log.info("%s of %s to %s", direction, self.display_url, revision)
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.connect() as connection:
                if sqlite:
                    # SQLite rebuilds a table to alter it (copy, drop, rename); with foreign
                    # keys enforced, dropping a referenced table fails. The pragma only takes
                    # effect outside a transaction, so switch it off first and check every
                    # foreign key before committing instead.
                    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    connection.commit()
                try:
                    with connection.begin():
                        config.attributes["connection"] = connection
                        if direction == "upgrade":
                            command.upgrade(config, revision)
                        else:
                            command.downgrade(config, revision)
                        if sqlite:
                            self._check_foreign_keys(connection)
                finally:
                    if sqlite:
                        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                        connection.commit()
        except StorageError:
            raise
        except Exception as exc:
            raise self._storage_error(f"{direction} to {revision} of", exc) from None

    def _check_foreign_keys(self, connection: sa.Connection) -> None:
        """Refuse a migration that left a dangling foreign key (SQLite, checked by hand)."""
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            tables = sorted({str(row[0]) for row in broken})
            raise StorageError(
                f"migration of {self.display_url} left {len(broken)} rows with a dangling "
                f"foreign key in {', '.join(tables)}; nothing was changed"
            )

    def current_revision(self) -> str | None:
        """The migration revision the database is at, or None if it was never migrated.

        Raises:
            StorageError: the database cannot be reached.
        """
        with self.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def table_names(self) -> list[str]:
        """Names of every table in the database, sorted (``alembic_version`` included).

        Raises:
            StorageError: the database cannot be reached.
        """
        with self.connect() as connection:
            return sorted(sa.inspect(connection).get_table_names())

    def dispose(self) -> None:
        """Close every pooled connection (call before restoring or dropping the database)."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Database({self.display_url!r})"
