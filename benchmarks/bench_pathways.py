"""Benchmark: pathway assembly at scale 10 (target < 60 s) and legal-check precision/recall.

    python benchmarks/bench_pathways.py [--scale 10] [--db PATH] [--delivery DIR]

Generates the demo delivery (unless ``--delivery`` names one), imports it into a SQLite
database (unless ``--db`` names an imported one), links person records by the ground
truth, then times the assembly and checks and prints precision and recall.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.demo import generate
from tipdata.ingest import import_directory
from tipdata.legal.evaluation import evaluate, oracle_link
from tipdata.legal.run import run_checks
from tipdata.pathways import assemble_pathways
from tipdata.store import Database
from tipdata.store.refdata import sync_reference_data

TARGET_SECONDS = 60.0


def main(argv: list[str]) -> int:
    """Run the benchmark; exit 1 when assembly misses the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--delivery", type=Path)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_pathways_"))
    delivery = args.delivery or work / "delivery"
    if args.delivery is None:
        started = time.perf_counter()
        generate(year=2008, scale=args.scale, seed=1, out=delivery)
        print(f"generate scale {args.scale}: {time.perf_counter() - started:.1f} s")
    db_path = args.db or work / "bench.db"
    db = Database(f"sqlite:///{db_path}")
    if args.db is None:
        started = time.perf_counter()
        db.upgrade()
        sync_reference_data(db, load_codelists(), load_law_catalogue())
        import_directory(db, delivery, accept_valid_rows=True)
        oracle_link(db, delivery)
        print(f"import and link: {time.perf_counter() - started:.1f} s")
    with db.session() as session:
        started = time.perf_counter()
        victims = assemble_pathways(session, "victim")
        suspects = assemble_pathways(session, "prosecution")
        assembly = time.perf_counter() - started
    steps = sum(len(p.steps) + len(p.undated) for p in victims + suspects)
    print(
        f"assembly: {len(victims):,} victim and {len(suspects):,} prosecution pathways, "
        f"{steps:,} steps in {assembly:.1f} s (target < {TARGET_SECONDS:.0f} s)"
    )
    started = time.perf_counter()
    results = run_checks(db, store=False)
    print(
        f"all checks: {len(results.findings):,} findings in {time.perf_counter() - started:.1f} s "
        f"{ {k: round(v, 1) for k, v in results.seconds.items()} }"
    )
    print(evaluate(db, delivery, results.findings).summary())
    return 0 if assembly < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
