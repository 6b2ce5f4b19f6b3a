"""Shared generator runs for the demo tests: one small run, one full-scale run."""

from __future__ import annotations

import pytest

from tipdata.demo import GenerationSummary, generate

SMALL_SCALE = 0.05


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A run at scale 0.05, seed 3."""
    return generate(2008, SMALL_SCALE, 3, out=tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A run at scale 1.0, seed 1 (its speed is `benchmarks/bench_generate.py`'s, not a test's)."""
    return generate(2008, 1.0, 1, out=tmp_path_factory.mktemp("full"))
