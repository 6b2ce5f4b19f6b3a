"""Benchmark: importing agency exports, SQLite and PostgreSQL, beside a pandas baseline.

Each case runs in its own subprocess, which reports its wall time, CPU time and peak
resident memory (``ru_maxrss``), so cases do not share caches or heaps.

For the IOM returnee log (133,478 rows at scale 1.0):

* ``tipdata``: ``import_file`` with the built-in mapping: every row read, validated
  and stored with its derived records (source record with the raw row and its keyed
  hash, person record with the name and age encrypted, screening with its seven
  indicator answers, return event) in one transaction;
* ``tipdata (first 25%)``: the same on the first quarter of the file: peak memory
  must not grow with the file size (streaming);
* ``pandas read_csv+to_sql``: the file loaded into one table with no index, no
  constraint and no validation (the baseline the issue names);
* ``same rows, bulk insert only``: the database rows the tipdata import wrote, read
  back and written again into an empty tipdata database by the fastest path each
  engine offers (``executemany`` of prepared tuples on SQLite, ``COPY`` on PostgreSQL),
  with no reading, validation or encryption: the cost of storing what an import must
  store, which no importer of this schema can go below.

``rows written`` counts the database rows each case added (all tables). With
``--all-sources`` every file of the delivery is imported by tipdata and, as the
baseline, loaded by pandas (``read_csv`` / ``read_excel``) into one table per file.

Run: ``.venv/bin/python benchmarks/bench_import.py [--scale 1.0] [--all-sources]
[--data DIR] [--no-postgres] [--no-sqlite] [--skip-iom]``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

IOM_SOURCE = "iom_poipet_screening"
PG_USERS = ("postgres", "root")

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
case, url, path, source, other = {case!r}, {url!r}, {path!r}, {source!r}, {other!r}
from benchmarks.bench_import import count_rows, pandas_load, prepare_database, reinsert
if case == "pandas":
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    started = time.perf_counter()
    rows, written = pandas_load(engine, path)
    seconds = time.perf_counter() - started
elif case == "floor":
    db = prepare_database(url)
    rows, written, seconds = reinsert(other, db)
else:
    from tipdata.ingest import import_directory, import_file
    db = prepare_database(url)
    before = count_rows(db)
    started = time.perf_counter()
    if source == "*":
        results = import_directory(db, path)
    else:
        results = [import_file(db, path, source=source)]
    seconds = time.perf_counter() - started
    assert all(r.status == "committed" for r in results), [r.summary() for r in results]
    rows = sum(r.rows_read for r in results)
    written = sum(count_rows(db).values()) - sum(before.values())
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"rows": rows, "written": written, "seconds": seconds,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024}}))
"""

DATA_TABLES = (
    "source_record",
    "person_record",
    "case",
    "case_person",
    "case_exploitation",
    "screening",
    "screening_answer",
    "event",
    "charge",
    "referral",
)
"""The tables an import writes, parents first (the order the bulk re-insert follows)."""


def prepare_database(url: str):  # type: ignore[no-untyped-def]
    """Migrate a fresh database and load the code lists into it (a throwaway data key)."""
    from tipdata.access.keys import MasterKey
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.store import Database
    from tipdata.store.refdata import sync_reference_data

    db = Database(url, master_key=MasterKey(secrets.token_bytes(32)))
    db.upgrade()
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


