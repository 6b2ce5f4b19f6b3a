"""Shared fixtures: the same test runs on SQLite and on PostgreSQL.

``db`` is an empty database migrated to head, on each backend (``[sqlite]``
and ``[postgresql]``; the latter is marked ``postgres``, so
``pytest -m "not postgres"`` runs without a server). Each backend is migrated
once per session into a template (a SQLite file, a PostgreSQL template
database). SQLite tests each get a copy of the file; PostgreSQL tests share one
copy per module, emptied after every test (ids restart at 1).

No PostgreSQL database is dropped while the tests run: each is listed and the
process that started the run drops them all at its end, several at once. A
``DROP DATABASE`` makes PostgreSQL 15 wait for a checkpoint, which writes out
every changed page of the server: 0.2 to 9 s each on the shared machine (eight
drops one after the other 45 s; the same eight at once 1.4 s).

Test databases skip waiting for the disk at each commit (SQLite ``synchronous=OFF``,
PostgreSQL ``synchronous_commit=off`` on the test databases only): that changes what
survives a power cut, not what a transaction sees, and a commit costs a few
milliseconds less, which the suite does tens of thousands of times.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

from tests.run_cache import built_once, databases_to_drop, drop_at_end
from tipdata.access.keys import MasterKey
from tipdata.store import Database, metadata

TEST_MASTER_KEY = MasterKey(bytes(range(32)))
"""The master key of every test database (protected fields need one)."""

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USERS = ("postgres", "root")

# Property tests judge behaviour, not speed: Hypothesis's default 200 ms deadline per
# example fails under load (a first example that loads the code lists cold took 431 ms
# at load 27), and speed targets live in benchmarks/.
settings.register_profile("tipdata", deadline=None)
settings.load_profile("tipdata")


@sa.event.listens_for(sa.Engine, "connect")
def _no_sync_in_tests(dbapi_connection: object, _record: object) -> None:
    """Every SQLite connection of the test process: commit without fsync."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA synchronous=OFF")
        finally:
            cursor.close()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@dataclass
class PostgresServer:
    """The test PostgreSQL server, reached as a superuser with trust authentication."""

    user: str

    def url(self, database: str) -> sa.URL:
        """URL of one database on the server."""
        return sa.URL.create(
            "postgresql+psycopg", username=self.user, host=PG_HOST, port=PG_PORT, database=database
        )

    def _admin(self) -> sa.Engine:
        return sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def create_database(self, template: str | None = None) -> str:
        """Create a database ``tipdata_test_<random hex>`` and return its name."""
        name = f"tipdata_test_{secrets.token_hex(6)}"
        clause = f' TEMPLATE "{template}"' if template else ""
        engine = self._admin()
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
                # a test database need not survive a power cut: commits skip the WAL flush
                connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            engine.dispose()
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, closing whatever connections are still open on it."""
        engine = self._admin()
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            engine.dispose()


def drop_databases(listed: list[tuple[str, str]]) -> None:
    """Drop ``(user, database)`` pairs, eight at a time (their checkpoints coincide)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: PostgresServer(item[0]).drop_database(item[1]), listed))


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The PostgreSQL server, as user ``postgres`` or else ``root``."""
    problems = []
    for user in PG_USERS:
        server = PostgresServer(user)
        engine = sa.create_engine(server.url("postgres"), connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return server
        except sa.exc.OperationalError as exc:
            problems.append(f"{user}: {str(exc.orig).strip().splitlines()[0]}")
        finally:
            engine.dispose()
    pytest.fail(
        f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable ({'; '.join(problems)}); "
        'start it or run pytest -m "not postgres"'
    )


@pytest.fixture(scope="session")
def postgres_template(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A PostgreSQL database migrated to head, copied by every ``postgresql_db``.

    Made once per run (pytest-xdist workers share it) and dropped when the run ends.
    """

    def build(_folder: Path) -> dict[str, str]:
        name = postgres_server.create_database()
        drop_at_end(tmp_path_factory, postgres_server.user, name)
        database = Database(postgres_server.url(name))
        try:
            database.upgrade()
        finally:
            database.dispose()  # a template database must have no open connection
        return {"name": name}

    _folder, built = built_once(tmp_path_factory, "postgres-template", build)
    return str(built["name"])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, copied by every ``sqlite_db`` (made once per run)."""

    def build(folder: Path) -> dict[str, str]:
        database = Database(f"sqlite:///{folder / 'tipdata.db'}")
        database.upgrade()
        database.dispose()  # the last connection to close checkpoints the WAL into the file
        return {}

    folder, _built = built_once(tmp_path_factory, "sqlite-template", build)
    return folder / "tipdata.db"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """When the whole run ends: drop the PostgreSQL databases its processes made."""
    drop_databases(databases_to_drop(session.config))


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A fresh SQLite database, migrated to head."""
    path = tmp_path / "tipdata.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}", master_key=TEST_MASTER_KEY)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def postgresql_module_db(
    postgres_server: PostgresServer,
    postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Database]:
    """One PostgreSQL database per test module, dropped with the others when the run ends.

    Per module, not per process: shared by a whole process, three audit-log tests of
    ``tests/access/test_audit.py`` on PostgreSQL failed in a whole run (their check found
    a head recorded by an earlier module's tests).
    """
    name = postgres_server.create_database(template=postgres_template)
    drop_at_end(tmp_path_factory, postgres_server.user, name)
    database = Database(postgres_server.url(name), master_key=TEST_MASTER_KEY)
    yield database
    database.dispose()


