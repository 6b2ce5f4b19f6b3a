"""The demo data generator's entry point: one reporting year of agency files and truth."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tipdata.demo.agencies import (
    Context,
    FileResult,
    courts,
    iom,
    labour,
    migration_files,
    molvt,
    mosavy,
    partners,
    police,
    pwg,
    shelters,
)
from tipdata.demo.builder import build_world
from tipdata.demo.output import GROUND_TRUTH_DIR, GroundTruth, sha256_of
from tipdata.demo.world import World
from tipdata.errors import TipdataError

GENERATOR_VERSION = "1"

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: ``step`` names the file being written; ``done`` of
``total`` units (rows, when known) are finished. Called often; must be cheap."""

_WRITERS: tuple[tuple[str, Callable[[Context], FileResult]], ...] = (
    ("moi_police_register", police.write),
    ("mosavy_victims", mosavy.write),
    ("court_outcomes", courts.write),
    ("ngo_cwcc_intake", shelters.write_cwcc),
    ("ngo_afesip_intake", shelters.write_afesip),
    ("ngo_whi_intake", shelters.write_whi),
    ("ngo_hcc_intake", shelters.write_hcc),
    ("iom_poipet_screening", iom.write),
    ("molvt_lmis_departures", molvt.write),
    ("police_srp_arrests", police.write_provincial),
    ("ngo_network_intake", shelters.write_network),
    ("pwg_biweekly", pwg.write),
    ("company_worker_status", migration_files.write_company_status),
    ("malaysia_deportation_list", migration_files.write_deportations),
    ("migrant_hotline_log", migration_files.write_hotline),
    ("lscw_migrant_cases", migration_files.write_screenings),
    ("th_msdhs_handover", partners.write_thai_handover),
    ("ngo_cwcc_followup", partners.write_cwcc_followup),
)


@dataclass(frozen=True, slots=True)
class GenerationSummary:
    """What one generator run wrote.

    Attributes:
        out: the output directory.
        year: the reporting year.
        scale: the volume multiplier.
        seed: the random seed.
        files: data rows per agency file name.
        persons: true persons in the ground truth.
        anomalies: planted anomalies.
        manifest: path of ``ground_truth/manifest.json``.
    """

    out: Path
    year: int
    scale: float
    seed: int
    files: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    anomalies: int = 0
    manifest: Path = Path()


def _ticker(report: Progress, step: str) -> Callable[[int, int], None]:
    """A per-file progress function bound to its step name."""

    def tick(done: int, total: int) -> None:
        report(step, done, total)

    return tick


def _ignore(step: str, done: int, total: int) -> None:
    """The default progress callback: does nothing."""


def generate(
    year: int = 2008,
    scale: float = 1.0,
    seed: int = 1,
    *,
    out: Path,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Simulate one reporting year and write every agency's files plus the ground truth.

    Args:
        year: the reporting year (volumes follow the 2008 figures of the 2009 report).
        scale: multiplier on every volume; 1.0 matches the report, 10 gives about
            1.3 million IOM screening rows.
        seed: the random seed; the same seed writes byte-identical files.
        out: the output directory (created if missing); ground truth goes to
            ``out/ground_truth/``.
        progress: optional ``progress(step, done, total)`` callback for a progress bar.

    Returns:
        A summary of the files and row counts written.

    Raises:
        TipdataError: when ``scale`` is not positive or ``year`` is out of range.

    Examples:
        >>> generate(2008, scale=0.05, seed=7, out=Path("demo-out"))  # doctest: +SKIP
    """
    if scale <= 0:
        raise TipdataError(f"scale must be positive, got {scale}")
    if not 2000 <= year <= 2100:
        raise TipdataError(f"year must be between 2000 and 2100, got {year}")
    report = progress or _ignore
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report("world", 0, 1)
    world = build_world(year, scale, seed)
    labour.build_labour(world, seed, molvt.LICENCES)
    report("world", 1, 1)
    truth = GroundTruth(out)
    for person in world.persons:
        truth.person(person)
    sequence = len(world.persons)

    def next_person_id() -> str:
        nonlocal sequence
        sequence += 1
        return f"TP{sequence:07d}"

    results: list[FileResult] = []
    try:
        for stem, writer in _WRITERS:
            step = f"{stem}_{year}"
            context = Context(
                out=out,
                year=year,
                seed=seed,
                world=world,
                truth=truth,
                next_person_id=next_person_id,
                tick=_ticker(report, step),
            )
            results.append(writer(context))
    finally:
        truth.close()
    _write_cases(out / GROUND_TRUTH_DIR / "cases.csv", world)
    assert world.labour is not None
    departures = labour.lmis_departures(out / f"{molvt.STEM}_{year}.csv")
    labour.write_truth(out, labour.truth_figures(world.labour, world, departures))
    manifest = _write_manifest(out, year, scale, seed, results)
    report("manifest", 1, 1)
    return GenerationSummary(
        out=out,
        year=year,
        scale=scale,
        seed=seed,
        files={r.name: r.rows for r in results},
        persons=truth.person_count,
        anomalies=truth.anomaly_count,
        manifest=manifest,
    )


def _write_cases(path: Path, world: World) -> None:
    """Write ``ground_truth/cases.csv``: every true case and where it was recorded."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            (
                "true_case_id",
                "exploitation_type",
                "province_code",
                "destination",
                "arrest_date",
                "moi_case_no",
                "court",
                "court_case_no",
                "verdict_date",
                "offence_group",
                "victims",
                "suspects",
            )
        )
        for case in world.cases:
            court = case.court
            writer.writerow(
                (
                    case.case_id,
                    case.exploitation,
                    case.province.code,
                    case.destination,
                    case.arrest_date.isoformat() if case.arrest_date else "",
                    case.moi_case_no,
                    court.court_code if court else "",
                    court.case_no if court else "",
                    court.verdict_date.isoformat() if court else "",
                    court.offence_group if court else "",
                    " ".join(p.person_id for p in case.victims),
                    " ".join(p.person_id for p in case.suspects),
                )
            )


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return max(0, sum(1 for _ in csv.reader(handle)) - 1)


def _write_manifest(
    out: Path, year: int, scale: float, seed: int, results: list[FileResult]
) -> Path:
    """Write ``ground_truth/manifest.json``: run parameters, rows and SHA-256 per file."""
    files: dict[str, dict[str, object]] = {}
    for result in results:
        path = out / result.name
        files[result.name] = {
            "agency": result.agency,
            "rows": result.rows,
            "sha256": sha256_of(path),
        }
    truth_dir = out / GROUND_TRUTH_DIR
    for name in (
        "persons.csv",
        "records.csv",
        "cases.csv",
        "anomalies.csv",
        "pwg_true_values.csv",
        "court_charges.csv",
        "network_intakes.csv",
        labour.TRUTH_FILE,
        "retrafficked.csv",
        "followups.csv",
    ):
        path = truth_dir / name
        files[f"{GROUND_TRUTH_DIR}/{name}"] = {
            "agency": "TRUTH",
            "rows": _count_rows(path),
            "sha256": sha256_of(path),
        }
    manifest = {
        "generator": "tipdata.demo",
        "generator_version": GENERATOR_VERSION,
        "year": year,
        "scale": scale,
        "seed": seed,
        "files": files,
    }
    path = truth_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
