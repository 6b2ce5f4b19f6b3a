"""The release benchmark's entry point, run end to end on a tiny demo (its figures are not judged).

``benchmarks/bench_releases.py`` is documented with ``--scale 10`` (docs/benchmarks.md; far too
long for a test): here the same ``main`` runs every step at a tiny scale, so the command
line, the child processes, the publication of two nested releases and the served load all
keep working.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TINY = "0.02"


@pytest.mark.slow
def test_the_benchmark_runs_every_step_on_a_tiny_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_releases.py"
    spec = importlib.util.spec_from_file_location("bench_releases_smoke", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look themselves up
    spec.loader.exec_module(bench)

    code = bench.main(
        ["--scale", TINY, "--readers", "2", "--seconds", "1", "--think", "0.05:0.1",
         "--root", str(tmp_path)]
    )  # fmt: skip

    out = capsys.readouterr().out
    assert code in (0, 1)  # 1: a target missed on a loaded machine; the figures are printed
    for line in (
        "1. internal new-period computation",
        "internal: FigureCache.report 2008 (NTF)",
        "baseline: reader request before (+publish)",
        "slowest tables: ",
        "2. publication",
        "release 2008-01-01 to 2008-12-31: figures",
        "release 2008-01-01 to 2008-03-31: ",
        "published figures (period=2008)",
        "baseline: /api/v1/me",
        "response sizes of the release: [",
    ):
        assert line in out, line
    served = next(line for line in out.splitlines() if line.startswith("published figures"))
    requests, errors = served.removeprefix("published figures (period=2008)").split()[:2]
    assert int(requests) > 0 and errors == "0"  # every reader got the stored release
