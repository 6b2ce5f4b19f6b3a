"""Reviewers' decisions as labels: pairwise F1 before review, after it, and with m from it.

Usage::

    .venv/bin/python benchmarks/bench_review_labels.py --set trafficking-2009 --seed 1

Generates an unseen evaluation set (``benchmarks/unseen``, ``var/bench/review-labels/``),
imports it into a fresh SQLite home and links it as ``tipdata link --mode full`` does,
then decides every pending pair of the review queue by the set's truth (as a perfect
reviewer would) and links in full again three times on the same database and decisions:
with the labels weighing nothing (m from the model, decisions only as must/cannot-links),
with m estimated from the "same" decisions at ``labels.LABEL_PSEUDO_MATCHES``, and at a
tenth of it. Each line gives pairwise and B-cubed figures and the pairs left pending.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import sqlalchemy as sa

import tipdata.linkage.labels as labels
from benchmarks.unseen import SET_NAMES, generate
from benchmarks.unseen.evaluate import (
    fresh_system,
    import_set,
    load_records,
    tipdata_link,
    truth_of,
)
from tipdata.linkage.blocking import record_ids_by_key
from tipdata.linkage.evaluation import clustering_accuracy
from tipdata.linkage.service import decide_pair
from tipdata.store import ReviewPair
from tipdata.store.linkage import ReviewStatus
from tipdata.system import System

ROOT = Path("var/bench/review-labels")


def _pending(system: System) -> list[tuple[int, tuple[int, str], tuple[int, str]]]:
    with system.db.session() as session:
        return [
            (p.id, (p.left_source_record_id, p.left_role), (p.right_source_record_id, p.right_role))
            for p in session.scalars(
                sa.select(ReviewPair).where(ReviewPair.status == ReviewStatus.PENDING)
            )
        ]


def run(name: str, seed: int, scale: float) -> None:
    """Print the figures of one set (see the module docstring)."""
    folder = ROOT / f"{name}-seed{seed}-scale{scale:g}"
    generated = generate(name, folder / "set", seed=seed, scale=scale)
    system = fresh_system(folder / "home")
    import_set(system, generated)
    truth = truth_of(load_records(system), generated, system.keyring())

    def score(tag: str) -> None:
        started = time.perf_counter()
        a = clustering_accuracy(tipdata_link(system), truth)
        print(
            f"{tag}: pairwise P {a.pairwise_precision:.4f} R {a.pairwise_recall:.4f} "
            f"F1 {a.pairwise_f1:.4f}; B-cubed F1 {a.bcubed_f1:.4f}; persons "
            f"{a.predicted_entities} / {a.true_entities}; pending {len(_pending(system))}; "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )

    score("before review")
    pairs = _pending(system)
    ids = record_ids_by_key(system.db, [key for _id, a, b in pairs for key in (a, b)])
    same = 0
    for pair_id, left, right in pairs:
        if left in ids and right in ids:
            decision = "same" if truth[ids[left]] == truth[ids[right]] else "different"
            same += decision == "same"
            decide_pair(system.db, pair_id, decision, actor=None, expected_status="pending")
    print(f"decided {len(pairs)} pending pairs by the truth: {same} same", flush=True)
    weight = labels.LABEL_PSEUDO_MATCHES
    try:
        labels.LABEL_PSEUDO_MATCHES = 1e15
        score("after review, m from the model")
        labels.LABEL_PSEUDO_MATCHES = weight
        score(f"after review, m from the labels (weight {weight:g})")
        labels.LABEL_PSEUDO_MATCHES = weight / 10
        score(f"after review, m from the labels (weight {weight / 10:g})")
    finally:
        labels.LABEL_PSEUDO_MATCHES = weight


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--set", choices=SET_NAMES, default="trafficking-2009")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    arguments = parser.parse_args()
    run(arguments.set, arguments.seed, arguments.scale)


if __name__ == "__main__":
    main()
