"""Benchmark: pathway assembly at scale 10 (target < 60 s) and legal-check precision/recall.

    .venv/bin/python benchmarks/bench_pathways.py [--scale 10] [--engine sqlite] [--rebuild]

Uses the cached demo database of :mod:`tipdata.demo.benchdb` (``var/bench/scale-<scale>-
<engine>``: generated, imported and linked by the ground truth on the first run, reused
after), then times the assembly of both pathways and the checks, and prints precision
and recall against the planted anomalies, with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from tipdata.checks import run_checks
from tipdata.demo.benchdb import DEFAULT_ROOT, bench_database
from tipdata.legal.evaluation import evaluate
from tipdata.pathways import assemble_pathways
from tipdata.pathways.model import pathway_model, stage_order

TARGET_SECONDS = 60.0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str]) -> int:
    """Run the benchmark; exit 1 when assembly misses the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="cache folder")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    args = parser.parse_args(argv)
    bench = bench_database(args.scale, args.engine, args.root, rebuild=args.rebuild)
    db = bench.db
    stage_order(), pathway_model("victim"), pathway_model("prosecution")  # code lists, once
    print(f"load average before: {load_average()}")
    assembly = assembly_cpu = 0.0
    steps = 0
    with db.session() as session:
        for kind in ("victim", "prosecution"):
            started, cpu = time.perf_counter(), time.process_time()
            pathways = assemble_pathways(session, kind)  # type: ignore[arg-type]
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            assembly += seconds
            assembly_cpu += cpu
            count = sum(len(p.steps) + len(p.undated) for p in pathways)
            steps += count
            print(f"[{args.engine}] {kind} pathways: {len(pathways):,}, {count:,} steps, "
                  f"{seconds:.1f} s (CPU {cpu:.1f} s)", flush=True)  # fmt: skip
            del pathways
    print(
        f"[{args.engine}] assembly scale {args.scale:g}: {steps:,} steps in {assembly:.1f} s "
        f"(CPU {assembly_cpu:.1f} s; target < {TARGET_SECONDS:.0f} s); "
        f"load average {load_average()}"
    )
    started = time.perf_counter()
    results = run_checks(db, store=False)
    print(
        f"all checks: {len(results.findings):,} findings in {time.perf_counter() - started:.1f} s "
        f"{ {k: round(v, 1) for k, v in results.seconds.items()} }"
    )
    print(evaluate(db, bench.delivery, results.findings).summary())
    db.dispose()
    return 0 if assembly < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
