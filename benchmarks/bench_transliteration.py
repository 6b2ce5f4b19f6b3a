"""Romanisation key on Khmer names as Thai and Vietnamese officials write them.

Usage (one command; prints pair recall and the false-merge rate of the compact
romanisation key on ``tests/linkage/data/transliteration_pairs.csv``)::

    .venv/bin/python benchmarks/bench_transliteration.py

The set was written from published transliteration conventions before the key rules
for foreign spellings (see the file's header for its provenance). Recall counts, for
each name, the pairs of its spellings (Cambodian-Thai, Cambodian-Vietnamese,
Thai-Vietnamese) that get the same key; the false-merge rate counts the pairs of
spellings of two different names that get the same key. Run it with another checkout
on ``PYTHONPATH`` to measure that checkout's rules beside these.
"""

from __future__ import annotations

import csv
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root holds ``benchmarks``
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tipdata.linkage.romanise import romanisation_key

PAIRS_FILE = Path(__file__).resolve().parents[1] / "tests/linkage/data/transliteration_pairs.csv"
SPELLINGS = ("khmer", "thai", "vietnamese")


@dataclass(frozen=True)
class KeyScores:
    """Recall by kind of pair and the false-merge rate, with the counts behind them."""

    recall: dict[str, tuple[int, int]]
    false_merges: tuple[int, int]
    missed: list[tuple[str, str]]

    @property
    def overall_recall(self) -> float:
        hits = sum(hit for hit, _ in self.recall.values())
        return hits / sum(total for _, total in self.recall.values())

    @property
    def false_merge_rate(self) -> float:
        merged, total = self.false_merges
        return merged / total


def read_pairs(path: Path = PAIRS_FILE) -> list[dict[str, str]]:
    """The rows of the evaluation set (comment lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def score(rows: list[dict[str, str]]) -> KeyScores:
    """Score the compact romanisation key on the rows."""

    def key(name: str) -> str:
        return romanisation_key(name, compact=True)

    recall: dict[str, tuple[int, int]] = {}
    missed: list[tuple[str, str]] = []
    for left, right in itertools.combinations(SPELLINGS, 2):
        hits = 0
        for row in rows:
            if key(row[left]) == key(row[right]):
                hits += 1
            else:
                missed.append((row[left], row[right]))
        recall[f"{left}-{right}"] = (hits, len(rows))
    spellings = [(index, row[kind]) for index, row in enumerate(rows) for kind in SPELLINGS]
    keys = [(index, key(name)) for index, name in spellings]
    merged = total = 0
    for (first, key_a), (second, key_b) in itertools.combinations(keys, 2):
        if first != second:
            total += 1
            merged += key_a == key_b
    return KeyScores(recall, (merged, total), missed)


def main() -> None:
    rows = read_pairs()
    scores = score(rows)
    print(f"{len(rows)} names, 3 spellings each ({PAIRS_FILE.name})")
    for kind, (hits, total) in scores.recall.items():
        print(f"  recall {kind:<18} {hits:>3}/{total} = {hits / total:.3f}")
    print(f"  recall overall            {scores.overall_recall:.3f}")
    merged, total = scores.false_merges
    print(f"  false merges              {merged}/{total} = {scores.false_merge_rate:.4f}")
    if "-v" in sys.argv:
        for left, right in scores.missed:
            print(f"    missed: {left} / {right}")


if __name__ == "__main__":
    main()
