"""Labour-migration linkage and the per-company figures, on the demo linked by the model.

Usage::

    .venv/bin/python benchmarks/bench_migration.py --scale 0.1 --seed 1

Generates the demo (``var/bench/migration/scale-<S>-seed-<N>/``, rebuilt each run: it is
small), imports it, links it as ``tipdata link`` does (full run, the default model), then
prints:

* pairwise precision, recall and F1 over every record (as ``tests/linkage/test_accuracy.py``);
* the same over the records of the persons the migration files follow past the departure
  (every record of every person in a company status report, the deportation list, the
  hotline log or the LSCW register: their departures, returns, screenings, shelter and
  court records), and per pair of sources the true pairs and those missed;
* per company and destination, each figure of ``migration_accountability`` beside the
  ground truth and its range over the review queue, and the counts outside their range.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import shutil
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from tipdata.codelists import load_codelists
from tipdata.linkage.evaluation import clustering_accuracy
from tipdata.linkage.features import load_person_records
from tipdata.linkage.service import link
from tipdata.linkage.truth import true_person_of_records
from tipdata.reporting.migration import COLUMNS, migration_tables, row_code
from tipdata.settings import load_settings
from tipdata.store import Database, metadata
from tipdata.system import System

CACHE = Path("var/bench/migration")
HOTLINE = "migrant_hotline_log"
FOLLOWED_SOURCES = frozenset(
    {
        "company_worker_status",
        "malaysia_deportation_list",
        "migrant_hotline_log",
        "lscw_migrant_cases",
    }
)


def build(scale: float, seed: int) -> tuple[System, Path]:
    """Generate and import the demo into a fresh home (not linked)."""
    from tipdata.demo import generate
    from tipdata.ingest import import_directory

    home = (CACHE / f"scale-{scale:g}-seed-{seed}").resolve()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    generate(year=2008, scale=scale, seed=seed, out=home / "delivery")
    system = System.from_settings(load_settings(home=home, environment="development"))
    system.upgrade()
    system.load_reference_data()
    import_directory(system.db, home / "delivery", imported_by="bench")
    return system, home / "delivery"


def sources_of(db: Database) -> dict[int, str]:
    """person_record id -> the source code of its row."""
    t = metadata.tables
    record, raw, run, source = t["person_record"], t["source_record"], t["import_run"], t["source"]
    query = sa.select(record.c.id, source.c.code).select_from(
        record.join(raw, raw.c.id == record.c.source_record_id)
        .join(run, run.c.id == raw.c.import_run_id)
        .join(source, source.c.id == run.c.source_id)
    )
    with db.connect() as connection:
        return {int(r): str(s) for r, s in connection.execute(query)}


def _pairs(person_of: dict[int, object], ids: list[int]) -> set[tuple[int, int]]:
    groups: dict[object, list[int]] = defaultdict(list)
    for record in ids:
        groups[person_of[record]].append(record)
    return {
        (a, b) for group in groups.values() for a, b in itertools.combinations(sorted(group), 2)
    }


def _print_scores(label: str, true: set[tuple[int, int]], found: set[tuple[int, int]]) -> None:
    tp, fp, fn = len(true & found), len(found - true), len(true - found)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{label}: true {len(true):,} P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")


def migration_accuracy(
    found: dict[int, int], truth: dict[int, str], source: dict[int, str]
) -> None:
    """Pairwise accuracy over the followed persons' records, and by pair of sources."""
    followed = {truth[r] for r in truth if source[r] in FOLLOWED_SOURCES}
    subset = [r for r in truth if truth[r] in followed]
    inside = set(subset)
    true_pairs = _pairs(dict(truth), subset)
    found_pairs = _pairs(dict(found), subset)
    # a record of the subset put with a record outside it is a false pair too
    leaked = {p for p in _pairs(dict(found), list(truth)) if (p[0] in inside) != (p[1] in inside)}
    _print_scores(
        f"migration pairs ({len(subset):,} records of {len(followed):,} followed persons)",
        true_pairs,
        found_pairs | leaked,
    )

    def no_hotline(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
        return {p for p in pairs if HOTLINE not in (source[p[0]], source[p[1]])}

    _print_scores(
        "departure <-> return <-> victim pairs (the same, hotline records left out)",
        no_hotline(true_pairs),
        no_hotline(found_pairs | leaked),
    )
    by_kind: Counter[tuple[str, str]] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    for pair in true_pairs:
        kind = (min(source[pair[0]], source[pair[1]]), max(source[pair[0]], source[pair[1]]))
        by_kind[kind] += 1
        missed[kind] += pair not in found_pairs
    for kind in sorted(by_kind):
        print(f"  {kind[0]:27} {kind[1]:27} true {by_kind[kind]:5,} missed {missed[kind]:5,}")
    wrong: Counter[tuple[str, str]] = Counter(
        (min(source[a], source[b]), max(source[a], source[b]))
        for a, b in (found_pairs - true_pairs) | leaked
    )
    for kind, count in wrong.most_common():
        print(f"  false pairs {kind[0]} / {kind[1]}: {count}")


def figures_against_truth(db: Database, delivery: Path) -> None:
    """Each per-company count beside the truth and its range; the counts outside."""
    countries = load_codelists().countries
    with (delivery / "ground_truth" / "migration_figures.csv").open(encoding="utf-8") as handle:
        truth = {}
        for line in csv.DictReader(handle):
            country = countries.resolve(line["destination"])
            truth[row_code(line["company"], country.name if country else line["destination"])] = (
                line
            )
    counts, _days = migration_tables(db, date(2008, 1, 1), date(2008, 12, 31))
    outside = exact = 0
    for row, line in truth.items():
        shown = []
        for column in COLUMNS:
            value, wanted = counts.cell(row, column).value, int(line[column])
            found = counts.ranges.get((row, column))
            exact += value == wanted
            if found is None or not found.contains(wanted):
                outside += 1
                shown.append(f"{column} {value} [{found}] truth {wanted} OUTSIDE")
            elif wanted:
                shown.append(f"{column} {value} [{found}] truth {wanted}")
        if any(int(line[c]) for c in COLUMNS[1:]):
            print(f"  {row}: " + "; ".join(shown))
    total = len(truth) * len(COLUMNS)
    print(
        f"per-company counts: {total} ({len(truth)} rows), {exact} exact, {outside} outside range"
    )


def main() -> None:
    """Build, link and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    system, delivery = build(args.scale, args.seed)
    print(f"generated and imported in {time.perf_counter() - started:.1f} s")
    run = link(system.db, mode="full", actor=None)
    print(f"linked {run.records:,} records in {run.seconds:.1f} s, {run.pairs_scored:,} pairs")
    records = load_person_records(system.db)
    truth = true_person_of_records(records, delivery / "ground_truth")
    found = {
        int(r): int(p) for r, p in zip(records["record_id"], records["person_id"], strict=True)
    }
    accuracy = clustering_accuracy(found, truth)
    print(
        f"all records: P {accuracy.pairwise_precision:.3f} R {accuracy.pairwise_recall:.3f} "
        f"F1 {accuracy.pairwise_f1:.3f} B3-F1 {accuracy.bcubed_f1:.4f}; persons "
        f"{accuracy.predicted_entities:,} found, {accuracy.true_entities:,} true"
    )
    migration_accuracy(found, truth, sources_of(system.db))
    figures_against_truth(system.db, delivery)


if __name__ == "__main__":
    main()
