"""Import an unseen set into a fresh tipdata database and score three linkages against its truth.

The three, in the same run and on the same imported person records:

* **tipdata**: ``tipdata.linkage.service.link`` in full mode, as ``tipdata link --mode
  full`` runs it; the persons it stores are read back.
* **plain rule**: two records are one person when their romanised name keys (word keys
  of :func:`tipdata.linkage.romanise.romanisation_key`, in any order, titles and bracketed
  nicknames dropped) are equal, their birth years are within 2 and their sexes do not
  differ (a missing year or sex does not differ); union-find makes the persons.
* **bare Splink**: Splink 5 as its documentation's examples use it: ``NameComparison`` on
  the first and the other words of the name as written, ``DateOfBirthComparison`` (the
  date of birth, or 1 January of the birth year), ``ExactMatch`` on sex; blocking on
  each name part; the names in lower case (Splink's data-preparation advice); prior
  from the quick-start example's deterministic rule, u by random sampling, m by EM;
  Splink's own clustering at each threshold.

Figures: pairwise precision / recall / F1 and B-cubed F1 of the clusters
(:func:`tipdata.linkage.evaluation.clustering_accuracy`), persons found against true
persons, and per source (agency file) the distinct persons found against the truth.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.unseen import GeneratedSet, read_truth
from tipdata.linkage.evaluation import Accuracy, clustering_accuracy
from tipdata.linkage.romanise import romanisation_key
from tipdata.settings import load_settings
from tipdata.system import System

TITLES = frozenset({"mr", "mrs", "ms", "miss", "master", "dr"})
"""English titles the plain rule drops (generic, not taken from the generator)."""


class ImportFailed(RuntimeError):
    """A file of the set did not import (its mapping or data is wrong)."""


@dataclass
class SetResult:
    """The figures of one set."""

    name: str
    records: int
    true_persons: int
    seconds: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, Accuracy] = field(default_factory=dict)
    per_source: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    """model -> source -> (distinct persons found, true distinct persons)."""
    source_records: dict[str, int] = field(default_factory=dict)


def fresh_system(home: Path) -> System:
    """A new SQLite tipdata home at ``home`` (replaced), migrated, code lists loaded."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    system = System.from_settings(load_settings(home=home.resolve(), environment="development"))
    system.upgrade()  # tipdata db upgrade
    system.load_reference_data()  # tipdata codelists load
    return system


def import_set(system: System, generated: GeneratedSet) -> list[str]:
    """``tipdata import FILE --mapping MAPPING`` for every file; raise if one fails."""
    from tipdata.ingest import import_file

    summaries = []
    for file, mapping in generated.files.items():
        result = import_file(
            system.db,
            generated.exports / file,
            mapping=generated.folder / "mappings" / mapping,
            imported_by="bench",
        )
        if not result.ok:
            issues = "; ".join(str(issue) for issue in result.issues[:5])
            raise ImportFailed(f"{file}: {result.summary()}: {issues}")
        summaries.append(result.summary())
    return summaries


def load_records(system: System) -> pd.DataFrame:
    """The imported person records, names decrypted (in memory only)."""
    from tipdata.linkage.features import load_person_records

    return load_person_records(system.db)


def truth_of(records: pd.DataFrame, generated: GeneratedSet, keyring: Any = None) -> dict[int, str]:
    """Person-record id -> true person id (every imported record must be in the truth).

    ``keyring``: the database's keys, for record ids built from a name, which tipdata
    stores as a keyed hash (:func:`tipdata.ingest.privacy.keyed_source_key`).
    """
    truth = read_truth(generated.folder)
    if keyring is not None:
        from tipdata.ingest.privacy import keyed_source_key

        hashed = {(s, keyed_source_key(keyring, k)): p for (s, k), p in truth.items()}
        truth.update(hashed)
    found: dict[int, str] = {}
    for record_id, source, key in zip(
        records["record_id"], records["source"], records["source_key"], strict=True
    ):
        found[int(record_id)] = truth[(str(source), str(key))]
    return found