def count_rows(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows per table of a database (every table of the schema)."""
    import sqlalchemy as sa

    from tipdata.store import metadata

    with db.connect() as connection:
        return {
            name: int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar())
            for name, table in metadata.tables.items()
        }


def pandas_load(engine, path: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The baseline: each file read by pandas and written by ``to_sql`` to its own table."""
    import pandas as pd

    files = [Path(path)] if Path(path).is_file() else sorted(Path(path).glob("*.*"))
    rows = 0
    for number, file in enumerate(f for f in files if f.suffix in (".csv", ".xlsx")):
        if file.suffix == ".csv":
            frame = pd.read_csv(file, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_excel(file, dtype=str, keep_default_na=False)
        frame.to_sql(f"baseline_{number}", engine, if_exists="replace", index=False)
        rows += len(frame)
    return rows, rows


def reinsert(source_url: str, db) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    """Copy the imported rows of ``source_url`` into ``db``; time only the bulk writes.

    The import run and source rows the data refer to are copied first, untimed.
    Returns (source rows, rows written, seconds).
    """
    import sqlalchemy as sa

    from tipdata.ingest.dialect import TableWriter, import_session
    from tipdata.store import Database, metadata

    source = Database(source_url)
    tables = metadata.tables
    data: dict[str, list[tuple[object, ...]]] = {}
    with source.connect() as connection:
        runs = [dict(r._mapping) for r in connection.execute(sa.select(tables["import_run"]))]
        sources = [dict(r._mapping) for r in connection.execute(sa.select(tables["source"]))]
        quote = connection.dialect.identifier_preparer.quote
        for name in DATA_TABLES:
            # the driver's own values, in the writer's column order (no ORM conversion)
            columns = ", ".join(quote(c.name) for c in tables[name].columns)
            data[name] = [
                tuple(r) for r in connection.exec_driver_sql(f"SELECT {columns} FROM {quote(name)}")
            ]
    source.dispose()
    with db.connect() as connection:
        known = {r[0] for r in connection.execute(sa.select(tables["source"].c.id))}
        connection.execute(tables["source"].insert(), [s for s in sources if s["id"] not in known])
        connection.execute(tables["import_run"].insert(), runs)
        connection.commit()
    written = 0
    with db.connect() as connection, import_session(connection):
        started = time.perf_counter()  # the JSON conversion below is timed too (it is small)
        for name in DATA_TABLES:
            rows = data[name]
            if not rows:
                continue
            writer = TableWriter(connection, tables[name])
            for row in rows:  # JSON read back as objects on PostgreSQL: as text again
                values = list(row)
                for position, convert in writer.conversions:
                    values[position] = convert(values[position])
                writer.pending.append(values)
            written += writer.flush()
        connection.commit()
        seconds = time.perf_counter() - started
    return len(data["source_record"]), written, seconds


def _pg_admin():  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    for user in PG_USERS:
        engine = sa.create_engine(
            f"postgresql+psycopg://{user}@127.0.0.1:5432/postgres",
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 5},
        )
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return engine, user
        except Exception:
            engine.dispose()
    return None, None


def _run_case(case: str, url: str, path: Path, source: str, other: str = "") -> dict[str, float]:
    code = CHILD.format(
        repo=str(REPO), case=case, url=url, path=str(path), source=source, other=other
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )
    if done.returncode != 0:
        raise RuntimeError(f"{case} on {url} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _data(scale: float, data: Path | None) -> Path:
    folder = data or REPO / "var" / "bench" / f"scale-{scale:g}"
    if not (folder / "ground_truth" / "manifest.json").exists():
        from tipdata.demo import generate

        print(f"generating demo data at scale {scale:g} into {folder} ...", flush=True)
        generate(scale=scale, seed=1, out=folder)
    return folder


def _head(path: Path, fraction: float, out: Path) -> Path:
    """The header and the first ``fraction`` of the rows of a CSV file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    keep = 1 + int((len(lines) - 1) * fraction)
    target = out / path.name
    target.write_text("".join(lines[:keep]), encoding="utf-8")
    return target


class Databases:
    """Creates and drops the scratch databases of the cases."""

    def __init__(self, scratch: Path, admin, pg_user: str | None) -> None:  # type: ignore[no-untyped-def]
        self.scratch, self.admin, self.pg_user = scratch, admin, pg_user
        self.made: list[str] = []

    def new(self, engine: str) -> str:
        name = f"bench_{secrets.token_hex(4)}"
        if engine == "sqlite":
            return f"sqlite:///{self.scratch / (name + '.db')}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return f"postgresql+psycopg://{self.pg_user}@127.0.0.1:5432/{name}"

    def drop_all(self) -> None:
        for name in self.made:
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


def main() -> None:
    """Run every case and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--data", type=Path, default=None, help="an existing demo delivery")
    parser.add_argument("--all-sources", action="store_true", help="also import every file")
    parser.add_argument("--skip-iom", action="store_true", help="only the --all-sources cases")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()

    folder = _data(args.scale, args.data)
    iom = next(folder.glob(f"{IOM_SOURCE}_*.csv"))
    admin, pg_user = (None, None) if args.no_postgres else _pg_admin()
    results: list[tuple[str, str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        quarter = _head(iom, 0.25, scratch_dir)
        engines = ([] if args.no_sqlite else ["sqlite"]) + (
            ["postgresql"] if admin is not None else []
        )
        databases = Databases(scratch_dir, admin, pg_user)
        for engine in engines:
            cases: list[tuple[str, str, Path, str]] = []
            if not args.skip_iom:
                cases += [
                    ("tipdata", "tipdata", iom, IOM_SOURCE),
                    ("same rows, bulk insert only", "floor", iom, IOM_SOURCE),
                    ("tipdata (first 25%)", "tipdata", quarter, IOM_SOURCE),
                    ("pandas read_csv+to_sql", "pandas", iom, ""),
                ]
            if args.all_sources:
                cases += [
                    ("tipdata, all sources", "tipdata", folder, "*"),
                    ("pandas, all sources", "pandas", folder, ""),
                ]
            imported = ""
            try:
                for label, kind, path, source in cases:
                    url = databases.new(engine)
                    print(f"{engine:10} {label} ...", flush=True)
                    figures = _run_case(kind, url, path, source, other=imported)
                    results.append((engine, label, figures))
                    if label == "tipdata":
                        imported = url  # the floor case re-inserts these rows
            finally:
                if engine == "postgresql":
                    databases.drop_all()
    print()
    print(
        f"{'engine':10} {'case':28} {'file rows':>9} {'written':>9} {'seconds':>8} "
        f"{'file rows/s':>11} {'written/s':>9} {'CPU s':>6} {'peak MB':>7}"
    )
    for engine, label, figures in results:
        seconds = figures["seconds"] or 1e-9
        print(
            f"{engine:10} {label:28} {int(figures['rows']):>9,} {int(figures['written']):>9,} "
            f"{figures['seconds']:>8.1f} {figures['rows'] / seconds:>11,.0f} "
            f"{figures['written'] / seconds:>9,.0f} {figures['cpu_seconds']:>6.1f} "
            f"{figures['peak_mb']:>7.0f}"
        )
    print(
        "written: database rows added, all tables. CPU s: the importing process only (on "
        "PostgreSQL the server's work is not included). Wall seconds depend on the load."
    )
    print(
        f"\n(machine load at the end: {Path('/proc/loadavg').read_text().split()[:3]}; "
        f"{time.strftime('%Y-%m-%d %H:%M')})"
    )


if __name__ == "__main__":
    main()
