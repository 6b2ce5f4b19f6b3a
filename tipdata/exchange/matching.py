"""Matching received encodings with local ones: Dice similarity, blocking, one-to-one.

Candidate pairs are the record pairs whose Dice coefficient reaches the threshold. With
blocking (the default) only pairs that agree on all sampled bit positions of at least one
band are compared (:class:`Blocking`, Hamming LSH): blocking reads the encodings alone,
so it reveals nothing beside them. Identical encodings are compared once. Band keys,
candidate pairs and Dice coefficients are numpy array work: anonlink's own bit blocking
(and blocklib's) runs its blocks in Python (44 s for 15,000 x 12,000 records here,
against 6 s for all pairs in anonlink's C++ kernel), which does not reach 100,000
records. Without blocking, anonlink's C++ kernel compares every pair. A person may have
several records on each side: a pair of persons scores the best pair of their records,
and anonlink's greedy solver keeps each partner person and each local person in at most
one link.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import anonlink
import numpy as np
from anonlink.solving import greedy_solve

from tipdata.exchange.encoding import FILTER_BITS, to_bitarrays

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.78
"""Dice coefficient from which two encodings are a candidate link."""


@dataclass(frozen=True)
class Blocking:
    """Hamming LSH on the encodings (bit sampling): ``bands`` bands of ``bits`` positions.

    Each band samples ``bits`` of the 1,024 bit positions; two encodings are compared
    when they agree on every sampled position of at least one band. Two encodings agree
    on a position with probability a = 1 - (differing bits) / 1024: about 0.90 for a pair
    at the default threshold (Dice 0.78, about 228 set bits each), 0.65 for two unrelated
    encodings. A pair then shares a band with probability 1 - (1 - a^bits)^bands: 0.91 at
    the threshold, 0.99996 at Dice 0.85 (a = 0.93), and 6e-6 for an unrelated pair, so
    1 M x 1 M unrelated encodings give about 6 million chance candidates, not a trillion
    pairs. This is the LSH family of blocklib's LambdaFold and anonlink's bit
    blocking, in numpy: both run their blocks in Python. It needs no field sent beside
    the encodings, so it reveals nothing the encodings do not; the positions come from a
    fixed seed: public parameters, not secrets.
    """

    bands: int = 150
    bits: int = 40
    seed: int = 20031
    chunk: int = 20_000
    """Encodings made into band keys at a time (bounds the memory of that step)."""

    def positions(self) -> np.ndarray:
        """The sampled bit positions, one row per band."""
        if not 1 <= self.bits <= 64:
            raise ValueError("a band samples 1 to 64 bit positions")
        rng = np.random.default_rng(self.seed)
        return np.stack(
            [rng.choice(FILTER_BITS, self.bits, replace=False) for _ in range(self.bands)]
        )


@dataclass(frozen=True)
class Link:
    """One partner owner matched to one local owner."""

    partner: str
    local: str
    score: float


def match(
    partner_owners: Sequence[str],
    partner_encodings: np.ndarray,
    local_owners: Sequence[str],
    local_encodings: np.ndarray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    blocking: Blocking | None = Blocking(),
) -> list[Link]:
    """Link partner persons to local persons, each at most once.

    Args:
        partner_owners: for each received encoding, the partner's token of its person.
        partner_encodings: the received encodings (rows of ``uint8``).
        local_owners: for each local encoding, the local person (as text).
        local_encodings: the local encodings, made with the same agreement.
        threshold: the least Dice coefficient of a link.
        blocking: the bit blocking; None compares every pair (small sets only).

    Returns:
        The links, best score first.
    """
    if len(partner_owners) != len(partner_encodings) or len(local_owners) != len(local_encodings):
        raise ValueError("one owner per encoding")
    if not len(partner_encodings) or not len(local_encodings):
        return []
    if blocking is None:
        similarities, _datasets, (partner_rows, local_rows) = (
            anonlink.candidate_generation.find_candidate_pairs(
                [to_bitarrays(partner_encodings), to_bitarrays(local_encodings)],
                anonlink.similarities.dice_coefficient_accelerated,
                threshold,
            )
        )
    else:
        partner_rows, local_rows, similarities = scored_pairs(
            partner_encodings, local_encodings, blocking, threshold
        )
    log.info("%d candidate record pairs at Dice >= %.2f", len(similarities), threshold)
    return best_one_to_one(partner_owners, local_owners, similarities, partner_rows, local_rows)


def band_keys(encodings: np.ndarray, blocking: Blocking) -> np.ndarray:
    """Each encoding's band keys: a ``(len(encodings), bands)`` array of ``uint64``."""
    positions = blocking.positions().ravel()
    keys = np.empty((len(encodings), blocking.bands), dtype=np.uint64)
    for start in range(0, len(encodings), blocking.chunk):
        chunk = encodings[start : start + blocking.chunk]
        # one row per bit position: the sampled positions are then whole rows
        bits = np.unpackbits(np.ascontiguousarray(chunk.T), axis=0)
        sampled = bits[positions].reshape(blocking.bands, blocking.bits, len(chunk))
        packed = np.packbits(sampled, axis=1)  # (bands, bytes, encodings)
        key = np.zeros((blocking.bands, len(chunk)), dtype=np.uint64)
        for byte in range(packed.shape[1]):
            key = (key << np.uint64(8)) | packed[:, byte, :].astype(np.uint64)
        keys[start : start + len(chunk)] = key.T
    return keys


