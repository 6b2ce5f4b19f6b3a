"""The pathway report and the legal-findings report, as report tables written like the TIP report.

:func:`pathway_report` turns the victim and prosecution pathway figures
(:mod:`tipdata.pathways`) into tables; :func:`findings_report` counts the findings of
the legal and pathway checks by rule, severity and court or agency. Both are
:class:`~tipdata.reporting.report.Report` objects, so :func:`write_check_reports`
writes them with the same render module as the TIP report (HTML and CSV). Every figure
is a count of pathways, findings or days; nothing in them identifies a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from tipdata.legal.findings import CheckFinding
from tipdata.pathways.prosecution import ProsecutionReport
from tipdata.pathways.victim import Durations, VictimPathwayReport
from tipdata.reporting.engine import Cell
from tipdata.reporting.render import Format, write_report
from tipdata.reporting.report import TOTAL, Report, ReportTable
from tipdata.store import Database

SEVERITIES = ("critical", "error", "warning", "info")
"""Severities, most serious first (the column order of the findings tables)."""

CHECK_REPORT_FORMATS: tuple[Format, ...] = ("html", "csv")


def _count(value: int) -> Cell:
    return Cell(value, value)


def _list_table(
    name: str,
    title: str,
    rows: Mapping[str, int],
    *,
    column: str,
    unit: str,
    row_header: str,
    definitions: tuple[str, ...] = (),
    total: bool = True,
) -> ReportTable:
    """A one-column table of counts, with a total row when ``total``."""
    cells = {(row, column): _count(value) for row, value in rows.items()}
    codes = tuple(rows)
    if total:
        cells[(TOTAL, column)] = _count(sum(rows.values()))
        codes = (*codes, TOTAL)
    return ReportTable(
        name=name,
        title=title,
        definitions=definitions,
        row_header=row_header,
        rows=codes,
        columns=(column,),
        cells=cells,
        labels={code: code.replace("_", " ").capitalize() for code in rows} | {column: unit},
        unit=unit,
    )


def _durations_table(name: str, title: str, durations: Sequence[Durations]) -> ReportTable:
    """Durations between stages: pathways measured, median and 90th percentile in days."""
    cells: dict[tuple[str, str], Cell] = {}
    for item in durations:
        cells[(item.label, "pathways")] = _count(item.count)
        for column, days in (("median_days", item.median_days), ("p90_days", item.p90_days)):
            if days is not None:
                cells[(item.label, column)] = _count(round(days))
    return ReportTable(
        name=name,
        title=title,
        definitions=(
            "Days from the first step of the first stage to the first step of the second "
            "stage after it, over the pathways that reached both; medians rounded to a day.",
        ),
        rows=tuple(item.label for item in durations),
        row_header="Stages",
        columns=("pathways", "median_days", "p90_days"),
        cells=cells,
        labels={"pathways": "Pathways", "median_days": "Median days", "p90_days": "90th pct days"},
        unit="days",
    )


def pathway_report(
    victims: VictimPathwayReport,
    prosecution: ProsecutionReport,
    start: date,
    end: date,
    *,
    generated_at: datetime | None = None,
) -> Report:
    """The victim and prosecution pathway figures as report tables.

    Args:
        victims: the victim pathway report (:func:`tipdata.pathways.victim_report`).
        prosecution: the prosecution report (:func:`tipdata.pathways.prosecution_report`).
        start: first day of the period the data cover.
        end: last day.
        generated_at: when the figures were computed (default: now).

    Returns:
        Tables ``victim_stages``, ``victim_last_stage``, ``victim_gaps``,
        ``victim_durations``, ``prosecution_attrition``, ``prosecution_durations`` and
        ``sentence_outcomes``.
    """
    attrition = {
        "suspects": prosecution.suspects,
        "arrested": prosecution.arrested,
        "reached_court": prosecution.reached_court,
        **{f"verdict_{verdict}": n for verdict, n in prosecution.verdicts.items()},
        "pending": prosecution.pending,
        "pending_too_long": prosecution.pending_too_long,
    }
    gaps = {
        "pathways": victims.pathways,
        "identified_not_referred": len(victims.identified_not_referred),
        "referrals_not_received": victims.referrals_not_received,
        "re_trafficked": len(victims.re_trafficked),
    }
    tables = (
        _list_table(
            "victim_stages",
            "Victim pathways by stage reached",
            victims.reached,
            row_header="Stage",
            column="pathways",
            unit="pathways",
            total=False,
            definitions=("A pathway counts once in each stage it reached (dated steps).",),
        ),
        _list_table(
            "victim_last_stage",
            "Victim pathways by last stage",
            victims.last_stage,
            row_header="Last stage",
            column="pathways",
            unit="pathways",
            definitions=("Where each pathway stands (or dropped out) at its last dated step.",),
        ),
        _list_table(
            "victim_gaps",
            "Victim pathway gaps",
            gaps,
            row_header="Figure",
            column="pathways",
            unit="pathways",
            total=False,
            definitions=(
                "Identified, never referred: a finding of the pathway checks (after the grace "
                "period). Referral not received: no shelter admission within the wait allowed.",
            ),
        ),
        _durations_table(
            "victim_durations", "Victim pathway: days between stages", victims.durations
        ),
        _list_table(
            "prosecution_attrition",
            "Prosecution pathway attrition",
            attrition,
            row_header="Figure",
            column="suspects",
            unit="suspects",
            total=False,
            definitions=(
                "Pending: arrested with no verdict; too long: the first step is older than "
                "the pending limit.",
            ),
        ),
        _durations_table(
            "prosecution_durations",
            "Prosecution pathway: days between stages",
            prosecution.durations,
        ),
        _list_table(
            "sentence_outcomes",
            "Convicted judgments by sentence outcome",
            prosecution.sentence_outcomes,
            row_header="Sentence outcome",
            column="judgments",
            unit="judgments",
        ),
    )
    return Report(
        title=f"Victim and prosecution pathways: {start.isoformat()} to {end.isoformat()}",
        start=start,
        end=end,
        tables=tables,
        generated_at=generated_at or datetime.now(UTC),
        notes=(
            "Pathways are assembled per linked person from the steps every source recorded; "
            "an unlinked person record is its own pathway.",
        ),
    )


def findings_report(
    findings: Iterable[CheckFinding],
    start: date,
    end: date,
    *,
    generated_at: datetime | None = None,
) -> Report:
    """The findings of the legal and pathway checks, counted by rule and by court or agency.

    Args:
        findings: the findings of one run of the checks.
        start: first day of the period the data cover.
        end: last day.
        generated_at: when the checks ran (default: now).

    Returns:
        Tables ``findings_by_rule`` (rule × severity) and ``findings_by_agency``
        (court or agency × severity), each with totals.
    """
    findings = list(findings)
    tables = (
        _by_severity(
            "findings_by_rule",
            "Findings by rule and severity",
            "Rule",
            Counter((f.rule, f.severity) for f in findings),
        ),
        _by_severity(
            "findings_by_agency",
            "Findings by court or agency and severity",
            "Court / agency",
            Counter((f.agency or "unknown", f.severity) for f in findings),
        ),
    )
    return Report(
        title=f"Legal and pathway findings: {start.isoformat()} to {end.isoformat()}",
        start=start,
        end=end,
        tables=tables,
        generated_at=generated_at or datetime.now(UTC),
        notes=(
            "Each finding is one rule about one charge, person or person record; "
            "`tipdata check list` shows them one by one.",
        ),
    )


def _by_severity(
    name: str, title: str, row_header: str, counts: Mapping[tuple[str, str], int]
) -> ReportTable:
    rows = sorted({row for row, _ in counts})
    cells = {key: _count(n) for key, n in counts.items()}
    for row in rows:
        cells[(row, TOTAL)] = _count(sum(n for (r, _), n in counts.items() if r == row))
    for severity in SEVERITIES:
        cells[(TOTAL, severity)] = _count(sum(n for (_, s), n in counts.items() if s == severity))
    cells[(TOTAL, TOTAL)] = _count(sum(counts.values()))
    return ReportTable(
        name=name,
        title=title,
        definitions=("Severity: critical, error, warning or info, as the rule book sets it.",),
        row_header=row_header,
        rows=(*rows, TOTAL),
        columns=(*SEVERITIES, TOTAL),
        cells=cells,
        labels={s: s.capitalize() for s in SEVERITIES},
        unit="findings",
    )


@dataclass(frozen=True)
class CheckReportFiles:
    """Where :func:`write_check_reports` wrote the two reports, by format."""

    pathways: dict[Format, Path]
    findings: dict[Format, Path]


def write_check_reports(
    db: Database,
    findings: Sequence[CheckFinding],
    out: str | Path,
    start: date,
    end: date,
    *,
    formats: tuple[Format, ...] = CHECK_REPORT_FORMATS,
) -> CheckReportFiles:
    """Write the pathway report and the findings report (HTML and CSV) into ``out``.

    Args:
        db: the database (pathways and judgments are read from it).
        findings: the findings of the run of the checks the reports accompany.
        out: the output folder (created if needed).
        start: first day of the period the data cover.
        end: last day.
        formats: which formats to write.

    Returns:
        The paths written: ``pathways-<start>_<end>.*`` and ``findings-<start>_<end>.*``.
    """
    from tipdata.legal.judgments import load_judgments
    from tipdata.pathways import assemble_pathways, prosecution_report, victim_report

    with db.session() as session:
        victims = victim_report(assemble_pathways(session, "victim"), findings=findings)
        prosecution = prosecution_report(
            assemble_pathways(session, "prosecution"), load_judgments(session)
        )
    now = datetime.now(UTC)
    period = f"{start.isoformat()}_{end.isoformat()}"
    return CheckReportFiles(
        pathways=write_report(
            pathway_report(victims, prosecution, start, end, generated_at=now),
            out,
            formats=formats,
            stem=f"pathways-{period}",
        ),
        findings=write_report(
            findings_report(findings, start, end, generated_at=now),
            out,
            formats=formats,
            stem=f"findings-{period}",
        ),
    )
