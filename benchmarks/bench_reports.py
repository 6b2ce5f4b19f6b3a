"""Benchmark the TIP tables: every table's build time on SQLite and PostgreSQL (target < 5 s).

    .venv/bin/python benchmarks/bench_reports.py [--scale 10] [--backends sqlite,postgresql]
        [--rebuild]

Uses the cached demo database of :mod:`tipdata.demo.benchdb` per backend
(``var/bench/scale-<scale>-<engine>``, imported and linked by the ground truth on the
first run, reused after; PostgreSQL at 127.0.0.1:5432 with trust authentication), then
times each TIP table, the LMIS tables and the publication gate, with the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from tipdata.demo.benchdb import DEFAULT_ROOT, BenchEngine, bench_database
from tipdata.errors import TipdataError
from tipdata.reporting.indicators import default_catalogue
from tipdata.reporting.publish import publish
from tipdata.reporting.report import Report, ReportTable
from tipdata.reporting.tip import TIP_TABLES, lmis_tables

TARGET_SECONDS = 5.0


def bench(scale: float, backend: BenchEngine, root: Path, rebuild: bool) -> bool:
    """Time each table on one backend; return whether all met the target."""
    cached = bench_database(scale, backend, root, rebuild=rebuild)
    database = cached.db
    try:
        catalogue = default_catalogue()
        start, end = date(2008, 1, 1), date(2008, 12, 31)
        ok = True
        tables: list[ReportTable] = []
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"[{backend}] scale {scale:g}, load average {load}", flush=True)
        overall = time.perf_counter()
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
        report = Report("bench", start, end, tuple(tables), generated_at=datetime.now(UTC))
        started = time.perf_counter()
        try:
            publish(report)
        except TipdataError as error:  # an unsafe or malformed release is a finding here
            print(f"[{backend}] publish failed: {error}")
        seconds = time.perf_counter() - started
        print(f"[{backend}] {'publish (suppression + audit)':32} {seconds:6.2f} s")
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"[{backend}] all tables {time.perf_counter() - overall:.1f} s; "
            f"{'every table' if ok else 'NOT every table'} under {TARGET_SECONDS:.0f} s; "
            f"load average {load}",
            flush=True,
        )
        return ok
    finally:
        database.dispose()


def main(argv: list[str] | None = None) -> int:
    """Time the tables on each backend; exit 1 if a table missed the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="cache folder")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    args = parser.parse_args(argv)
    ok = True
    for backend in args.backends.split(","):
        if backend not in ("sqlite", "postgresql"):
            parser.error(f"unknown backend {backend!r}: sqlite or postgresql")
        ok &= bench(args.scale, backend, args.root, args.rebuild)  # type: ignore[arg-type]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
