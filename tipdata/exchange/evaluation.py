"""Scoring cross-border linkage, and the clear-text linkage it is measured against.

The clear-text baseline compares the same fields in clear with the comparisons a
linkage model uses (DuckDB's Jaro-Winkler on the romanisation key, birth years within
one year, sex and day of birth agreeing where both are known), keeps the pairs that
pass, and makes the same one-to-one assignment as the privacy-preserving matcher. It
never runs in production: it is what the encodings would give up if they lost accuracy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from tipdata.exchange.encoding import RecordFields
from tipdata.exchange.matching import Link, best_one_to_one

CLEAR_NAME_THRESHOLD = 0.9
"""Least Jaro-Winkler similarity of the romanisation keys of a clear-text link."""


@dataclass(frozen=True)
class PairwiseScore:
    """Precision, recall and F1 of links against the true person pairs."""

    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        """Share of the links that are true."""
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of the true pairs that are linked."""
        return self.true_positives / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def pairwise_score(links: Iterable[Link], truth: set[tuple[str, str]]) -> PairwiseScore:
    """Score person-pair links against the true (partner, local) pairs."""
    predicted = {(link.partner, link.local) for link in links}
    return PairwiseScore(len(predicted & truth), len(predicted), len(truth))


def _frame(records: Sequence[RecordFields]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": range(len(records)),
            "name_key": [record.name_key for record in records],
            "birth_year": pd.array([record.birth_year for record in records], dtype="Int64"),
            "birth_day": [record.birth_day or None for record in records],
            "sex": [record.sex or None for record in records],
        }
    )


def clear_text_links(
    partner: Sequence[RecordFields],
    local: Sequence[RecordFields],
    *,
    name_threshold: float = CLEAR_NAME_THRESHOLD,
) -> list[Link]:
    """Clear-text linkage of the same records (the baseline of the PPRL accuracy).

    Record pairs are blocked on sex (or either unknown) and birth year within one (or
    either unknown), compared with Jaro-Winkler on the romanisation key; a pair whose
    days of birth are both known and differ is no link. Scores go through the same
    best-pair and one-to-one steps as :func:`tipdata.exchange.matching.match`.

    Args:
        partner: the partner's records (owner: the partner's token).
        local: the local records (owner: the local person).
        name_threshold: least Jaro-Winkler similarity of the name keys.

    Returns:
        The links, best score first.
    """
    connection = duckdb.connect()
    try:
        connection.register("p", _frame(partner))
        connection.register("l", _frame(local))
        rows = connection.execute(
            """
            SELECT p.row, l.row, jaro_winkler_similarity(p.name_key, l.name_key) AS score
            FROM p JOIN l
              ON (p.sex IS NULL OR l.sex IS NULL OR p.sex = l.sex)
             AND (p.birth_year IS NULL OR l.birth_year IS NULL
                  OR abs(p.birth_year - l.birth_year) <= 1)
             AND (p.birth_day IS NULL OR l.birth_day IS NULL OR p.birth_day = l.birth_day)
            WHERE jaro_winkler_similarity(p.name_key, l.name_key) >= ?
            """,
            [name_threshold],
        ).fetchall()
    finally:
        connection.close()
    return best_one_to_one(
        [record.owner for record in partner],
        [record.owner for record in local],
        [score for _p, _l, score in rows],
        [p for p, _l, _s in rows],
        [row for _p, row, _s in rows],
    )


__all__ = ["CLEAR_NAME_THRESHOLD", "PairwiseScore", "clear_text_links", "pairwise_score"]
