"""Benchmark: cross-border PPRL against clear-text linkage, and matching at scale.

    .venv/bin/python benchmarks/bench_exchange.py [--people 2000] [--seed 21] [--scale 100000]

Part 1, accuracy: two synthetic sides of a border (``tipdata.demo.crossborder``, known
truth) are linked in clear (``evaluation.clear_text_links``: Jaro-Winkler on the
romanisation key, birth year within one, sex and day of birth) and by their encodings
(clkhash CLKs, Dice with MinHash blocking, one-to-one), and both are scored by pairwise
precision, recall and F1 against the truth, with their times side by side. The PPRL row
without blocking (anonlink's C++ kernel on every pair) shows what blocking costs in recall.

Part 2, scale (``--scale N``, 0 to skip): sides of N Cambodian persons (the Thai side has
about 1.4 N records) are encoded, then matched with blocking; prints the encoding and
matching times, the candidate pairs, the F1, the peak memory of the matching step
(tracemalloc: Python and numpy allocations) and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

from tipdata.demo.crossborder import border_pair, encoding_fields
from tipdata.exchange.encoding import encode
from tipdata.exchange.evaluation import clear_text_links, pairwise_score
from tipdata.exchange.matching import (
    DEFAULT_THRESHOLD,
    Blocking,
    best_one_to_one,
    candidate_pairs,
    dice,
    match,
)

SECRET = b"benchmark secret, not an agreement's: 32+ bytes"
SALT = b"benchmark-salt-0001"


fields = encoding_fields


def _row(label: str, score: object, seconds: float) -> str:
    precision = getattr(score, "precision")  # noqa: B009 - PairwiseScore, typed loosely here
    recall = getattr(score, "recall")  # noqa: B009
    f1 = getattr(score, "f1")  # noqa: B009
    return f"{label:<34} {precision:>9.3f} {recall:>7.3f} {f1:>7.4f} {seconds:>9.2f}"


def accuracy(people: int, seed: int, workers: int) -> None:
    """Part 1: clear text against PPRL on the same records."""
    pair = border_pair(people, seed=seed)
    truth = pair.true_pairs()
    partner, local = fields(pair.partner), fields(pair.local)
    print(
        f"sides: {len(local)} Cambodian records, {len(partner)} Thai records, "
        f"{len(truth)} persons held by both (seed {seed})"
    )
    print(f"{'linkage':<34} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>9}")
    started = time.perf_counter()
    clear = pairwise_score(clear_text_links(partner, local), truth)
    print(_row("clear text (Jaro-Winkler)", clear, time.perf_counter() - started))
    started = time.perf_counter()
    partner_encodings = encode(partner, secret=SECRET, salt=SALT, workers=workers)
    local_encodings = encode(local, secret=SECRET, salt=SALT, workers=workers)
    encoding_seconds = time.perf_counter() - started
    owners = ([r.owner for r in partner], [r.owner for r in local])
    for label, blocking in (("PPRL, MinHash blocking", Blocking()), ("PPRL, every pair", None)):
        started = time.perf_counter()
        links = match(
            owners[0],
            partner_encodings,
            owners[1],
            local_encodings,
            threshold=DEFAULT_THRESHOLD,
            blocking=blocking,
        )
        seconds = time.perf_counter() - started
        print(
            _row(f"{label} (+{encoding_seconds:.1f} s enc.)", pairwise_score(links, truth), seconds)
        )
    print(f"F1 difference (PPRL blocked - clear text): see the two rows above; threshold "
          f"{DEFAULT_THRESHOLD}")  # fmt: skip


def scale(people: int, seed: int, workers: int) -> None:
    """Part 2: encode and match sides of ``people`` persons with blocking."""
    pair = border_pair(people, seed=seed)
    truth = pair.true_pairs()
    partner, local = fields(pair.partner), fields(pair.local)
    started = time.perf_counter()
    partner_encodings = encode(partner, secret=SECRET, salt=SALT, workers=workers)
    local_encodings = encode(local, secret=SECRET, salt=SALT, workers=workers)
    encoding_seconds = time.perf_counter() - started
    print(
        f"scale: {len(partner):,} x {len(local):,} encodings; encoded in "
        f"{encoding_seconds:.1f} s ({workers} processes)"
    )
    # the steps of match(), timed one by one (candidate pairs, Dice, one-to-one)
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    partner_rows, local_rows = candidate_pairs(partner_encodings, local_encodings, Blocking())
    candidates_seconds = time.perf_counter() - started
    candidates = len(partner_rows)
    scores = dice(partner_encodings, local_encodings, partner_rows, local_rows)
    keep = scores >= DEFAULT_THRESHOLD
    links = best_one_to_one(
        [r.owner for r in partner],
        [r.owner for r in local],
        scores[keep],
        partner_rows[keep],
        local_rows[keep],
    )
    match_seconds = time.perf_counter() - started
    match_cpu = time.process_time() - cpu
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    score = pairwise_score(links, truth)
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    all_pairs = len(partner) * len(local)
    print(
        f"matched with blocking in {match_seconds:.1f} s ({match_cpu:.1f} s of CPU; "
        f"candidate pairs alone {candidates_seconds:.1f} s): {candidates:,} candidate pairs, "
        f"{len(links):,} links; F1 {score.f1:.4f} "
        f"(precision {score.precision:.3f}, recall {score.recall:.3f}); "
        f"{all_pairs:,} pairs without blocking"
    )
    print(
        f"peak memory of matching (tracemalloc): {peak / 2**20:,.0f} MiB; "
        f"process peak resident: {resident:,.0f} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="Cambodian persons, part 1")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--scale", type=int, default=0, help="Cambodian persons, part 2")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    accuracy(args.people, args.seed, args.workers)
    if args.scale:
        scale(args.scale, args.seed, args.workers)
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
