"""The pathway and findings reports: written as HTML and CSV, with the demo's planted figures."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.checks import run_checks
from tipdata.legal.evaluation import read_anomalies
from tipdata.legal.findings import CheckFinding
from tipdata.pathways.prosecution import ProsecutionReport
from tipdata.pathways.victim import Durations, VictimPathwayReport
from tipdata.reporting.check_reports import (
    findings_report,
    pathway_report,
    write_check_reports,
)
from tipdata.reporting.report import TOTAL
from tipdata.store import Database

START, END = date(2008, 1, 1), date(2008, 12, 31)
DemoDb = tuple[Database, dict[int, str], Path]


def _csv(path: Path) -> dict[tuple[str, str, str], str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {(r["table"], r["row"], r["column"]): r["value"] for r in csv.DictReader(handle)}


def _finding(rule: str, severity: str, agency: str | None) -> CheckFinding:
    return CheckFinding(rule, severity, "charge", 1, "m", agency=agency)  # type: ignore[arg-type]


def test_findings_report_counts_by_rule_agency_and_severity() -> None:
    findings = [
        _finding("sentence_below_minimum", "warning", "PPMC"),
        _finding("sentence_below_minimum", "warning", "PPMC"),
        _finding("suspended_trafficking_sentence", "error", "PPMC"),
        _finding("identified_not_referred", "warning", None),
    ]
    report = findings_report(findings, START, END, generated_at=datetime(2009, 1, 1, tzinfo=UTC))
    by_rule = report.table("findings_by_rule")
    assert by_rule.rows == (
        "identified_not_referred",
        "sentence_below_minimum",
        "suspended_trafficking_sentence",
        TOTAL,
    )
    assert by_rule.cell("sentence_below_minimum", "warning").value == 2
    assert by_rule.cell(TOTAL, "warning").value == 3
    assert by_rule.cell(TOTAL, "error").value == 1
    assert by_rule.cell(TOTAL, TOTAL).value == 4
    by_agency = report.table("findings_by_agency")
    assert {row: by_agency.cell(row, TOTAL).value for row in by_agency.rows} == {
        "PPMC": 3,
        "unknown": 1,
        TOTAL: 4,
    }


def test_pathway_report_tables() -> None:
    victims = VictimPathwayReport(
        pathways=5,
        reached={"identified": 5, "referred": 3, "sheltered": 2},
        last_stage={"sheltered": 2, "referred": 1, "identified": 2},
        durations=[Durations("referred → sheltered", 2, 3.4, 9.6)],
        identified_not_referred=[("person", 1), ("person", 2)],
        referrals_not_received=1,
    )
    prosecution = ProsecutionReport(
        suspects=4,
        arrested=3,
        reached_court=2,
        verdicts={"convicted": 1, "acquitted": 1},
        pending=1,
        sentence_outcomes={"serving": 1},
    )
    report = pathway_report(victims, prosecution, START, END)
    assert report.table("victim_last_stage").cell(TOTAL, "pathways").value == 5
    assert report.table("victim_gaps").cell("identified_not_referred", "pathways").value == 2
    durations = report.table("victim_durations")
    assert [durations.cell("referred → sheltered", c).value for c in durations.columns] == [
        2,
        3,
        10,
    ]
    attrition = report.table("prosecution_attrition")
    assert {row: attrition.cell(row, "suspects").value for row in attrition.rows} == {
        "suspects": 4,
        "arrested": 3,
        "reached_court": 2,
        "verdict_acquitted": 1,
        "verdict_convicted": 1,
        "pending": 1,
        "pending_too_long": 0,
    }


def test_reports_written_with_the_planted_anomalies(
    sqlite_demo_db: DemoDb,  # noqa: F811
    tmp_path: Path,
) -> None:
    database, _truth, delivery = sqlite_demo_db
    results = run_checks(database, store=False)
    files = write_check_reports(database, results.findings, tmp_path / "reports", START, END)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "findings-2008-01-01_2008-12-31.csv",
        "findings-2008-01-01_2008-12-31.html",
        "pathways-2008-01-01_2008-12-31.csv",
        "pathways-2008-01-01_2008-12-31.html",
    ]
    findings = _csv(files.findings["csv"])
    by_rule = Counter(f.rule for f in results.findings)
    for rule, count in by_rule.items():
        assert findings[("findings_by_rule", rule, TOTAL)] == str(count)
    assert findings[("findings_by_rule", TOTAL, TOTAL)] == str(len(results.findings))
    planted = Counter(a.kind for a in read_anomalies(delivery))
    # the conviction planted under Art 3 (the law's scope) is one finding of its rule
    assert planted["conviction_under_scope_article"] == 1
    assert findings[("findings_by_rule", "conviction_under_non_penal_article", TOTAL)] == "1"
    pathways = _csv(files.pathways["csv"])
    assert pathways[("victim_gaps", "identified_not_referred", "pathways")] == str(
        by_rule["identified_not_referred"]
    )
    assert pathways[("victim_gaps", "pathways", "pathways")] == str(results.victim_pathways)
    assert pathways[("prosecution_attrition", "suspects", "suspects")] == str(
        results.prosecution_pathways
    )
    html = files.pathways["html"].read_text(encoding="utf-8")
    assert 'data-table="victim_durations"' in html
    assert 'data-table="sentence_outcomes"' in html
    html = files.findings["html"].read_text(encoding="utf-8")
    assert f'<td class="n">{len(results.findings):,}</td>' in html
