"""Alembic environment for tipdata.

:meth:`tipdata.store.Database.upgrade` passes an open connection in
``config.attributes["connection"]``; no ``alembic.ini`` is needed at runtime.
For ``alembic revision --autogenerate`` during development, set
``sqlalchemy.url`` in the Alembic config and ``script_location`` to this folder.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from tipdata.store import metadata

config = context.config
target_metadata = metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the connection given by the caller, or on ``sqlalchemy.url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "", hide_parameters=True)
    with engine.begin() as own_connection:
        _run(own_connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("tipdata migrations run online only")
run_migrations_online()
