"""How the suite runs (``tests/conftest.py``): under pytest-xdist the slow modules are handed
out first; the PostgreSQL test databases are shared per process and dropped at the end."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import PostgresServer, drop_databases


def test_loadscope_keeps_the_order_that_hands_out_slow_modules_first(
    pytestconfig: pytest.Config,
) -> None:
    # pytest-xdist's default would sort the modules by their number of tests instead,
    # sending the slow modules (few tests each) among the last.
    assert pytestconfig.option.loadscopereorder is False


def _databases(server: PostgresServer) -> set[str]:
    engine = sa.create_engine(server.url("postgres"))
    try:
        with engine.connect() as connection:
            return set(connection.execute(sa.text("SELECT datname FROM pg_database")).scalars())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_listed_databases_are_dropped_together_at_the_end(postgres_server: PostgresServer) -> None:
    # what pytest_sessionfinish does with the databases the run listed (drop_at_end)
    names = [postgres_server.create_database() for _ in range(3)]
    assert set(names) <= _databases(postgres_server)

    drop_databases([(postgres_server.user, name) for name in names])

    assert not set(names) & _databases(postgres_server)
