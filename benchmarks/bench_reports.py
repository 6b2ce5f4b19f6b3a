"""Benchmark the TIP tables: every table's build time on SQLite and PostgreSQL.

Run: ``.venv/bin/python benchmarks/bench_reports.py [--scale 10] [--backends sqlite,postgresql]
[--keep DIR]``. Generates the demo at the scale, imports it into a fresh database per
backend, then times each TIP table (target: under 5 s each) and the publication gate.
PostgreSQL is reached as in the tests (127.0.0.1:5432, trust authentication).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.demo import generate
from tipdata.ingest import import_directory
from tipdata.reporting.indicators import default_catalogue
from tipdata.reporting.publish import publish
from tipdata.reporting.report import Report
from tipdata.reporting.tip import TIP_TABLES, lmis_tables
from tipdata.store import Database
from tipdata.store.refdata import sync_reference_data

TARGET_SECONDS = 5.0


def _postgres_url(name: str) -> sa.URL:
    return sa.URL.create("postgresql+psycopg", username="postgres", host="127.0.0.1", database=name)


def _admin(sql: str) -> None:
    engine = sa.create_engine(_postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(sql)
    engine.dispose()


def _database(backend: str, scratch: Path) -> tuple[Database, str | None]:
    if backend == "sqlite":
        return Database(f"sqlite:///{scratch / 'bench.db'}"), None
    name = f"tipdata_bench_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"')
    return Database(_postgres_url(name)), name


def bench(backend: str, delivery: Path, scratch: Path) -> bool:
    """Import the delivery and time each table; return whether all met the target."""
    database, pg_name = _database(backend, scratch)
    try:
        database.upgrade()
        sync_reference_data(database, load_codelists(), load_law_catalogue())
        started = time.perf_counter()
        import_directory(database, delivery, accept_valid_rows=True)
        print(f"[{backend}] import {time.perf_counter() - started:.1f} s", flush=True)
        catalogue = default_catalogue()
        start, end = date(2008, 1, 1), date(2008, 12, 31)
        ok = True
        tables = []
        for spec in TIP_TABLES:
            started = time.perf_counter()
            tables.append(spec.build(database, catalogue, start, end))
            seconds = time.perf_counter() - started
            ok &= seconds < TARGET_SECONDS
            print(f"[{backend}] {spec.name:32} {seconds:6.2f} s", flush=True)
        started = time.perf_counter()
        tables.extend(lmis_tables(database, start, end))
        seconds = time.perf_counter() - started
        ok &= seconds < TARGET_SECONDS
        print(f"[{backend}] {'lmis tables':32} {seconds:6.2f} s", flush=True)
        report = Report("bench", start, end, tuple(tables), generated_at=_now())
        started = time.perf_counter()
        publish(report)
        seconds = time.perf_counter() - started
        print(f"[{backend}] {'publish (suppression + audit)':32} {seconds:6.2f} s")
        return ok
    finally:
        database.dispose()
        if pg_name:
            _admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def main(argv: list[str] | None = None) -> int:
    """Generate, import and time; exit 1 if a table missed the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--keep", type=Path, default=None, help="keep the demo files here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        delivery = args.keep or Path(scratch) / "delivery"
        if not (delivery / "ground_truth").exists():
            started = time.perf_counter()
            generate(2008, args.scale, 1, out=delivery)
            print(f"generate scale {args.scale}: {time.perf_counter() - started:.1f} s", flush=True)
        ok = True
        for backend in args.backends.split(","):
            ok &= bench(backend, delivery, Path(scratch))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
