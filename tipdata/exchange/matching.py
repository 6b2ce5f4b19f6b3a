"""Matching received encodings with local ones: Dice similarity, blocking, one-to-one.

:mod:`anonlink` does the work: candidate pairs are the record pairs whose Dice
coefficient reaches the threshold (its C++ popcount similarity), compared only within
blocks of anonlink's bit blocking (Hamming locality-sensitive hashing on the encodings'
own bits: it needs no field sent beside the encodings, so blocking reveals nothing the
encodings do not). A person may have several records on each side: a pair of persons
scores the best pair of their records, and anonlink's greedy solver then keeps each
partner person and each local person in at most one link.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import anonlink
import numpy as np

from tipdata.exchange.encoding import to_bitarrays

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.78
"""Dice coefficient from which two encodings are a candidate link."""


@dataclass(frozen=True)
class Blocking:
    """anonlink's bit blocking: ``tables`` random sets of ``bits`` bit positions each.

    Two encodings are compared when they agree on every position of at least one set.
    More tables raise recall, more bits make blocks smaller. The positions come from a
    fixed seed: both are public parameters, not secrets.
    """

    tables: int = 24
    bits: int = 10
    seed: int = 20031


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
    blocking_f = (
        None
        if blocking is None
        else anonlink.blocking.bit_blocking(blocking.tables, blocking.bits, seed=blocking.seed)
    )
    similarities, _datasets, (partner_rows, local_rows) = (
        anonlink.candidate_generation.find_candidate_pairs(
            [to_bitarrays(partner_encodings), to_bitarrays(local_encodings)],
            anonlink.similarities.dice_coefficient_accelerated,
            threshold,
            blocking_f=blocking_f,
        )
    )
    log.info("%d candidate record pairs at Dice >= %.2f", len(similarities), threshold)
    return best_one_to_one(partner_owners, local_owners, similarities, partner_rows, local_rows)


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
    best: dict[tuple[str, str], float] = {}
    for score, partner_row, local_row in zip(similarities, partner_rows, local_rows, strict=True):
        pair = (partner_owners[partner_row], local_owners[local_row])
        if score > best.get(pair, -1.0):
            best[pair] = float(score)
    if not best:
        return []
    partners = sorted({partner for partner, _local in best})
    locals_ = sorted({local for _partner, local in best})
    partner_index = {owner: i for i, owner in enumerate(partners)}
    local_index = {owner: i for i, owner in enumerate(locals_)}
    # anonlink's solver takes candidates best first, ties broken by record index
    ranked = sorted(
        best.items(),
        key=lambda item: (-item[1], partner_index[item[0][0]], local_index[item[0][1]]),
    )
    candidates = (
        array("d", [score for _pair, score in ranked]),
        (array("I", [0] * len(ranked)), array("I", [1] * len(ranked))),
        (
            array("I", [partner_index[partner] for (partner, _local), _s in ranked]),
            array("I", [local_index[local] for (_partner, local), _s in ranked]),
        ),
    )
    links = []
    for group in anonlink.solving.greedy_solve(candidates):
        (_, partner_i), (_, local_i) = sorted(group)
        pair = (partners[partner_i], locals_[local_i])
        links.append(Link(pair[0], pair[1], best[pair]))
    links.sort(key=lambda link: (-link.score, link.partner, link.local))
    return links


__all__ = ["DEFAULT_THRESHOLD", "Blocking", "Link", "best_one_to_one", "match"]