def written_name(records: pd.DataFrame) -> pd.Series:
    """The name as the register wrote it: the full name, or family then given name."""
    parts = (records["family_name"].fillna("") + " " + records["given_name"].fillna("")).str.strip()
    return records["full_name"].fillna(parts).fillna("").astype(str)


def birth_years(records: pd.DataFrame) -> list[int | None]:
    """The birth year each record states: from the date, the year, or the age at a date."""
    found: list[int | None] = []
    for born, year, age, at in zip(
        records["birth_date"],
        records["birth_year"],
        records["age_years"],
        records["age_reference_date"],
        strict=True,
    ):
        if born is not None and not pd.isna(born):
            found.append(int(str(born)[:4]))
        elif year is not None and not pd.isna(year):
            found.append(int(year))
        elif age is not None and not pd.isna(age) and at is not None and not pd.isna(at):
            found.append(int(str(at)[:4]) - int(age))
        else:
            found.append(None)
    return found


def plain_key(name: str) -> str:
    """Word keys in sorted order, without bracketed nicknames and titles."""
    name = re.sub(r"\([^)]*\)", " ", name)
    words = [w for w in re.split(r"[\s.,]+", name) if w and w.lower() not in TITLES]
    return " ".join(sorted(k for k in (romanisation_key(w) for w in words) if k))


class _UnionFind:
    def __init__(self, items: list[int]) -> None:
        self.parent = {i: i for i in items}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def plain_rule(records: pd.DataFrame) -> dict[int, int]:
    """Persons by the plain rule (see the module docstring): record id -> cluster."""
    ids = [int(i) for i in records["record_id"]]
    keys = [plain_key(n) for n in written_name(records)]
    years = birth_years(records)
    sexes = [s if s in ("female", "male") else None for s in records["sex"].astype(object)]
    blocks: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        if key:
            blocks.setdefault(key, []).append(position)
    union = _UnionFind(ids)
    for members in blocks.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                ya, yb = years[a], years[b]
                if ya is not None and yb is not None and abs(ya - yb) > 2:
                    continue
                if sexes[a] and sexes[b] and sexes[a] != sexes[b]:
                    continue
                union.union(ids[a], ids[b])
    return {i: union.find(i) for i in ids}


