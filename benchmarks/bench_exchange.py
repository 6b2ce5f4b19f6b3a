"""Benchmark: cross-border PPRL against clear-text linkage, and matching at scale.

    .venv/bin/python benchmarks/bench_exchange.py [--people 2000] [--seed 21] [--scale 100000]

Part 1, accuracy: two synthetic sides of a border (``tipdata.demo.crossborder``, known
truth) are linked in clear (``evaluation.clear_text_links``: Jaro-Winkler on the
romanisation key, birth year within one, sex and day of birth) and by their encodings
(clkhash CLKs, Dice with Hamming LSH blocking, one-to-one), and both are scored by
pairwise precision, recall and F1 against the truth, with their times side by side and
the difference of their F1. The PPRL row without blocking (anonlink's C++ kernel on
every pair) shows what blocking costs in recall.

Part 2, scale (``--scale N``, 0 to skip; ``--skip-accuracy`` runs it alone): N encodings
on each side (the first N records of sides of about N / 1.1 Cambodian persons) are
encoded, then matched with blocking; prints the encoding and matching times (wall and
CPU), the candidates, the F1, and the process's peak resident memory while matching
(Linux: reset before matching through /proc/self/clear_refs, read from VmHWM; it
includes the encodings and records already held).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from tipdata.demo.crossborder import BorderPair, border_pair, encoding_fields
from tipdata.exchange.encoding import encode
from tipdata.exchange.evaluation import clear_text_links, pairwise_score
from tipdata.exchange.matching import (
    DEFAULT_THRESHOLD,
    Blocking,
    best_one_to_one,
    match,
    scored_pairs,
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
    private = []
    for label, blocking in (("PPRL, Hamming LSH blocking", Blocking()), ("PPRL, every pair", None)):
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
        private.append(pairwise_score(links, truth))
        print(_row(f"{label} (+{encoding_seconds:.1f} s enc.)", private[-1], seconds))
    difference = private[0].f1 - clear.f1
    print(
        f"F1 of PPRL (blocked) - F1 of clear text: {difference:+.4f} "
        f"({'within' if difference >= -0.02 else 'NOT within'} 0.02; threshold "
        f"{DEFAULT_THRESHOLD})"
    )


def _peak_resident_mib() -> float:
    """Peak resident memory of this process since the last reset (Linux), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_resident() -> None:
    """Start a new peak-resident measurement (Linux's clear_refs; a no-op elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


def _sides(
    encodings: int, seed: int, workers: int, names: str, cache: Path | None
) -> tuple[list[str], np.ndarray, list[str], np.ndarray, set[tuple[str, str]]]:
    """The two sides' owners and encodings and the true pairs (from ``cache`` if made)."""
    path = cache / f"sides-{encodings}-{seed}-{names}.npz" if cache else None
    if path is not None and path.exists():
        saved = np.load(path)
        truth = set(
            zip(saved["truth_partner"].tolist(), saved["truth_local"].tolist(), strict=True)
        )
        print(f"scale ({names} names): encodings read from {path}")
        return (
            saved["partner_owners"].tolist(),
            saved["partner"],
            saved["local_owners"].tolist(),
            saved["local"],
            truth,
        )
    started = time.perf_counter()
    pair = border_pair(int(encodings / 1.1) + 10, seed=seed, varied_names=names == "varied")
    pair = BorderPair(pair.local[:encodings], pair.partner[:encodings])
    truth = pair.true_pairs()
    partner, local = fields(pair.partner), fields(pair.local)
    generated = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    partner_encodings = encode(partner, secret=SECRET, salt=SALT, workers=workers)
    local_encodings = encode(local, secret=SECRET, salt=SALT, workers=workers)
    print(
        f"scale ({names} names): {len(partner):,} x {len(local):,} encodings "
        f"({len(truth):,} persons on both sides); generated in {generated:.0f} s, encoded in "
        f"{time.perf_counter() - started:.0f} s ({workers} processes; "
        f"{time.process_time() - cpu:.0f} s CPU in this one)"
    )
    owners = [r.owner for r in partner], [r.owner for r in local]
    if path is not None:
        pairs = sorted(truth)
        np.savez(
            path,
            partner_owners=np.array(owners[0]),
            partner=partner_encodings,
            local_owners=np.array(owners[1]),
            local=local_encodings,
            truth_partner=np.array([p for p, _l in pairs]),
            truth_local=np.array([q for _p, q in pairs]),
        )
    return owners[0], partner_encodings, owners[1], local_encodings, truth


def scale(encodings: int, seed: int, workers: int, names: str, cache: Path | None) -> None:
    """Part 2: encode ``encodings`` records a side and match them with blocking."""
    partner, partner_encodings, local, local_encodings, truth = _sides(
        encodings, seed, workers, names, cache
    )
    _reset_peak_resident()
    stats: dict[str, int] = {}
    started, cpu = time.perf_counter(), time.process_time()
    partner_rows, local_rows, scores = scored_pairs(
        partner_encodings, local_encodings, Blocking(), DEFAULT_THRESHOLD, stats=stats
    )
    pairs_seconds = time.perf_counter() - started
    links = best_one_to_one(partner, local, scores, partner_rows, local_rows)
    match_seconds, match_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_resident_mib()
    score = pairwise_score(links, truth)
    print(
        f"matched with blocking in {match_seconds:.1f} s wall, {match_cpu:.1f} s CPU "
        f"(blocking and Dice {pairs_seconds:.1f} s wall); distinct encodings "
        f"{stats['distinct_partner']:,} x {stats['distinct_local']:,}; "
        f"{stats['candidates']:,} band candidates scored; {len(scores):,} record pairs at "
        f"Dice >= {DEFAULT_THRESHOLD}; {len(links):,} links"
    )
    print(
        f"F1 {score.f1:.4f} (precision {score.precision:.3f}, recall {score.recall:.3f}); "
        f"{len(partner) * len(local):,} pairs without blocking"
    )
    print(f"peak resident memory while matching: {peak:,.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="Cambodian persons, part 1")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument(
        "--scale", type=int, default=0, help="encodings on each side, part 2 (0: skip)"
    )
    parser.add_argument(
        "--names",
        choices=("varied", "demo"),
        default="varied",
        help="part 2: compound names (varied) or the demo's few hundred names (demo)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="part 2: folder to keep the encoded sides in, to match again without encoding",
    )
    parser.add_argument("--skip-accuracy", action="store_true", help="run part 2 only")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if not args.skip_accuracy:
        accuracy(args.people, args.seed, args.workers)
    if args.scale:
        scale(args.scale, args.seed, args.workers, args.names, args.cache)
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