@pytest.fixture
def postgresql_db(postgresql_module_db: Database) -> Iterator[Database]:
    """A PostgreSQL database migrated to head and empty; emptied again after the test."""
    yield postgresql_module_db
    _reset_postgresql(postgresql_module_db)


_TABLES = """
SELECT coalesce(array_agg(tablename::text ORDER BY tablename::text), '{}') FROM pg_tables
WHERE schemaname = 'public'
"""


def _empty_tables_sql() -> str:
    """One script that deletes every row and restarts every id (children first)."""
    statements = ["SET LOCAL session_replication_role = replica"]
    statements += [f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)]
    statements += [
        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), 1, false)"
        for table in metadata.sorted_tables
        if "id" in table.c and table.c.id.primary_key
    ]
    return ";\n".join(statements)


_EMPTY_TABLES = _empty_tables_sql()
_EXPECTED_TABLES = sorted([*metadata.tables, "alembic_version"])
_HEAD_REVISION: list[str] = []
"""The head migration revision, read once (reading it parses every migration script)."""


def _reset_postgresql(database: Database) -> None:
    """Delete every row and restart every id; rebuild the schema if the test changed it.

    Three round trips to the server (tables, revision, then one script) instead of a
    hundred statements: the reset runs after each of the five hundred PostgreSQL tests.
    """
    if not _HEAD_REVISION:
        _HEAD_REVISION.append(database.head_revision())
    with database.connect() as connection:
        tables = connection.exec_driver_sql(_TABLES).scalar_one()
        revisions = (
            connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
            if "alembic_version" in tables
            else []
        )
        if tables == _EXPECTED_TABLES and revisions == _HEAD_REVISION:
            # the audit log refuses DELETE (its append-only trigger); a superuser may skip it
            connection.exec_driver_sql(_EMPTY_TABLES)
            return
    with database.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    database.upgrade()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Database:
    """A fresh database migrated to head, on each backend in turn."""
    database: Database = request.getfixturevalue(f"{request.param}_db")
    return database


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database with no tables at all (not migrated), on each backend in turn."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'empty.db'}", master_key=TEST_MASTER_KEY)
        yield database
        database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    drop_at_end(request.getfixturevalue("tmp_path_factory"), server.user, name)
    database = Database(server.url(name), master_key=TEST_MASTER_KEY)
    yield database
    database.dispose()


pytest_plugins = ["tests.shared_demo"]
"""Session-wide demo fixtures (a demo delivery, imported demo databases to copy)."""


SLOW_MARKERS = ("spark", "slow", "browser")
"""Markers of slow tests, slowest kind first (a Spark session takes the longest)."""


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, keep the order of modules chosen by ``pytest_collection_modifyitems``.

    pytest-xdist 3 hands out ``--dist loadscope``'s modules sorted by their number of
    tests, most first, unless run with ``--no-loadscope-reorder``: the slow modules, which
    hold few tests (``tests/web/test_fuzz.py`` one, ``tests/linkage/test_engines.py`` five),
    went out among the last of the 182 modules, to run alone at the end.
    """
    if hasattr(config.option, "loadscopereorder"):  # the pytest-xdist plugin is loaded
        config.option.loadscopereorder = False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, hand out the modules that hold slow tests first.

    ``--dist loadscope`` gives whole modules to the workers in collection order (kept by
    :func:`pytest_configure`), so a slow module collected last would run alone at the end.
    Whole modules move (the order inside a module is kept): modules with a ``spark`` test
    first, then ``slow``, then ``browser``, then the rest. Only in workers: a run without
    ``-n`` keeps its order.
    """
    if not hasattr(config, "workerinput"):
        return
    rank: dict[str, int] = {}
    for item in items:
        path = item.nodeid.split("::")[0]
        kinds = [i for i, marker in enumerate(SLOW_MARKERS) if item.get_closest_marker(marker)]
        rank[path] = min([rank.get(path, len(SLOW_MARKERS)), *kinds])
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])