def bare_splink(records: pd.DataFrame, thresholds: list[float]) -> dict[float, dict[int, Any]]:
    """Persons by bare Splink (see the module docstring) at each threshold."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    # The cleaning Splink's data-preparation guide asks for: lower case, single spaces.
    names = written_name(records).str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    words = names.str.split(" ", n=1)
    table = pd.DataFrame(
        {
            "unique_id": records["record_id"].astype(int),
            "surname": words.str[0].replace("", None),
            "first_name": words.str[1],
            "dob": [
                str(b)[:10] if b is not None and not pd.isna(b) else (f"{y}-01-01" if y else None)
                for b, y in zip(records["birth_date"], birth_years(records), strict=True)
            ],
            "sex": records["sex"].astype(object).where(records["sex"].isin(["female", "male"])),
        }
    )
    table = table.astype(object).where(table.notna(), None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[block_on("first_name"), block_on("surname")],
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(table), settings, log_level=logging.ERROR)
    # The deterministic rule and recall of Splink's own quick-start example.
    linker.training.estimate_probability_two_random_records_match(
        ["l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2"], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1_000_000, seed=1)
    for rule in (block_on("first_name", "surname"), block_on("dob")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # EM can fail on small data: keep the other estimates
            logging.getLogger(__name__).warning("bare Splink EM on %s failed: %s", rule, exc)
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    found: dict[float, dict[int, Any]] = {}
    for threshold in thresholds:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        ).as_pandas_dataframe()
        found[threshold] = dict(
            zip(clusters["unique_id"].astype(int), clusters["cluster_id"], strict=True)
        )
    return found


def tipdata_link(system: System) -> dict[int, Any]:
    """``tipdata link --mode full`` (the service), then record id -> stored person id."""
    from tipdata.linkage.service import link

    link(system.db, mode="full", actor=None)
    records = load_records(system)
    return {
        int(r): (int(p) if not pd.isna(p) else f"none-{r}")
        for r, p in zip(records["record_id"], records["person_id"], strict=True)
    }


def per_source_counts(
    predicted: Mapping[Any, Hashable], truth: Mapping[Any, Hashable], source_of: Mapping[Any, str]
) -> dict[str, tuple[int, int]]:
    """Per source: (distinct predicted persons, distinct true persons) among its records.

    Examples:
        >>> per_source_counts({1: "a", 2: "a", 3: "b"}, {1: "x", 2: "y", 3: "y"},
        ...                   {1: "police", 2: "police", 3: "court"})
        {'court': (1, 1), 'police': (1, 2)}
    """
    found: dict[str, tuple[set[Hashable], set[Hashable]]] = {}
    for record, source in source_of.items():
        if record in predicted and record in truth:
            mine, true = found.setdefault(source, (set(), set()))
            mine.add(predicted[record])
            true.add(truth[record])
    return {source: (len(m), len(t)) for source, (m, t) in sorted(found.items())}


def evaluate(
    generated: GeneratedSet,
    home: Path,
    thresholds: list[float],
    *,
    say: Callable[[str], None] = print,
) -> SetResult:
    """Import ``generated`` into a fresh database at ``home`` and score the three linkages."""
    result = SetResult(generated.name, generated.records, generated.true_persons)
    started = time.perf_counter()
    system = fresh_system(home)
    for line in import_set(system, generated):
        say(f"  {line}")
    result.seconds["import"] = time.perf_counter() - started
    records = load_records(system)
    truth = truth_of(records, generated, system.keyring())
    source_of = {
        int(r): str(s) for r, s in zip(records["record_id"], records["source"], strict=True)
    }
    for source in source_of.values():
        result.source_records[source] = result.source_records.get(source, 0) + 1
    clusterings: dict[str, Mapping[int, Any]] = {}
    t = time.perf_counter()
    clusterings["tipdata"] = tipdata_link(system)
    result.seconds["tipdata"] = time.perf_counter() - t
    t = time.perf_counter()
    clusterings["plain rule"] = plain_rule(records)
    result.seconds["plain rule"] = time.perf_counter() - t
    t = time.perf_counter()
    for threshold, found in bare_splink(records, thresholds).items():
        clusterings[f"bare Splink {threshold:.2f}"] = found
    result.seconds["bare Splink"] = time.perf_counter() - t
    system.db.dispose()
    for name, predicted in clusterings.items():
        result.accuracy[name] = clustering_accuracy(predicted, truth)
        result.per_source[name] = per_source_counts(predicted, truth, source_of)
    return result


def report(result: SetResult, say: Callable[[str], None] = print) -> None:
    """Print one set's figures side by side."""
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    say(f"{result.name}: {result.records:,} person records, {result.true_persons:,} true "
        f"persons ({seconds})")  # fmt: skip
    say(f"  {'linkage':20} {'P':>6} {'R':>6} {'F1':>6} {'B3-F1':>6} {'persons':>8} "
        f"{'true':>6} {'diff':>7}")  # fmt: skip
    for name, acc in result.accuracy.items():
        diff = (acc.predicted_entities - acc.true_entities) / acc.true_entities
        say(f"  {name:20} {acc.pairwise_precision:6.3f} {acc.pairwise_recall:6.3f} "
            f"{acc.pairwise_f1:6.3f} {acc.bcubed_f1:6.3f} {acc.predicted_entities:8,} "
            f"{acc.true_entities:6,} {diff:+7.1%}")  # fmt: skip
    models = list(result.per_source)
    say("  distinct persons per source, found by each linkage (true):")
    short = [m.replace("bare Splink ", "Splink ") for m in models]
    say(f"  {'source':28} {'records':>7} {'true':>6} " + " ".join(f"{m[:14]:>14}" for m in short))
    for source, records in sorted(result.source_records.items()):
        true = result.per_source[models[0]][source][1]
        cells = []
        for model in models:
            found = result.per_source[model][source][0]
            cells.append(f"{found:>6,} {(found - true) / true:+6.1%}")
        say(f"  {source:28} {records:7,} {true:6,} " + " ".join(f"{c:>14}" for c in cells))
