"""What each blocking rule buys on the demo: its candidate pairs, the true pairs among them,
and the true pairs no other rule finds (the recall lost without it).

Usage (the demo database cached by ``bench_linkage.py``, generated and imported once)::

    .venv/bin/python benchmarks/bench_blocking_rules.py --scale 1

Rules are those a full run uses on that database (``blocking.blocking_rules_for``);
pairs are counted as Splink's deduplication counts them (``l.unique_id < r.unique_id``),
true pairs from the generator's ground truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

if __package__ in (None, ""):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_linkage import demo_system
from tipdata.linkage.blocking import blocking_rules_for
from tipdata.linkage.engines import DuckDBEngine
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.linkage.truth import true_person_of_records


def rule_pairs(engine: DuckDBEngine, table_name: str, rule: str) -> np.ndarray:
    """The pairs one rule blocks, as ``left * 2**32 + right`` (left < right)."""
    found = engine.query(
        f"SELECT l.unique_id AS a, r.unique_id AS b FROM {table_name} AS l "
        f"JOIN {table_name} AS r ON {rule} AND l.unique_id < r.unique_id"
    )
    return (found["a"].to_numpy("int64") << 32) | found["b"].to_numpy("int64")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--drop", action="append", default=[],
                        help="rule numbers, e.g. 3,5: the pairs and true pairs lost without them"
                        " (repeat for several sets)")  # fmt: skip
    args = parser.parse_args()
    system = demo_system(args.scale)
    started = time.perf_counter()
    records = load_person_records(system.db)
    table = linkage_table(records)
    truth = true_person_of_records(records, system.settings.home / "delivery" / "ground_truth")
    person = pd.Series(truth)
    ids = table["unique_id"].astype("int64")
    engine = DuckDBEngine()
    name = engine.register(table, "records").physical_name
    rules = [
        rule.create_sql("duckdb") if hasattr(rule, "create_sql") else str(rule)
        for rule in blocking_rules_for(table)
    ]
    by_rule = [rule_pairs(engine, name, rule) for rule in rules]
    every = np.unique(np.concatenate(by_rule))
    counts = pd.Series(np.concatenate(by_rule)).value_counts()
    only_one = set(counts.index[counts.to_numpy() == 1])
    true_person = person.reindex(ids).to_numpy()
    position = pd.Series(np.arange(len(ids)), index=ids.to_numpy())

    def is_true(pairs: np.ndarray) -> np.ndarray:
        left = true_person[position.reindex(pairs >> 32).to_numpy()]
        right = true_person[position.reindex(pairs & 0xFFFFFFFF).to_numpy()]
        return (left == right) & pd.notna(left)

    groups = person.reindex(ids).value_counts()
    all_true = int((groups * (groups - 1) // 2).sum())
    blocked_true = int(is_true(every).sum())
    print(f"{len(table):,} records, {all_true:,} true pairs; {len(every):,} candidates, "
          f"{blocked_true:,} true ({time.perf_counter() - started:.0f} s)")  # fmt: skip
    print(f"{'':>3} {'pairs':>10} {'true':>7} {'only':>6}  rule")
    for number, (rule, pairs) in enumerate(zip(rules, by_rule, strict=True)):
        true = is_true(pairs)
        alone = np.fromiter((p in only_one for p in pairs[true]), dtype=bool, count=int(true.sum()))
        print(f"{number:>3} {len(pairs):>10,} {int(true.sum()):>7,} {int(alone.sum()):>6,}  {rule}")

    def reachable(pairs: np.ndarray) -> int:
        """True pairs whose records the true pairs among ``pairs`` connect (what clustering
        with a perfect model would join)."""
        true = pairs[is_true(pairs)]
        graph = sparse.coo_matrix(
            (
                np.ones(len(true)),
                (position.reindex(true >> 32).to_numpy(), position.reindex(true & 0xFFFFFFFF)),
            ),
            shape=(len(ids), len(ids)),
        )
        _count, component = csgraph.connected_components(graph, directed=False)
        sizes = pd.Series(component).value_counts().to_numpy("int64")
        return int((sizes * (sizes - 1) // 2).sum())

    print(f"true pairs connected by blocked true pairs: {reachable(every):,}")
    for dropped in args.drop:
        out = {int(n) for n in dropped.split(",")}
        kept = np.unique(np.concatenate([p for n, p in enumerate(by_rule) if n not in out]))
        fewer = len(every) - len(kept)
        print(f"without {sorted(out)}: {len(kept):,} candidates ({fewer:,} fewer), "
              f"{blocked_true - int(is_true(kept).sum()):,} true pairs lost, "
              f"{reachable(every) - reachable(kept):,} not connected")  # fmt: skip
    engine.close()


if __name__ == "__main__":
    main()
