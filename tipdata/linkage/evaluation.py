"""Accuracy of a clustering against true labels: pairwise, B-cubed and distinct entities.

Pure functions over two mappings record -> cluster, used by the accuracy test, the
benchmark and the demo report. Pairwise figures count pairs of records put in one
cluster; B-cubed figures average, per record, the share of its predicted cluster
that is truly its entity (precision) and the share of its entity that it found
(recall), so a large wrong cluster weighs as much as it hurts people's counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Accuracy:
    """Accuracy of a clustering (all figures between 0 and 1, counts as integers)."""

    records: int
    true_entities: int
    predicted_entities: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    def as_dict(self) -> dict[str, float | int]:
        """The figures as a plain dict (for printing and JSON)."""
        return asdict(self)


def _pairs(sizes: Mapping[Any, int]) -> int:
    return sum(size * (size - 1) // 2 for size in sizes.values())


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def clustering_accuracy(
    predicted: Mapping[Any, Hashable], truth: Mapping[Any, Hashable]
) -> Accuracy:
    """Compare a clustering with the truth, over the records both mappings hold.

    Args:
        predicted: record -> predicted cluster.
        truth: record -> true entity.

    Returns:
        Pairwise and B-cubed precision, recall and F1, and entity counts.

    Examples:
        >>> acc = clustering_accuracy({1: "a", 2: "a", 3: "b"}, {1: "x", 2: "x", 3: "x"})
        >>> acc.pairwise_precision, round(acc.pairwise_recall, 3)
        (1.0, 0.333)
    """
    records = [record for record in predicted if record in truth]
    predicted_sizes = Counter(predicted[r] for r in records)
    true_sizes = Counter(truth[r] for r in records)
    both_sizes = Counter((predicted[r], truth[r]) for r in records)
    predicted_pairs = _pairs(predicted_sizes)
    true_pairs = _pairs(true_sizes)
    correct_pairs = _pairs(both_sizes)
    precision = correct_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = correct_pairs / true_pairs if true_pairs else 1.0
    n = len(records)
    b_precision = (
        sum(both_sizes[(predicted[r], truth[r])] / predicted_sizes[predicted[r]] for r in records)
        / n
        if n
        else 1.0
    )
    b_recall = (
        sum(both_sizes[(predicted[r], truth[r])] / true_sizes[truth[r]] for r in records) / n
        if n
        else 1.0
    )
    return Accuracy(
        records=n,
        true_entities=len(true_sizes),
        predicted_entities=len(predicted_sizes),
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct_pairs,
    )


def pairwise_accuracy(
    predicted_pairs: set[tuple[Hashable, Hashable]], true_pairs: set[tuple[Hashable, Hashable]]
) -> tuple[float, float, float]:
    """Precision, recall and F1 of predicted links against true links (pairs unordered).

    Args:
        predicted_pairs: pairs predicted to match.
        true_pairs: pairs that truly match.

    Returns:
        ``(precision, recall, f1)``.
    """

    def ordered(pairs: set[tuple[Hashable, Hashable]]) -> set[tuple[str, str]]:
        return {tuple(sorted((str(a), str(b)))) for a, b in pairs}  # type: ignore[misc]

    found, true = ordered(predicted_pairs), ordered(true_pairs)
    correct = len(found & true)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(true) if true else 1.0
    return precision, recall, _f1(precision, recall)
