"""The stored rows of provincial reports: find, create, values, status changes, results.

What :mod:`tipdata.provincial.submissions` writes and reads: the report row with its
values (optimistic locking: a lost race shows as :class:`ConflictError` when flushed),
each change of status (``provincial_report_status_change``), the validation results of
a version (``provincial_validation_result``) and the province's earlier received values
the outlier rules compare with. Nothing here checks who acts or commits.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from tipdata.access.clock import as_utc
from tipdata.model.enums import ReportStatus
from tipdata.periods import Period, parse_period
from tipdata.provincial.datasets import ValueKey
from tipdata.provincial.errors import ConflictError, ReportingError, ReportNotFoundError
from tipdata.provincial.transitions import RECEIVED_STATUSES
from tipdata.provincial.validation_rules import ValidationResult
from tipdata.provincial.workflow import ReportView, Workflow
from tipdata.store.provincial import ReportStatusChange, ReportValidationResult
from tipdata.store.reference import Agency, Province
from tipdata.store.reports import ProvincialReport, ProvincialReportValue

HISTORY_LIMIT = 52
"""At most this many earlier reports are read for the outlier rules."""


def find_report_row(
    session: Session, flow: Workflow, province: str, period: Period
) -> ProvincialReport | None:
    """The report row of a province and period, with its values, or None."""
    return session.scalar(
        sa.select(ProvincialReport)
        .where(
            ProvincialReport.province_code == province,
            ProvincialReport.data_set_code == flow.data_set.code,
            ProvincialReport.period_code == period.code,
        )
        .options(selectinload(ProvincialReport.values))
    )


def require_report(
    session: Session, flow: Workflow, province: str, period: Period
) -> ProvincialReport:
    report = find_report_row(session, flow, province, period)
    if report is None:
        raise ReportNotFoundError(province, flow.data_set.code, period.code)
    return report


def check_version(
    report: ProvincialReport | None, province: str, period: Period, expected: int | None
) -> None:
    if expected is None:
        return
    current = report.version if report is not None else None
    if current != expected:
        raise ConflictError(province, period.code, expected, current)


def create_report(
    session: Session,
    flow: Workflow,
    province: str,
    period: Period,
    actor: str,
    moment: datetime,
) -> ProvincialReport:
    agency_code = flow.data_set.reporting_agency(province)
    agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == agency_code))
    if agency_id is None or session.get(Province, province) is None:
        raise ReportingError(
            f"agency {agency_code} or province {province} is not in the database; "
            "load the code lists first (`tipdata codelists load`)"
        )
    report = ProvincialReport(
        province_code=province,
        data_set_code=flow.data_set.code,
        period_code=period.code,
        period_start=period.start,
        period_end=period.end,
        status=ReportStatus.DRAFT,
        owner_agency_id=agency_id,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except sa.exc.IntegrityError:
        # someone else created the same report meanwhile
        raise ConflictError(province, period.code, None, None) from None
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=None,
            to_status=ReportStatus.DRAFT,
            actor=actor,
            changed_at=moment,
            report_version=report.version,
        )
    )
    return report


def replace_values(report: ProvincialReport, values: Mapping[ValueKey, int | None]) -> None:
    existing = {(row.data_element_code, row.disaggregation): row for row in report.values}
    for key, row in existing.items():
        if key not in values:
            report.values.remove(row)
    for key, value in values.items():
        current = existing.get(key)
        if current is None:
            report.values.append(
                ProvincialReportValue(data_element_code=key[0], disaggregation=key[1], value=value)
            )
        elif current.value != value:
            current.value = value


def report_values(report: ProvincialReport) -> dict[ValueKey, int | None]:
    """The values of a report row by ``(element, disaggregation)``."""
    return {(row.data_element_code, row.disaggregation): row.value for row in report.values}


def change_status(
    session: Session,
    report: ProvincialReport,
    new_status: ReportStatus,
    actor: str,
    moment: datetime,
    *,
    reason: str | None,
) -> None:
    old = report.status
    report.status = new_status
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=old,
            to_status=new_status,
            actor=actor,
            changed_at=moment,
            reason=reason,
            report_version=report.version + 1,
        )
    )


def flush_report(
    session: Session,
    report: ProvincialReport,
    province: str,
    period: Period,
    expected: int | None,
) -> None:
    """Write now, so a lost race shows here as :class:`ConflictError`."""
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(province, period.code, expected, None) from None


def earlier_values(
    session: Session, flow: Workflow, report: ProvincialReport
) -> dict[ValueKey, list[int]]:
    """Values of the province's earlier received reports, oldest first.

    With a ``same_season`` outlier rule, only the reports of the same time of year in the
    rule's earlier years (period starting within ``weeks_around`` weeks of the same date,
    52 weeks per year back so that bi-weeks line up).
    """
    conditions = [
        ProvincialReport.province_code == report.province_code,
        ProvincialReport.data_set_code == flow.data_set.code,
        ProvincialReport.period_start < report.period_start,
        ProvincialReport.status.in_(sorted(RECEIVED_STATUSES)),
    ]
    seasonal = [r for r in flow.rules.outlier_rules if r.history == "same_season"]
    if seasonal:
        rule = seasonal[0]
        around = timedelta(weeks=rule.weeks_around)
        windows = [
            report.period_start - timedelta(weeks=52 * years) for years in range(1, rule.years + 1)
        ]
        conditions.append(
            sa.or_(
                *(
                    ProvincialReport.period_start.between(day - around, day + around)
                    for day in windows
                )
            )
        )
    earlier = (
        sa.select(ProvincialReport.id, ProvincialReport.period_start)
        .where(*conditions)
        .order_by(ProvincialReport.period_start.desc())
        .limit(HISTORY_LIMIT)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            ProvincialReportValue.data_element_code,
            ProvincialReportValue.disaggregation,
            ProvincialReportValue.value,
        )
        .join(earlier, earlier.c.id == ProvincialReportValue.report_id)
        .where(ProvincialReportValue.value.is_not(None))
        .order_by(earlier.c.period_start)
    )
    history: dict[ValueKey, list[int]] = defaultdict(list)
    for element, disaggregation, value in rows:
        history[(element, disaggregation)].append(value)
    return history


def store_results(
    session: Session,
    report: ProvincialReport,
    results: Sequence[ValidationResult],
    moment: datetime,
) -> None:
    session.execute(
        sa.delete(ReportValidationResult).where(ReportValidationResult.report_id == report.id)
    )
    session.add_all(
        ReportValidationResult(
            report_id=report.id,
            report_version=report.version,
            rule_code=result.rule,
            importance=result.importance,
            data_element_code=result.data_element,
            disaggregation=result.disaggregation,
            message=result.message,
            values_json=json.dumps(dict(result.values), sort_keys=True),
            checked_at=moment,
        )
        for result in results
    )
    session.flush()


def stored_results(
    session: Session, flow: Workflow, report: ProvincialReport
) -> tuple[ValidationResult, ...]:
    names = {rule.code: rule.name for rule in flow.rules.rules}
    rows = session.scalars(
        sa.select(ReportValidationResult)
        .where(ReportValidationResult.report_id == report.id)
        .order_by(ReportValidationResult.id)
    )
    return tuple(
        ValidationResult(
            rule=row.rule_code,
            rule_name=names.get(row.rule_code, row.rule_code),
            importance="error" if row.importance == "error" else "warning",
            data_element=row.data_element_code,
            disaggregation=row.disaggregation,
            message=row.message,
            values=json.loads(row.values_json),
        )
        for row in rows
    )


def report_view(report: ProvincialReport, results: Sequence[ValidationResult]) -> ReportView:
    return ReportView(
        id=report.id,
        data_set=report.data_set_code,
        province_code=report.province_code,
        period=parse_period(report.period_code),
        status=report.status,
        submitted_at=as_utc(report.submitted_at) if report.submitted_at else None,
        accepted_at=as_utc(report.accepted_at) if report.accepted_at else None,
        version=report.version,
        values=dict(sorted(report_values(report).items())),
        results=tuple(results),
    )
