"""Unseen linkage evaluation sets: agency exports from a generator the model was not fitted to.

Nothing here reuses ``tipdata/demo``: names, recording habits (:mod:`.habits`, as data
with where each habit comes from), people (:mod:`.people`) and layouts (:mod:`.sets`) are
written independently, and the mappings (``mappings/*.yaml``) were written from
``docs/mappings.md`` alone, as a data officer would for layouts tipdata has no built-in
mapping for.

:func:`generate` writes one set::

    <out>/exports/*.csv|xlsx     the agency files
    <out>/mappings/*.yaml        one user mapping per file
    <out>/ground_truth.csv       source, record_id -> true_person_id
    <out>/set.json               seed, scale, files, which registers repeat people
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from benchmarks.unseen.sets import SETS, Draft, write_draft

MAPPINGS = Path(__file__).resolve().parent / "mappings"
SET_NAMES = tuple(SETS)


@dataclass(frozen=True)
class GeneratedSet:
    """Where a generated set is, and its sizes."""

    name: str
    folder: Path
    records: int
    true_persons: int
    files: dict[str, str]  # export file -> mapping file

    @property
    def exports(self) -> Path:
        return self.folder / "exports"

    @property
    def truth_file(self) -> Path:
        return self.folder / "ground_truth.csv"


def drafts(name: str, *, seed: int = 1, scale: float = 1.0) -> list[Draft]:
    """The registers of set ``name`` in memory (same seed and scale: same rows)."""
    if name not in SETS:
        raise ValueError(f"unknown set {name!r}; sets: {', '.join(SETS)}")
    return SETS[name](seed, scale)


def generate(name: str, out: Path, *, seed: int = 1, scale: float = 1.0) -> GeneratedSet:
    """Write set ``name`` to the folder ``out`` (replaced if it exists).

    Args:
        name: ``trafficking-2009`` or ``migration-malaysia``.
        out: the folder to write.
        seed: the generator's seed (any integer; each gives other people and errors).
        scale: 1.0 for about 2,000 (A) or 1,500 (B) person records; 0.05 for a tiny set.

    Returns:
        The generated set.
    """
    made = drafts(name, seed=seed, scale=scale)
    shutil.rmtree(out, ignore_errors=True)
    (out / "exports").mkdir(parents=True)
    (out / "mappings").mkdir()
    files: dict[str, str] = {}
    truth: list[tuple[str, str, str]] = []
    for draft in made:
        write_draft(draft, out / "exports")
        shutil.copyfile(
            MAPPINGS / draft.register.mapping, out / "mappings" / draft.register.mapping
        )
        files[draft.register.file] = draft.register.mapping
        truth.extend(draft.truth)
    keys = [(source, record) for source, record, _ in truth]
    assert len(set(keys)) == len(keys), "record ids must be unique per source"
    with (out / "ground_truth.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "record_id", "true_person_id"])
        writer.writerows(truth)
    persons = sorted({pid for _, _, pid in truth})
    (out / "set.json").write_text(
        json.dumps(
            {
                "set": name,
                "seed": seed,
                "scale": scale,
                "records": len(truth),
                "true_persons": len(persons),
                "registers": [
                    {
                        "file": d.register.file,
                        "source": d.register.source,
                        "mapping": d.register.mapping,
                        "agency": d.register.agency,
                        "rows": len(d.rows),
                        "repeats_people": d.register.repeats_people,
                        "what": d.register.what,
                    }
                    for d in made
                ],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    return GeneratedSet(name, out, len(truth), len(persons), files)


def read_truth(folder: Path) -> dict[tuple[str, str], str]:
    """``(source, record_id) -> true person id`` from a set's ``ground_truth.csv``."""
    with (folder / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        return {
            (row["source"], row["record_id"]): row["true_person_id"]
            for row in csv.DictReader(handle)
        }
