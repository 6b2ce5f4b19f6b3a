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
on each side are drawn and encoded with the real encoder by ``--workers`` processes in
chunks of 50,000 records a side (each chunk its own population of about 45,000
Cambodian persons, ``border_pair`` with the chunk's seed, person keys prefixed with the
chunk's number), each chunk saved to ``--cache DIR`` as it is done (a temporary folder
without it), so a stopped run goes on where it stopped and the matching can be run again
without encoding. The matching takes partner chunks in ``--workers`` threads. It prints
the encoding time (wall, and CPU of the encoding processes) apart from the matching:
wall and CPU time, band candidates and distinct pairs scored, the pairs kept at the
threshold (``--best K``: the K best of each partner encoding, 10 by default; 0 keeps
all), the links, the F1, precision and recall against the persons
both sides hold, and the process's peak resident memory while matching (Linux: reset
before matching through /proc/self/clear_refs, read from VmHWM; it includes the
encodings and owners already held).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from tipdata.demo.crossborder import BorderPair, SideRecord, border_pair, encoding_fields
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


CHUNK_RECORDS = 50_000
"""Records a side that one encoding task of part 2 draws and encodes."""


def _encode_chunk(task: tuple[int, int, int, str, str]) -> tuple[float, float]:
    """Draw, encode and save one chunk of both sides; return its wall and CPU seconds.

    A chunk is a population of its own (``border_pair`` with the chunk's seed), its person
    keys prefixed with the chunk's number, its sides cut to ``records`` records each; it
    is written to ``folder/part-NNNN.npz`` (through a temporary name: a stopped run leaves
    no half-written part, and the next run encodes only the parts missing).
    """
    chunk, records, seed, names, folder = task
    started, cpu = time.perf_counter(), time.process_time()
    pair = border_pair(
        int(records / 1.1) + 10, seed=seed * 100_003 + chunk, varied_names=names == "varied"
    )

    def cut(side: list[SideRecord]) -> list[SideRecord]:
        return [replace(r, person_key=f"{chunk}-{r.person_key}") for r in side[:records]]

    pair = BorderPair(cut(pair.local), cut(pair.partner))
    truth = sorted(pair.true_pairs())
    partner, local = fields(pair.partner), fields(pair.local)
    path = Path(folder) / f"part-{chunk:04d}.npz"
    partial = path.with_name(f"part-{chunk:04d}.partial.npz")
    np.savez(
        partial,
        partner_owners=np.array([r.owner for r in partner]),
        partner=encode(partner, secret=SECRET, salt=SALT),
        local_owners=np.array([r.owner for r in local]),
        local=encode(local, secret=SECRET, salt=SALT),
        truth_partner=np.array([p for p, _l in truth]),
        truth_local=np.array([q for _p, q in truth]),
    )
    partial.replace(path)
    return time.perf_counter() - started, time.process_time() - cpu


def _sides(
    encodings: int, seed: int, workers: int, names: str, cache: Path
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, set[tuple[str, str]]]:
    """The two sides' owners and encodings and the true pairs, encoded into ``cache``.

    The sides are drawn and encoded in chunks of ``CHUNK_RECORDS`` records a side by
    ``workers`` processes, each chunk saved as it is done; chunks already in ``cache``
    are read, not encoded again.
    """
    folder = cache / f"sides-{encodings}-{seed}-{names}"
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [min(CHUNK_RECORDS, encodings - start) for start in range(0, encodings, CHUNK_RECORDS)]
    tasks = [
        (chunk, size, seed, names, str(folder))
        for chunk, size in enumerate(sizes)
        if not (folder / f"part-{chunk:04d}.npz").exists()
    ]
    if tasks:
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=4) as pool:
            times = pool.map(_encode_chunk, tasks, chunksize=1)
        print(
            f"scale ({names} names): encoded {len(tasks)} of {len(sizes)} chunks of up to "
            f"{CHUNK_RECORDS:,} records a side in {time.perf_counter() - started:.0f} s wall "
            f"({workers} processes, {sum(cpu for _wall, cpu in times):.0f} s CPU in them); "
            f"kept in {folder}"
        )
    else:
        print(f"scale ({names} names): encodings read from {folder}")
    parts = [np.load(folder / f"part-{chunk:04d}.npz") for chunk in range(len(sizes))]

    def joined(name: str) -> np.ndarray:
        return np.concatenate([part[name] for part in parts])

    truth = set(zip(joined("truth_partner").tolist(), joined("truth_local").tolist(), strict=True))
    owners = joined("partner_owners"), joined("local_owners")
    return owners[0], joined("partner"), owners[1], joined("local"), truth


def scale(
    encodings: int, seed: int, workers: int, names: str, cache: Path | None, best: int
) -> None:
    """Part 2: encode ``encodings`` records a side and match them with blocking."""
    with tempfile.TemporaryDirectory(prefix="bench-exchange-") as scratch:
        sides = _sides(encodings, seed, workers, names, cache or Path(scratch))
    partner, local = sides[0].tolist(), sides[2].tolist()
    partner_encodings, local_encodings, truth = sides[1], sides[3], sides[4]
    _reset_peak_resident()
    stats: dict[str, int] = {}
    started, cpu = time.perf_counter(), time.process_time()
    partner_rows, local_rows, scores = scored_pairs(
        partner_encodings,
        local_encodings,
        Blocking(best=best or None, workers=workers),
        DEFAULT_THRESHOLD,
        stats=stats,
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
        f"{stats['candidates']:,} band candidates, {stats['compared']:,} distinct pairs "
        f"scored; {len(scores):,} record pairs kept at Dice >= {DEFAULT_THRESHOLD}"
        f"{f' (the best {best} of each partner encoding)' if best else ''}; "
        f"{len(links):,} links"
    )
    print(
        f"F1 {score.f1:.4f} (precision {score.precision:.3f}, recall {score.recall:.3f}) "
        f"on the {len(truth):,} persons held by both; "
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
    parser.add_argument(
        "--best",
        type=int,
        default=10,
        help="part 2: pairs kept per partner encoding at the threshold, best first (0: all)",
    )
    parser.add_argument("--skip-accuracy", action="store_true", help="run part 2 only")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes that encode, and (part 2) threads that match partner chunks",
    )
    args = parser.parse_args(argv)
    if not args.skip_accuracy:
        accuracy(args.people, args.seed, args.workers)
    if args.scale:
        scale(args.scale, args.seed, args.workers, args.names, args.cache, args.best)
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
