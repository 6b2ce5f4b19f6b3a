"""A demo database at a given scale, imported and linked by the ground truth, cached on disk.

The pathway and report benchmarks time assembly and TIP tables, not import or linkage, so
they share one database per scale and engine, built once and reused::

    var/bench/scale-10-delivery/          the generated agency files and ground truth
    var/bench/scale-10-sqlite/bench.db    the SQLite database
    var/bench/scale-10-postgresql/        (the PostgreSQL database is ``tipdata_bench_scale_10``)
    var/bench/scale-10-<engine>/master.key  the synthetic database's own master key (0600)
    var/bench/scale-10-<engine>/ready.json  written last: what was built and how long it took

Person records are linked by the generator's ground truth
(:func:`tipdata.legal.evaluation.oracle_link`), so the figures do not depend on linkage
speed or quality. A folder without ``ready.json`` (an interrupted build) is rebuilt. A reused
database is not upgraded in place (the benchmarks say when it is behind the newest
migration; rebuild it to measure on the newest schema).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from tipdata.access.keys import MasterKey, write_key_file
from tipdata.store import Database

logger = logging.getLogger(__name__)

BenchEngine = Literal["sqlite", "postgresql"]
DEFAULT_ROOT = Path("var/bench")
YEAR = 2008
SEED = 1


@dataclass
class BenchDatabase:
    """A cached benchmark database and what building it cost.

    Attributes:
        db: the open database (dispose it when done).
        delivery: the demo delivery it was imported from.
        reused: True when the cache was reused, False when built now.
        build_seconds: step -> seconds of the build (from ``ready.json`` when reused).
    """

    db: Database
    delivery: Path
    reused: bool
    build_seconds: dict[str, float] = field(default_factory=dict)


def scale_label(scale: float) -> str:
    """The scale as it appears in folder and database names (``10``, ``0.3`` -> ``0_3``)."""
    return f"{scale:g}".replace(".", "_")


def postgres_url(database: str, host: str = "127.0.0.1") -> sa.URL:
    """URL of a database on the local PostgreSQL server (trust authentication)."""
    return sa.URL.create("postgresql+psycopg", username="postgres", host=host, database=database)


def _master_key(folder: Path, fresh: bool) -> MasterKey:
    """The master key of a cached database (a new one when building it afresh)."""
    path = folder / "master.key"
    if fresh:
        path.unlink(missing_ok=True)
        write_key_file(path, MasterKey.generate())
    return MasterKey.from_base64(path.read_text(encoding="ascii"))


def _postgres_admin(sql: str) -> None:
    engine = sa.create_engine(postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def demo_delivery(
    scale: float, root: Path = DEFAULT_ROOT, say: Callable[[str], None] = print
) -> Path:
    """The generated demo delivery at ``scale``, generated once under ``root``.

    Args:
        scale: the demo scale (1.0 follows the 2009 report's volumes).
        root: the cache folder.
        say: called with one line per step.

    Returns:
        The delivery folder.
    """
    from tipdata.demo import generate

    delivery = root / f"scale-{scale_label(scale)}-delivery"
    done = delivery / "ground_truth" / "records.csv"
    if not done.exists():
        started = time.perf_counter()
        partial = delivery.with_name(delivery.name + ".partial")
        generate(year=YEAR, scale=scale, seed=SEED, out=partial)
        partial.rename(delivery)
        say(f"generate scale {scale:g}: {time.perf_counter() - started:.1f} s -> {delivery}")
    return delivery


def bench_database(
    scale: float,
    engine: BenchEngine,
    root: Path = DEFAULT_ROOT,
    *,
    rebuild: bool = False,
    say: Callable[[str], None] = print,
) -> BenchDatabase:
    """The demo at ``scale`` on ``engine``, imported and linked by the ground truth (cached).

    Args:
        scale: the demo scale; the cache is keyed on it.
        engine: ``sqlite`` (a file under ``root``) or ``postgresql`` (127.0.0.1:5432).
        root: the cache folder (``var/bench`` by default).
        rebuild: build again even when a cached database is ready.
        say: called with one line per step (timings, no personal data).

    Returns:
        The database, open; the caller disposes it.
    """
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.ingest import import_directory
    from tipdata.legal.evaluation import oracle_link
    from tipdata.store.refdata import sync_reference_data

    root.mkdir(parents=True, exist_ok=True)
    delivery = demo_delivery(scale, root, say)
    folder = root / f"scale-{scale_label(scale)}-{engine}"
    folder.mkdir(parents=True, exist_ok=True)
    ready = folder / "ready.json"
    pg_name = f"tipdata_bench_scale_{scale_label(scale)}"
    url: str | sa.URL = (
        f"sqlite:///{folder / 'bench.db'}" if engine == "sqlite" else postgres_url(pg_name)
    )
    if ready.exists() and not rebuild:
        db = Database(url, master_key=_master_key(folder, fresh=False))
        built = json.loads(ready.read_text(encoding="utf-8"))
        say(f"[{engine}] reusing the scale {scale:g} database in {folder}")
        current, head = db.current_revision(), db.head_revision()
        if current != head:
            # not upgraded in place: a failed migration would spoil a cache that took
            # minutes to build; the benchmarks read columns every revision since has
            say(f"[{engine}] note: cached at revision {current}, head is {head} "
                "(--rebuild to measure on the newest schema)")  # fmt: skip
        return BenchDatabase(db, delivery, True, built.get("seconds", {}))
    ready.unlink(missing_ok=True)
    if engine == "sqlite":
        (folder / "bench.db").unlink(missing_ok=True)
    else:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        _postgres_admin(f'CREATE DATABASE "{pg_name}"')
    db = Database(url, master_key=_master_key(folder, fresh=True))
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    db.upgrade()
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    seconds["schema"] = time.perf_counter() - started
    started = time.perf_counter()
    results = import_directory(db, delivery, accept_valid_rows=True, imported_by="bench")
    seconds["import"] = time.perf_counter() - started
    rows = sum(r.rows_stored + r.rows_updated for r in results)
    say(f"[{engine}] import scale {scale:g}: {rows:,} rows in {seconds['import']:.1f} s")
    started = time.perf_counter()
    persons = oracle_link(db, delivery)
    seconds["link"] = time.perf_counter() - started
    say(f"[{engine}] link by ground truth: {persons:,} persons in {seconds['link']:.1f} s")
    if engine == "postgresql":
        with db.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    ready.write_text(
        json.dumps(
            {"scale": scale, "year": YEAR, "seed": SEED, "engine": engine, "rows": rows,
             "persons": persons, "seconds": {k: round(v, 1) for k, v in seconds.items()}},
            indent=2,
        ),
        encoding="utf-8",
    )  # fmt: skip
    return BenchDatabase(db, delivery, False, seconds)
