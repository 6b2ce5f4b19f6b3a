"""Benchmark the demo generator: wall time, rows per file, peak RSS.

Run: ``.venv/bin/python benchmarks/bench_generate.py [--scale 1.0] [--seed 1] [--out DIR]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from tipdata.demo import generate


def main(argv: list[str] | None = None) -> int:
    """Generate once and print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2008)
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch)
        start = time.perf_counter()
        summary = generate(args.year, args.scale, args.seed, out=out)
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"scale {args.scale}  seed {args.seed}  wall time {seconds:.1f} s"
            f"  peak RSS {peak_mb:.0f} MB"
        )
        for name, rows in summary.files.items():
            print(f"  {name:40s} {rows:>10,d} rows")
        print(f"  {'ground_truth/persons.csv':40s} {summary.persons:>10,d} rows")
        print(f"  {'ground_truth/anomalies.csv':40s} {summary.anomalies:>10,d} rows")
        print(f"  total agency rows {sum(summary.files.values()):,d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
