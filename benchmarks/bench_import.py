"""Benchmark: importing the IOM returnee log (130,000 rows at scale 1.0), SQLite and PostgreSQL.

Each case runs in its own subprocess, which reports its wall time and its peak
resident memory (``ru_maxrss``), so cases do not share caches or heaps:

* ``tipdata``: ``import_file`` with the built-in mapping: every row read, validated
  and stored with its derived records (source record, person record, screening,
  return event) in one transaction;
* ``pandas``: ``pandas.read_csv(...).to_sql(...)`` of the same file into one table
  (the baseline: no validation, one row per row);
* the tipdata import of the first quarter of the file, to show that peak memory does
  not grow with the file size (streaming).

Run: ``.venv/bin/python benchmarks/bench_import.py [--scale 1.0] [--all-sources]
[--data DIR] [--no-postgres]``. pandas is needed only for the baseline
(``.venv/bin/pip install pandas``); without it that case is skipped.
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
case, url, path, source = {case!r}, {url!r}, {path!r}, {source!r}
if case == "pandas":
    import pandas as pd
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.to_sql("baseline", engine, if_exists="replace", index=False)
    seconds = time.perf_counter() - started
    rows = len(frame)
else:
    from benchmarks.bench_import import prepare_database
    from tipdata.ingest import import_directory, import_file
    db = prepare_database(url)
    started = time.perf_counter()
    if source == "*":
        results = import_directory(db, path)
    else:
        results = [import_file(db, path, source=source)]
    seconds = time.perf_counter() - started
    assert all(r.status == "committed" for r in results), [r.summary() for r in results]
    rows = sum(r.rows_read for r in results)
usage = resource.getrusage(resource.RUSAGE_SELF)
peak_mb = usage.ru_maxrss / 1024
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({{"rows": rows, "seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb}}))
"""


def prepare_database(url: str):  # type: ignore[no-untyped-def]
    """Migrate a fresh database and load the code lists into it."""
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.store import Database, metadata

    try:  # protected fields are encrypted on import: a throwaway key for a throwaway database
        from tipdata.access.keys import MasterKey

        db = Database(url, master_key=MasterKey.generate())
    except TypeError:  # a tipdata from before protected fields (to compare)
        from tipdata.access.keys import MasterKey

    db = Database(url, master_key=MasterKey(secrets.token_bytes(32)))  # a throwaway key
    db.upgrade()
    try:
        from tipdata.store.refdata import sync_reference_data  # type: ignore[import-not-found]
    except ImportError:
        codelists = load_codelists()
        t = metadata.tables
        with db.connect() as connection:
            connection.execute(
                t["province"].insert(),
                [
                    {"code": p.code, "name_en": p.name_en, "name_km": p.name_km, "kind": p.kind}
                    for p in codelists.all_provinces
                ],
            )
            connection.execute(
                t["country"].insert(),
                [{"iso3": c.iso3, "name": c.name} for c in codelists.countries.by_iso3.values()],
            )
            connection.execute(
                t["agency"].insert(),
                [
                    {"code": a.code, "name": a.name, "kind": a.kind}
                    for a in codelists.agencies.by_code.values()
                ],
            )
            connection.execute(
                t["exploitation_type"].insert(),
                [{"code": e.code, "name": e.name_en} for e in codelists.exploitation_types],
            )
    else:
        sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


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


def _run_case(case: str, url: str, path: Path, source: str) -> dict[str, float]:
    code = CHILD.format(repo=str(REPO), case=case, url=url, path=str(path), source=source)
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


def main() -> None:
    """Run every case and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--data", type=Path, default=None, help="an existing demo delivery")
    parser.add_argument("--all-sources", action="store_true", help="also import every file")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    folder = _data(args.scale, args.data)
    iom = next(folder.glob(f"{IOM_SOURCE}_*.csv"))
    try:
        import pandas  # noqa: F401

        have_pandas = True
    except ImportError:
        have_pandas = False
        print("pandas is not installed: the baseline is skipped (pip install pandas)")

    admin, pg_user = (None, None) if args.no_postgres else _pg_admin()
    rows_out: list[tuple[str, str, str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        quarter = _head(iom, 0.25, scratch_dir)
        engines = ["sqlite"] + (["postgresql"] if admin is not None else [])
        for engine in engines:
            cases = [("tipdata", iom, IOM_SOURCE), ("tipdata (first 25%)", quarter, IOM_SOURCE)]
            if have_pandas:
                cases.append(("pandas read_csv+to_sql", iom, IOM_SOURCE))
            if args.all_sources:
                cases.append(("tipdata, all sources", folder, "*"))
            for label, path, source in cases:
                name = f"bench_{secrets.token_hex(4)}"
                if engine == "sqlite":
                    url = f"sqlite:///{scratch_dir / (name + '.db')}"
                else:
                    assert admin is not None
                    with admin.connect() as connection:
                        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                    url = f"postgresql+psycopg://{pg_user}@127.0.0.1:5432/{name}"
                try:
                    kind = "pandas" if label.startswith("pandas") else "tipdata"
                    print(f"{engine:10} {label} ...", flush=True)
                    rows_out.append((engine, label, path.name, _run_case(kind, url, path, source)))
                finally:
                    if engine == "postgresql":
                        assert admin is not None
                        with admin.connect() as connection:
                            connection.exec_driver_sql(
                                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                            )
    print()
    print(
        f"{'engine':10} {'case':28} {'rows':>8} {'seconds':>8} {'rows/s':>8} "
        f"{'client CPU s':>12} {'peak MB':>8}"
    )
    for engine, label, _file, figures in rows_out:
        rate = figures["rows"] / figures["seconds"] if figures["seconds"] else 0.0
        print(
            f"{engine:10} {label:28} {int(figures['rows']):>8} {figures['seconds']:>8.1f} "
            f"{rate:>8.0f} {figures['cpu_seconds']:>12.1f} {figures['peak_mb']:>8.0f}"
        )
    print(
        "client CPU s: CPU time of the importing process (on PostgreSQL the server's own "
        "work is not included); wall seconds depend on the machine's load."
    )
    print(
        f"\n(machine load at the end: {Path('/proc/loadavg').read_text().split()[:3]}; "
        f"{time.strftime('%Y-%m-%d %H:%M')})"
    )


if __name__ == "__main__":
    main()
