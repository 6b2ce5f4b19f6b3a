"""Findings of the checks: the record a rule leaves, its storage and its listing.

Every check (legal or pathway) returns :class:`CheckFinding` values: plain data, no ORM
rows. :func:`store_findings` writes them as one :class:`~tipdata.store.CheckRun`;
:func:`list_findings` and :func:`summarise_findings` read them back per court (or
agency) and per year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.errors import AccessDenied
from tipdata.access.permissions import Permission
from tipdata.access.policy import Acting, Policy, authorize
from tipdata.store import Agency, CheckRun, Finding, utc_now

Severity = Literal["info", "warning", "error", "critical"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2, "critical": 3}


@dataclass(frozen=True, slots=True)
class CheckFinding:
    """One finding of one rule about one subject.

    Attributes:
        rule: the rule code (``conviction_under_non_penal_article``, ...).
        severity: info, warning, error or critical.
        subject_type: ``charge``, ``person`` or ``person_record``.
        subject_id: id of the subject row.
        message: one sentence for the data officer.
        facts: the facts the rule used (JSON-serialisable).
        record_ids: ids of the rows read, by table (``charge``, ``event``, ``source_record``).
        agency: code of the court or agency the finding is listed under.
        court: the court as written in the case, for court findings.
        year: year the finding is listed under (verdict or step year).
        article: the article, e.g. ``lshtse-2008 Art 3``.
        law_article_id: the catalogue row of the article, when stored.
    """

    rule: str
    severity: Severity
    subject_type: str
    subject_id: int
    message: str
    facts: dict[str, Any] = field(default_factory=dict)
    record_ids: dict[str, list[int]] = field(default_factory=dict)
    agency: str | None = None
    court: str | None = None
    year: int | None = None
    article: str | None = None
    law_article_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A stored check run: its id and how many findings of each rule it holds."""

    run_id: int
    counts: dict[str, int]


def store_findings(
    session: Session,
    findings: Sequence[CheckFinding],
    *,
    checks: str,
    started_at: datetime | None = None,
    started_by: str | None = None,
    parameters: dict[str, Any] | None = None,
) -> StoredRun:
    """Write ``findings`` as one check run.

    Args:
        session: an open session; the caller commits.
        findings: the findings of the run.
        checks: which checks ran (``legal``, ``pathways``, ``all``).
        started_at: when the run started (default: now).
        started_by: who ran it.
        parameters: the run's settings (as-of date, grace days, ...).

    Returns:
        The run id and the count of findings per rule.
    """
    agency_ids = dict(session.execute(sa.select(Agency.code, Agency.id)).tuples().all())
    run = CheckRun(
        started_at=started_at or utc_now(),
        checks=checks,
        started_by=started_by,
        parameters=parameters or {},
        findings_count=len(findings),
    )
    session.add(run)
    session.flush()
    rows = [
        {
            "run_id": run.id,
            "rule": f.rule,
            "severity": f.severity,
            "subject_type": f.subject_type,
            "subject_id": f.subject_id,
            "agency_id": agency_ids.get(f.agency) if f.agency else None,
            "court": f.court,
            "year": f.year,
            "law_article_id": f.law_article_id,
            "article": f.article,
            "message": f.message,
            "facts": f.facts,
            "record_ids": f.record_ids,
        }
        for f in findings
    ]
    if rows:
        session.execute(sa.insert(Finding), rows)
    run.finished_at = utc_now()
    return StoredRun(run.id, dict(Counter(f.rule for f in findings)))


def latest_run_id(session: Session) -> int | None:
    """The id of the newest check run, or None."""
    return session.execute(sa.select(sa.func.max(CheckRun.id))).scalar_one_or_none()


FINDINGS_PERMISSION: Permission = "charges:read"
"""Findings name courts and agencies across the country: national ``charges:read``."""


def may_list_findings(actor: Acting, policy: Policy | None = None) -> bool:
    """Whether the actor may list findings (national ``charges:read``; the local operator may)."""
    try:
        authorize(actor, FINDINGS_PERMISSION, national=True, policy=policy)
    except AccessDenied:
        return False
    return True


def list_findings(
    session: Session,
    *,
    actor: Acting,
    run_id: int | None = None,
    agency: str | None = None,
    year: int | None = None,
    rule: str | None = None,
    policy: Policy | None = None,
) -> list[CheckFinding]:
    """The findings of a run (default: the latest), optionally of one court/agency or year.

    Args:
        session: an open session.
        actor: who reads: needs ``charges:read`` with national scope (see
            :func:`may_list_findings`); None or a label for the local operator.
        run_id: the run; None for the latest.
        agency: agency code (``PPMC``, ``COURT-02``, ``MOI``, ...).
        year: the year findings are listed under.
        rule: one rule code.
        policy: the policy (default: the shipped one).

    Returns:
        The findings, ordered by agency, year, severity (most serious first) and rule.

    Raises:
        AccessDenied: the actor lacks national ``charges:read``.
    """
    authorize(actor, FINDINGS_PERMISSION, national=True, policy=policy)
    run_id = run_id if run_id is not None else latest_run_id(session)
    if run_id is None:
        return []
    query = (
        sa.select(Finding, Agency.code)
        .outerjoin(Agency, Agency.id == Finding.agency_id)
        .where(Finding.run_id == run_id)
    )
    if agency is not None:
        query = query.where(Agency.code == agency)
    if year is not None:
        query = query.where(Finding.year == year)
    if rule is not None:
        query = query.where(Finding.rule == rule)
    found = [
        CheckFinding(
            rule=row.rule,
            severity=row.severity,  # type: ignore[arg-type]
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            message=row.message,
            facts=dict(row.facts),
            record_ids=dict(row.record_ids),
            agency=code,
            court=row.court,
            year=row.year,
            article=row.article,
            law_article_id=row.law_article_id,
        )
        for row, code in session.execute(query).tuples()
    ]
    found.sort(
        key=lambda f: (
            f.agency or "",
            f.year or 0,
            -SEVERITY_RANK[f.severity],
            f.rule,
            f.subject_id,
        )
    )
    return found


def summarise_findings(
    findings: Iterable[CheckFinding],
) -> dict[tuple[str, int | None, str, str], int]:
    """Count findings per (court/agency, year, rule, severity).

    Returns:
        A mapping from ``(agency, year, rule, severity)`` to the number of findings.
    """
    return dict(Counter((f.agency or "-", f.year, f.rule, f.severity) for f in findings))