def _unique_rows(encodings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct encodings, and for each encoding the row of its distinct one."""
    rows = np.ascontiguousarray(encodings).view(np.dtype((np.void, encodings.shape[1])))
    _values, first, inverse = np.unique(rows.ravel(), return_index=True, return_inverse=True)
    return first, inverse.ravel()


def scored_pairs(
    partner: np.ndarray,
    local: np.ndarray,
    blocking: Blocking,
    threshold: float,
    *,
    stats: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (partner row, local row, Dice) of every blocked pair at or above ``threshold``.

    Identical encodings (the same name, sex and birth year, no day of birth) are
    compared once; the pairs of their rows are expanded at the end. Each band's pairs
    are scored as they are found and only those at the threshold kept, so memory holds
    the kept pairs, not the candidates.

    Args:
        partner: the partner's encodings.
        local: the local encodings.
        blocking: the band parameters.
        threshold: the least Dice coefficient kept.
        stats: if given, receives ``candidates`` (pairs of distinct encodings scored,
            with repeats across bands) and ``distinct_partner``/``distinct_local``.

    Returns:
        Row indices into ``partner`` and ``local``, and the Dice coefficients.
    """
    partner_first, partner_inverse = _unique_rows(partner)
    local_first, local_inverse = _unique_rows(local)
    partner_u, local_u = partner[partner_first], local[local_first]
    partner_keys, local_keys = band_keys(partner_u, blocking), band_keys(local_u, blocking)
    width = np.int64(len(local_u))
    kept: list[np.ndarray] = []
    kept_scores: list[np.ndarray] = []
    candidates = 0
    for band in range(blocking.bands):
        order = np.argsort(local_keys[:, band], kind="stable")
        sorted_keys = local_keys[order, band]
        left = np.searchsorted(sorted_keys, partner_keys[:, band], side="left")
        counts = np.searchsorted(sorted_keys, partner_keys[:, band], side="right") - left
        total = int(counts.sum())
        if not total:
            continue
        candidates += total
        partner_rows = np.repeat(np.arange(len(partner_u), dtype=np.int64), counts)
        starts = np.repeat(left - np.cumsum(counts) + counts, counts)
        local_rows = order[starts + np.arange(total)]
        scores = dice(partner_u, local_u, partner_rows, local_rows)
        keep = scores >= threshold
        kept.append(partner_rows[keep] * width + local_rows[keep])
        kept_scores.append(scores[keep])
        if len(kept) >= 8:
            kept, kept_scores = _dedupe(kept, kept_scores)
    kept, kept_scores = _dedupe(kept, kept_scores)
    if stats is not None:
        stats.update(
            candidates=candidates, distinct_partner=len(partner_u), distinct_local=len(local_u)
        )
    codes, scores = kept[0], kept_scores[0]
    return _expand(codes // width, codes % width, scores, partner_inverse, local_inverse)


def _dedupe(
    codes: list[np.ndarray], scores: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    if not codes:
        return [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float64)]
    unique, first = np.unique(np.concatenate(codes), return_index=True)
    return [unique], [np.concatenate(scores)[first]]


def _expand(
    partner_u: np.ndarray,
    local_u: np.ndarray,
    scores: np.ndarray,
    partner_inverse: np.ndarray,
    local_inverse: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of distinct encodings to pairs of rows (every row holding each encoding)."""

    def members(inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = np.argsort(inverse, kind="stable")
        sizes = np.bincount(inverse)
        return rows, np.cumsum(sizes) - sizes, sizes

    p_rows, p_start, p_size = members(partner_inverse)
    l_rows, l_start, l_size = members(local_inverse)
    repeat = p_size[partner_u] * l_size[local_u]
    pair = np.repeat(np.arange(len(scores)), repeat)
    offset = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    l_count = l_size[local_u][pair]
    partner_rows = p_rows[p_start[partner_u][pair] + offset // l_count]
    local_rows = l_rows[l_start[local_u][pair] + offset % l_count]
    return partner_rows, local_rows, scores[pair]


def dice(
    partner: np.ndarray,
    local: np.ndarray,
    partner_rows: np.ndarray,
    local_rows: np.ndarray,
    chunk: int = 1_000_000,
) -> np.ndarray:
    """Dice coefficients of the given row pairs (popcounts on 64-bit words, in chunks)."""
    words_p = np.ascontiguousarray(partner).view(np.uint64)
    words_l = np.ascontiguousarray(local).view(np.uint64)
    count_p = np.bitwise_count(words_p).sum(axis=1, dtype=np.int64)
    count_l = np.bitwise_count(words_l).sum(axis=1, dtype=np.int64)
    scores = np.empty(len(partner_rows), dtype=np.float64)
    for start in range(0, len(partner_rows), chunk):
        p = partner_rows[start : start + chunk]
        q = local_rows[start : start + chunk]
        common = np.bitwise_count(words_p[p] & words_l[q]).sum(axis=1, dtype=np.int64)
        total = count_p[p] + count_l[q]
        scores[start : start + chunk] = np.where(total > 0, 2 * common / np.maximum(total, 1), 0)
    return scores


def _owner_index(owners: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct owners, sorted, and each row's index among them."""
    names = sorted(set(owners))
    rank = {name: i for i, name in enumerate(names)}
    return names, np.fromiter((rank[owner] for owner in owners), np.int64, len(owners))


def best_one_to_one(
    partner_owners: Sequence[str],
    local_owners: Sequence[str],
    similarities: Sequence[float],
    partner_rows: Sequence[int],
    local_rows: Sequence[int],
) -> list[Link]:
    """Person pairs from record pairs (best record pair), then a one-to-one assignment.

    Args:
        partner_owners: owner of each partner record.
        local_owners: owner of each local record.
        similarities: the candidate record pairs' scores.
        partner_rows: each candidate's partner record.
        local_rows: each candidate's local record.

    Returns:
        The links anonlink's greedy solver keeps, best score first.
    """
    partners, partner_of_row = _owner_index(partner_owners)
    locals_, local_of_row = _owner_index(local_owners)
    scores = np.asarray(similarities, dtype=np.float64)
    partner_i = partner_of_row[np.asarray(partner_rows, dtype=np.int64)]
    local_i = local_of_row[np.asarray(local_rows, dtype=np.int64)]
    if not len(scores):
        return []
    # best first, ties by person index (anonlink's solver takes candidates in this order);
    # the first row of a person pair in that order is its best pair of records
    order = np.lexsort((local_i, partner_i, -scores))
    codes, first = np.unique(partner_i[order] * len(locals_) + local_i[order], return_index=True)
    best = scores[order[first]]  # by person pair code, ascending
    ranked = order[np.sort(first)]
    candidates = (
        array("d", scores[ranked].tobytes()),
        (array("I", bytes(4 * len(ranked))), array("I", np.ones(len(ranked), np.uint32).tobytes())),
        (
            array("I", partner_i[ranked].astype(np.uint32).tobytes()),
            array("I", local_i[ranked].astype(np.uint32).tobytes()),
        ),
    )
    pairs = np.array(
        [[q for _dataset, q in sorted(group)] for group in greedy_solve(candidates)],
        dtype=np.int64,
    ).reshape(-1, 2)
    chosen = best[np.searchsorted(codes, pairs[:, 0] * len(locals_) + pairs[:, 1])]
    links = [
        Link(partners[p], locals_[q], float(score))
        for (p, q), score in zip(pairs.tolist(), chosen.tolist(), strict=True)
    ]
    links.sort(key=lambda link: (-link.score, link.partner, link.local))
    return links


__all__ = [
    "DEFAULT_THRESHOLD",
    "Blocking",
    "Link",
    "band_keys",
    "best_one_to_one",
    "dice",
    "match",
    "scored_pairs",
]
