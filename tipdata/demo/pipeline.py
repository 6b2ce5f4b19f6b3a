"""The main job end to end on synthetic data: what `make demo` runs.

Schema → code lists → a simulated year of agency exports → import of every file → linkage of
the person records → legal and pathway checks, with the pathway and findings reports (HTML,
CSV) → provincial reports and their completeness → the TIP report (HTML, XLSX, CSV) → one
demo user per role. Each step calls the same service the CLI and the web app call; this
module only strings them together and keeps the figures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tipdata.demo.users import DemoUser
    from tipdata.system import System

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Say = Callable[[str], None]


@dataclass
class DemoSummary:
    """What the demo run made, for the CLI to print."""

    revision: str = ""
    reference_rows: dict[str, int] = field(default_factory=dict)
    delivery: Path | None = None
    agency_rows: dict[str, int] = field(default_factory=dict)
    imported: dict[str, int] = field(default_factory=dict)
    person_records: int = 0
    persons: int = 0
    review_pairs: int = 0
    findings: int = 0
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    reports_expected: int = 0
    reports_received: int = 0
    reports_on_time: int = 0
    tip_report: dict[str, Path] = field(default_factory=dict)
    standard_files: dict[str, Path] = field(default_factory=dict)
    check_reports: dict[str, Path] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)


def completeness_grid(
    system: System, year: int, as_of: date
) -> tuple[dict[str, dict[str, str]], tuple[int, int, int]]:
    """The provincial status grid (province → period → status) and the national totals."""
    from tipdata.provincial import completeness_report, status_grid

    with system.db.session() as session:
        result = completeness_report(session, year=year, as_of=as_of)
    national = result.report.national
    grid: dict[str, dict[str, str]] = {p: dict(row) for p, row in status_grid(result).items()}
    return grid, (national.expected, national.received, national.on_time)


def run_demo(
    system: System,
    *,
    year: int = 2008,
    scale: float = 1.0,
    seed: int = 1,
    progress: Progress | None = None,
    say: Say | None = None,
) -> DemoSummary:
    """Run the whole main job on synthetic data into the system's database and home folder.

    Args:
        system: the application object (its database is migrated here).
        year: the simulated reporting year.
        scale: 1.0 follows the 2009 report's volumes.
        seed: same seed, same agency files.
        progress: `(step, done, total)` callback for long steps.
        say: called with a one-line message as each step ends (the CLI prints it).

    Returns:
        The figures of every step and where the outputs are.
    """
    from tipdata.checks import run_checks
    from tipdata.demo import generate
    from tipdata.demo.users import create_demo_users
    from tipdata.ingest import import_directory
    from tipdata.linkage.service import link
    from tipdata.provincial import import_reports
    from tipdata.reporting.check_reports import write_check_reports
    from tipdata.reporting.render import write_report
    from tipdata.reporting.tip import report_period, tip_report

    tell = say or (lambda message: logger.info("%s", message))
    summary = DemoSummary()
    home = system.settings.ensure_home()

    summary.revision = system.upgrade()
    tell(f"1. database {system.database_label} at revision {summary.revision}")

    summary.reference_rows = system.load_reference_data()
    tell("2. code lists " + ", ".join(f"{k} {v}" for k, v in summary.reference_rows.items()))

    delivery = home / "demo" / "delivery"
    generated = generate(year=year, scale=scale, seed=seed, out=delivery, progress=progress)
    summary.delivery = delivery
    summary.agency_rows = dict(generated.files)
    tell(
        f"3. demo data: {len(generated.files)} agency files, {sum(generated.files.values()):,} "
        f"rows in {delivery} (ground truth apart in {delivery / 'ground_truth'})"
    )

    results = import_directory(system.db, delivery, progress=progress, imported_by="demo")
    summary.imported = {r.source: r.rows_stored + r.rows_updated for r in results}
    tell(
        f"4. imported {len(results)} files: "
        + ", ".join(f"{source} {rows:,}" for source, rows in summary.imported.items())
    )

    run = link(system.db, progress=progress, started_by="demo", actor=None)
    summary.person_records, summary.persons = run.records, run.persons
    summary.review_pairs = run.review_pairs_added
    tell(
        f"5. linked {run.records:,} person records into {run.persons:,} persons "
        f"({run.review_pairs_added:,} pairs for human review) in {run.seconds:.0f} s"
    )

    checks = run_checks(system.db, progress=progress, started_by="demo")
    summary.findings = len(checks.findings)
    for finding in checks.findings:
        summary.findings_by_rule[finding.rule] = summary.findings_by_rule.get(finding.rule, 0) + 1
    tell(
        f"6. checks: {summary.findings} findings ("
        + ", ".join(f"{rule} {n}" for rule, n in sorted(summary.findings_by_rule.items()))
        + ")"
    )
    period = report_period(year=year)
    written = write_check_reports(system.db, checks.findings, home / "reports", *period)
    summary.check_reports = {
        **{f"pathways_{fmt}": path for fmt, path in written.pathways.items()},
        **{f"findings_{fmt}": path for fmt, path in written.findings.items()},
    }
    tell(
        "   pathway report: "
        + ", ".join(str(path) for path in written.pathways.values())
        + "\n   findings report: "
        + ", ".join(str(path) for path in written.findings.values())
    )

    with system.db.session() as session:
        import_reports(session, delivery / f"pwg_biweekly_{year}.csv", "demo")
    as_of = date(year + 1, 3, 31)
    grid, (expected, received, on_time) = completeness_grid(system, year, as_of)
    summary.reports_expected, summary.reports_received = expected, received
    summary.reports_on_time = on_time
    tell(
        f"7. provincial reports: {received} of {expected} received, {on_time} on time "
        f"(as of {as_of})"
    )

    start, end = report_period(year=year)
    report = tip_report(system.db, start, end)
    summary.tip_report = {
        fmt: path
        for fmt, path in write_report(
            report, home / "reports" / f"tip-{year}", stem=f"tip-{year}", completeness=grid
        ).items()
    }
    tell(f"8. TIP report {year}: {summary.tip_report.get('html')}")
    from tipdata.standards.files import write_standard_files

    summary.standard_files = write_standard_files(
        system.db, year, home / "reports" / f"tip-{year}",
        threshold=system.settings.disclosure_threshold,
    )  # fmt: skip
    for path in summary.standard_files.values():
        tell(f"   beside it: {path}")

    summary.users = create_demo_users(system)
    tell(f"9. demo users: {len(summary.users)}, one per role")
    return summary
