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
from concurrent.futures import ThreadPoolExecutor
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
    encodings. A pair then shares a band with probability 1 - (1 - a^bits)^bands: 0.90 at
    the threshold, 0.9995 at Dice 0.85 (a = 0.93), and 1.8e-5 for an unrelated pair.
    100 bands of 36 bits were chosen on a labelled sample (``benchmarks/bench_exchange.py``,
    100,000 encodings a side): by the formula they find 99.4 % of the true pairs at the
    threshold, as 150 bands of 40 bits do, at two thirds of the band work (80 bands of 36
    bits: 99.1 %, and a pair at Dice 0.83 missed in the tests' 400 persons). This is the
    LSH family of blocklib's LambdaFold and anonlink's bit blocking, in numpy: both run
    their blocks in Python. It needs no field sent beside the encodings, so it reveals
    nothing the encodings do not; the positions come from a fixed seed: public
    parameters, not secrets.
    """

    bands: int = 100
    bits: int = 36
    seed: int = 20031
    chunk: int = 20_000
    """Encodings made into band keys at a time (bounds the memory of that step)."""
    partner_chunk: int = 50_000
    """Partner encodings whose candidates are gathered, scored and cut at a time."""
    best: int | None = None
    """If set, each partner encoding keeps only its ``best`` highest-scoring pairs."""
    workers: int = 1
    """Threads that take partner chunks at once (each holds one chunk's candidates)."""

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
    """Each encoding's band keys, band-major: a ``(bands, len(encodings))`` array of ``uint64``.

    A band's key is its sampled bits packed in order (right-aligned in 8 bytes). The keys
    are written straight into the result, ``blocking.chunk`` encodings at a time: the only
    other memory is one chunk's bits (``chunk`` x 1,024 bytes), never a copy of the keys.
    A band's keys are one contiguous row, as sorting and searching them by band wants.
    """
    positions = blocking.positions().ravel()
    width = -(-blocking.bits // 8)
    keys = np.empty((blocking.bands, len(encodings)), dtype=np.uint64)
    for start in range(0, len(encodings), blocking.chunk):
        chunk = encodings[start : start + blocking.chunk]
        # one row per bit position: the sampled positions are then whole rows
        bits = np.unpackbits(np.ascontiguousarray(chunk.T), axis=0)
        sampled = bits[positions].reshape(blocking.bands, blocking.bits, len(chunk))
        del bits
        packed = np.packbits(sampled, axis=1)  # (bands, bytes, encodings)
        del sampled
        out = keys[:, start : start + len(chunk)]
        out[...] = packed[:, 0, :]
        for byte in range(1, width):
            out <<= np.uint64(8)
            out |= packed[:, byte, :]
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
    compared once; the pairs of their rows are expanded at the end. The local band keys
    are sorted once, band by band; the partner's encodings are then taken
    ``blocking.partner_chunk`` at a time: the candidates of a chunk over all bands are
    gathered, each pair kept once however many bands it shares (a near-identical pair
    shares dozens), scored, and only those at the threshold (and, with
    ``blocking.best``, among each partner encoding's best) kept; ``blocking.workers``
    threads take chunks at once. Memory holds the sorted band keys, the candidates of the
    chunks in hand and the kept pairs, not all the candidates.

    Args:
        partner: the partner's encodings.
        local: the local encodings.
        blocking: the band parameters.
        threshold: the least Dice coefficient kept.
        stats: if given, receives ``candidates`` (pairs of distinct encodings sharing a
            band, with repeats across bands), ``compared`` (distinct pairs scored) and
            ``distinct_partner``/``distinct_local``.

    Returns:
        Row indices into ``partner`` and ``local``, and the Dice coefficients.
    """
    partner_first, partner_inverse = _unique_rows(partner)
    local_first, local_inverse = _unique_rows(local)
    partner_u, local_u = partner[partner_first], local[local_first]
    width = np.int64(len(local_u))
    row_type = np.int32 if len(local_u) < 2**31 else np.int64
    # the local side's keys sorted once per band, in place (a band is one contiguous row)
    local_keys = band_keys(local_u, blocking)
    local_order = np.empty(local_keys.shape, dtype=row_type)
    for band in range(blocking.bands):
        order = np.argsort(local_keys[band], kind="stable")
        local_order[band] = order
        local_keys[band] = local_keys[band][order]
        del order
    words_p, count_p = _words(partner_u)
    words_l, count_l = _words(local_u)

    def one_chunk(start: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        """The kept pairs and scores of one partner chunk, its candidates and pairs scored."""
        keys = band_keys(partner_u[start : start + blocking.partner_chunk], blocking)
        pairs = _band_candidates(keys, start, local_keys, local_order, width)
        del keys
        if not len(pairs):
            return pairs, np.zeros(0, dtype=np.float64), 0, 0
        candidates = len(pairs)
        pairs.sort()
        distinct = np.empty(len(pairs), dtype=bool)
        distinct[0] = True
        np.not_equal(pairs[1:], pairs[:-1], out=distinct[1:])
        pairs = pairs[distinct]
        del distinct
        compared = len(pairs)
        pairs, scores = _at_threshold(words_p, count_p, words_l, count_l, pairs, width, threshold)
        if blocking.best is not None:
            pairs, scores = _best_per_row(pairs // width, pairs, scores, blocking.best)
        return pairs, scores, candidates, compared

    starts = range(0, len(partner_u), blocking.partner_chunk)
    if blocking.workers > 1 and len(starts) > 1:
        # numpy sorts, searches, gathers and popcounts without the GIL: threads share
        # the local keys and use the cores (chunks come back in order: same result)
        with ThreadPoolExecutor(blocking.workers) as pool:
            results = list(pool.map(one_chunk, starts))
    else:
        results = [one_chunk(start) for start in starts]
    codes_kept = np.concatenate([r[0] for r in results] or [np.zeros(0, dtype=np.int64)])
    scores_kept = np.concatenate([r[1] for r in results] or [np.zeros(0, dtype=np.float64)])
    candidates = sum(r[2] for r in results)
    compared = sum(r[3] for r in results)
    del results
    if stats is not None:
        stats.update(
            candidates=candidates,
            compared=compared,
            distinct_partner=len(partner_u),
            distinct_local=len(local_u),
        )
    return _expand(
        codes_kept // width, codes_kept % width, scores_kept, partner_inverse, local_inverse
    )


def _band_candidates(
    keys: np.ndarray,
    start: int,
    local_keys: np.ndarray,
    local_order: np.ndarray,
    width: np.int64,
) -> np.ndarray:
    """The candidate pairs of one partner chunk over all bands, as codes, with repeats.

    A code is ``partner row * width + local row``. The band hits are found first, band by
    band, so that the codes are written once into an array of their exact size (no list
    of per-band arrays to join: that would hold every candidate twice).
    """
    rows = np.arange(start, start + keys.shape[1], dtype=np.int64)
    hits: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    total = 0
    for band in range(len(keys)):
        # queries in key order: each binary search starts where the last one ended
        by_key = np.argsort(keys[band])
        queries = keys[band][by_key]
        left = np.searchsorted(local_keys[band], queries, side="left")
        counts = np.searchsorted(local_keys[band], queries, side="right") - left
        hit = counts > 0
        if hit.any():
            hits.append((band, by_key[hit], left[hit], counts[hit]))
            total += int(counts[hit].sum())
    pairs = np.empty(total, dtype=np.int64)
    at = 0
    for band, by_key, left, counts in hits:
        size = int(counts.sum())
        offsets = np.repeat(left - np.cumsum(counts) + counts, counts) + np.arange(size)
        out = pairs[at : at + size]
        np.multiply(np.repeat(rows[by_key], counts), width, out=out)
        out += local_order[band][offsets]
        at += size
    return pairs


def _at_threshold(
    words_p: np.ndarray,
    count_p: np.ndarray,
    words_l: np.ndarray,
    count_l: np.ndarray,
    pairs: np.ndarray,
    width: np.int64,
    threshold: float,
    chunk: int = 250_000,
) -> tuple[np.ndarray, np.ndarray]:
    """The pair codes whose Dice coefficient reaches ``threshold``, and their scores.

    Scored ``chunk`` pairs at a time, so that the rows and scores of all the pairs are
    never held at once: only those kept.
    """
    kept: list[np.ndarray] = []
    kept_scores: list[np.ndarray] = []
    for begin in range(0, len(pairs), chunk):
        codes = pairs[begin : begin + chunk]
        partner_rows, local_rows = np.divmod(codes, width)
        scores = _dice_words(words_p, count_p, words_l, count_l, partner_rows, local_rows, chunk)
        keep = scores >= threshold
        kept.append(codes[keep])
        kept_scores.append(scores[keep])
    if not kept:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(kept), np.concatenate(kept_scores)


def _best_per_row(
    rows: np.ndarray, pairs: np.ndarray, scores: np.ndarray, best: int
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs among the ``best`` highest scores of their row (ties by pair)."""
    order = np.lexsort((pairs, -scores, rows))
    rows = rows[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    chosen = np.sort(order[rank < best])
    return pairs[chosen], scores[chosen]


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
    words_p, count_p = _words(partner)
    words_l, count_l = _words(local)
    return _dice_words(words_p, count_p, words_l, count_l, partner_rows, local_rows, chunk)


def _words(encodings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The encodings as rows of 64-bit words, and each one's count of set bits."""
    words = np.ascontiguousarray(encodings).view(np.uint64)
    return words, np.bitwise_count(words).sum(axis=1, dtype=np.int64)


def _dice_words(
    words_p: np.ndarray,
    count_p: np.ndarray,
    words_l: np.ndarray,
    count_l: np.ndarray,
    partner_rows: np.ndarray,
    local_rows: np.ndarray,
    chunk: int = 250_000,
) -> np.ndarray:
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
