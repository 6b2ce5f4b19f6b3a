"""Same seed, same bytes; another seed, other bytes."""

from __future__ import annotations

import json
from pathlib import Path

from tipdata.demo import GenerationSummary, generate


def _hashes(summary: GenerationSummary) -> dict[str, str]:
    manifest = json.loads(summary.manifest.read_text(encoding="utf-8"))
    return {name: entry["sha256"] for name, entry in manifest["files"].items()}


def test_same_seed_gives_identical_files(small_run: GenerationSummary, tmp_path: Path) -> None:
    again = generate(2008, small_run.scale, small_run.seed, out=tmp_path / "again")
    assert _hashes(again) == _hashes(small_run)
    for name in ("mosavy_victims_2008.xlsx", "ngo_afesip_intake_2008.xlsx"):
        assert (tmp_path / "again" / name).read_bytes() == (small_run.out / name).read_bytes()


def test_another_seed_gives_other_files(small_run: GenerationSummary, tmp_path: Path) -> None:
    other = generate(2008, small_run.scale, small_run.seed + 1, out=tmp_path / "other")
    first, second = _hashes(small_run), _hashes(other)
    assert all(first[name] != second[name] for name in first if name.endswith(".csv"))


def test_manifest_records_run_parameters(small_run: GenerationSummary) -> None:
    manifest = json.loads(small_run.manifest.read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["scale"], manifest["year"]) == (3, 0.05, 2008)
    for name, rows in small_run.files.items():
        assert manifest["files"][name]["rows"] == rows


def test_progress_is_reported(tmp_path: Path) -> None:
    steps: list[str] = []
    generate(2008, 0.01, 1, out=tmp_path, progress=lambda step, done, total: steps.append(step))
    assert steps[0] == "world"
    assert "iom_poipet_screening_2008" in steps
    assert steps[-1] == "manifest"
