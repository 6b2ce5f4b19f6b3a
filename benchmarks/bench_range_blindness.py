"""Why a count falls outside its range over the review queue: the model's errors classified.

Usage::

    .venv/bin/python benchmarks/bench_range_blindness.py --scale 0.05 --seed 1

Generates and imports the demo (as ``bench_migration.py``: a fresh home under
``var/bench/migration/``), links it as ``tipdata link`` does while keeping every scored pair
(the pairs handed to clustering), then compares the persons with the ground truth:

* **false merges**: persons holding records of several true persons, by the strongest
  scored edge that joins two of those true persons (below 0.95, at 0.95 or more, or none:
  joined through other records), and how many of them the stored uncertain merges
  (``merge_part``) split, which the ranges undo;
* **missed merges**: true persons left in several persons, by what kept the parts apart: a
  pending pair (the range holds it), a pair scored below the review floor, a pair at or
  above the threshold the clustering kept apart (not queued), or no scored pair at all
  (no blocking rule put them together).
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter, defaultdict
from typing import Any

import pandas as pd
from bench_migration import build

import tipdata.linkage.run as linkage_run
from tipdata.linkage.features import load_person_records
from tipdata.linkage.service import link
from tipdata.linkage.truth import true_person_of_records
from tipdata.reporting.uncertainty import load_alternatives

CONFIDENT = 0.95
"""A merged edge below this is one a reviewer might undo."""


def _scored_pairs() -> tuple[dict[str, Any], Any]:
    """Patch the linkage run to keep the scored pairs it clusters; (kept, the original)."""
    kept: dict[str, Any] = {}
    original = linkage_run._cluster_and_store

    def keep(db: Any, run_id: Any, owner: Any, people: Any, table: Any, pairs: pd.DataFrame,
             model: Any, result: Any, cipher: Any) -> None:  # fmt: skip
        kept["pairs"] = pairs[["unique_id_l", "unique_id_r", "match_probability"]].copy()
        kept["threshold"], kept["floor"] = result.threshold, result.review_lower
        original(db, run_id, owner, people, table, pairs, model, result, cipher)

    linkage_run._cluster_and_store = keep  # type: ignore[assignment]
    return kept, original


def main() -> None:
    """Build, link, classify and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    system, delivery = build(args.scale, args.seed)
    kept, original = _scored_pairs()
    try:
        link(system.db, mode="full", actor=None)
    finally:
        linkage_run._cluster_and_store = original
    threshold, floor = kept["threshold"], kept["floor"]
    probability = {
        (min(int(a), int(b)), max(int(a), int(b))): float(p)
        for a, b, p in kept["pairs"].itertuples(index=False)
    }
    records = load_person_records(system.db)
    truth = true_person_of_records(records, delivery / "ground_truth")
    person = {
        int(r): int(p) for r, p in zip(records["record_id"], records["person_id"], strict=True)
    }
    alternatives = load_alternatives(system.db)
    pending = {(min(a, b), max(a, b)) for a, b, _ in alternatives.pairs}
    print(f"scale {args.scale:g} seed {args.seed}: {len(probability):,} pairs scored, "
          f"threshold {threshold}, review floor {floor}, {alternatives.pending} pending pairs "
          f"({len(pending)} pairs of persons)")  # fmt: skip

    def edge(a: int, b: int) -> float | None:
        return probability.get((min(a, b), max(a, b)))

    by_person: dict[int, list[int]] = defaultdict(list)
    by_truth: dict[str, list[int]] = defaultdict(list)
    for record, person_id in person.items():
        by_person[person_id].append(record)
        if record in truth:
            by_truth[truth[record]].append(record)
    merges: Counter[str] = Counter()
    for held in by_person.values():
        known = [r for r in held if r in truth]
        if len({truth[r] for r in known}) < 2:
            continue
        joining = [
            p for a, b in itertools.combinations(known, 2)
            if truth[a] != truth[b] and (p := edge(a, b)) is not None and p >= threshold
        ]  # fmt: skip
        strongest = max(joining, default=None)
        merges[
            "joined through other records" if strongest is None
            else f"strongest false edge < {CONFIDENT}" if strongest < CONFIDENT
            else f"strongest false edge >= {CONFIDENT}"
        ] += 1  # fmt: skip
    print(f"false merges: {sum(merges.values())} persons hold several true persons: "
          f"{dict(merges)}")  # fmt: skip
    # the merges the run stored as uncertain (merge_part): the ranges split them
    split_persons = set(alternatives.person_of_part.values())
    splittable = 0
    for person_id, held in by_person.items():
        known = [r for r in held if r in truth]
        if len({truth[r] for r in known}) < 2 or person_id not in split_persons:
            continue
        splittable += any(
            truth[a] != truth[b] and alternatives.parts[a] != alternatives.parts[b]
            for a, b in itertools.combinations(known, 2)
        )
    print(f"uncertain merges stored: {alternatives.uncertain_merges} joining "
          f"{len(alternatives.person_of_part)} parts of {len(split_persons)} persons; "
          f"{splittable} of the false merges have two true persons in different parts")  # fmt: skip
    missed: Counter[str] = Counter()
    for held in by_truth.values():
        parts = sorted({person[r] for r in held})
        for a, b in itertools.combinations(parts, 2):
            scored = [
                p for x in held if person[x] == a for y in held if person[y] == b
                if (p := edge(x, y)) is not None
            ]  # fmt: skip
            best = max(scored, default=-1.0)
            missed[
                "pending pair" if (a, b) in pending
                else "never scored" if best < 0
                else "scored below the review floor" if best < floor
                else "scored at or above the threshold, kept apart" if best >= threshold
                else "scored in the review band, not pending"
            ] += 1  # fmt: skip
    print(f"missed merges: {sum(missed.values())} pairs of persons of one true person: "
          f"{dict(missed)}")  # fmt: skip


if __name__ == "__main__":
    main()
