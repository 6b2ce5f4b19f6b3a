"""The demo benchmark's error categories (``benchmarks/bench_linkage.py demo``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_linkage.py"
    spec = importlib.util.spec_from_file_location("bench_linkage_errors", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_missed_and_false_pairs_are_counted_by_kind_and_by_their_own_score(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = _bench()
    table = pd.DataFrame(
        {
            "unique_id": [1, 2, 3, 4, 5],
            "source": [
                "iom_poipet_screening",
                "mosavy_victims",
                "court_outcomes",
                "ngo_cwcc_intake",
                "migrant_hotline_log",
            ],
        }
    )
    # True persons: A = {1, 2}, B = {3, 4}, C = {5}. Predicted: {1}, {2, 3, 4}, {5}.
    truth = {1: "A", 2: "A", 3: "B", 4: "B", 5: "C"}
    clusters = {1: 1, 2: 2, 3: 2, 4: 2, 5: 5}
    pairs = pd.DataFrame(
        {
            "unique_id_l": [1, 2, 3],
            "unique_id_r": [2, 3, 4],
            "match_probability": [0.3, 0.7, 0.9],
        }
    )

    bench._print_errors(table, pairs, clusters, truth, 0.5)

    out = capsys.readouterr().out
    assert "missed true pairs at 0.50, by kind and by the pair's own score: 1" in out
    assert "IOM returnee and a victim agency" in out and "(review band 1)" in out
    assert "false pairs at 0.50, by kind and by the pair's own score: 2" in out
    # 2-3 was linked directly (0.7); 2-4 only through 3 (never scored).
    assert "court record" in out and "(>= 0.5 1)" in out
    assert "two victim agencies" in out and "(not scored 1)" in out
