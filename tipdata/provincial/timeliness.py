"""Completeness and timeliness of the stored provincial reports, and their status grid.

:func:`completeness_report` counts, per province and nationally, the reports owed, received
and on time (the counting is :func:`tipdata.provincial.completeness.completeness`, pure);
:func:`status_grid` gives each province and period its status for the grid chart and the
dashboard.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.clock import as_utc
from tipdata.access.policy import Acting, Policy, authorize
from tipdata.model.enums import ReportStatus
from tipdata.periods import Period, due_date
from tipdata.provincial.completeness import (
    CAMBODIA_TIME,
    CompletenessReport,
    LateReport,
    Submission,
    completeness,
    expected_reports,
)
from tipdata.provincial.errors import ReportingError
from tipdata.provincial.transitions import READ_PERMISSION
from tipdata.provincial.workflow import Workflow, default_workflow
from tipdata.store.reports import ProvincialReport


@dataclass(frozen=True)
class ProvinceStatus:
    """One province's reports in the requested periods, by status.

    Attributes:
        code: province code.
        name: English name.
        expected: reports owed.
        statuses: reports in the database by status (draft, submitted, accepted, reopened).
        missing: reports owed and not received (no report, or only a draft).
    """

    code: str
    name: str
    expected: int
    statuses: dict[str, int]
    missing: int


@dataclass(frozen=True)
class ProvincialCompleteness:
    """Completeness and timeliness of provincial reports, with the status grid.

    Attributes:
        data_set: data set code.
        periods: the periods covered, in order.
        report: the counts and rates per province and nationally, and the late lists
            (from :func:`tipdata.provincial.completeness.completeness`).
        provinces: per province, the reports by status, in code order.
    """

    data_set: str
    periods: tuple[Period, ...]
    report: CompletenessReport
    provinces: tuple[ProvinceStatus, ...]

    @property
    def overdue(self) -> tuple[LateReport, ...]:
        """Missing reports past their due date, most overdue first."""
        return self.report.overdue

    @property
    def late(self) -> tuple[LateReport, ...]:
        """Reports received after their due date, latest first."""
        return self.report.late

    @property
    def late_and_overdue(self) -> tuple[LateReport, ...]:
        """Missing and late reports in one list, most days late first (the fronts' list)."""
        return tuple(sorted((*self.overdue, *self.late), key=lambda r: -r.days_late))

    @property
    def national_statuses(self) -> dict[str, int]:
        """The reports in the database by status, over every province."""
        return {s.value: sum(p.statuses[s.value] for p in self.provinces) for s in ReportStatus}

    @property
    def national_missing(self) -> int:
        """Reports owed and not received, over every province."""
        return sum(p.missing for p in self.provinces)


def reporting_date(periods: Iterable[Period], grace_days: int, today: date | None = None) -> date:
    """The day a set of periods is reported on: the last period's due date, or today if sooner.

    Examples:
        >>> from tipdata.periods import parse_period
        >>> reporting_date([parse_period("2008BW26")], 7, date(2026, 12, 7)).isoformat()
        '2009-01-04'
        >>> reporting_date([parse_period("2026BW26")], 7, date(2026, 12, 7)).isoformat()
        '2026-12-07'
    """
    today = today or datetime.now(tz=CAMBODIA_TIME).date()
    dues = [due_date(period, grace_days) for period in periods]
    return min(today, max(dues)) if dues else today


def completeness_report(
    session: Session,
    *,
    year: int | None = None,
    periods: Iterable[Period] | None = None,
    as_of: date | None = None,
    grace_days: int | None = None,
    workflow: Workflow | None = None,
) -> ProvincialCompleteness:
    """Expected vs received vs on-time provincial reports, per province and nationally.

    A report is received when it is submitted or accepted (a draft or a reopened
    report is not), counted from its first submission; a province owes reports only
    for periods it existed for in full (24 provinces in 2008, 25 from 2014).

    Args:
        session: an open session.
        year: report on the periods of this year (ISO bi-weeks), or
        periods: report on these periods.
        as_of: the day to report on: later submissions are ignored and missing
            reports due before it are overdue, their days late counted to it. By
            default the periods' reporting date (the due date of the last period), or
            today (Cambodia time) while that date is still ahead: a report of 2008 still
            missing is late by the days to 2008's reporting date, not by the years since.
        grace_days: days after a period ends until its report is due; the data
            set's deadline by default.
        workflow: the data set (the PWG bi-weekly report by default).

    Returns:
        Rates (never over 100 %), the late and overdue lists and the status grid.

    Raises:
        ReportingError: neither or both of ``year`` and ``periods`` given.
    """
    flow = workflow or default_workflow()
    data_set = flow.data_set
    if (year is None) == (periods is None):
        raise ReportingError("give either a year or a list of periods")
    chosen = tuple(data_set.periods(year) if year is not None else periods or ())
    grace = data_set.grace_days if grace_days is None else grace_days
    day = as_of or reporting_date(chosen, grace)
    return _completeness_of(flow, chosen, _stored_rows(session, flow, chosen), day, grace)


_StoredRow = tuple[str, str, ReportStatus, datetime | None]
"""A stored report as completeness reads it: province, period, status, first submission."""


def _stored_rows(
    session: Session, flow: Workflow, periods: Iterable[Period]
) -> tuple[_StoredRow, ...]:
    """The stored reports of ``periods`` (what completeness is worked out from)."""
    codes = sorted({p.code for p in periods})
    rows = session.execute(
        sa.select(
            ProvincialReport.province_code,
            ProvincialReport.period_code,
            ProvincialReport.status,
            ProvincialReport.submitted_at,
        ).where(
            ProvincialReport.data_set_code == flow.data_set.code,
            ProvincialReport.period_code.in_(codes),
        )
    ).all()
    return tuple((province, period, status, at) for province, period, status, at in rows)


def _completeness_of(
    flow: Workflow,
    chosen: tuple[Period, ...],
    rows: Sequence[_StoredRow],
    day: date,
    grace: int,
) -> ProvincialCompleteness:
    """:func:`completeness_report` of rows already read."""
    data_set = flow.data_set
    expected = expected_reports(data_set.org_units(), chosen)
    submissions = [
        Submission(province, period, as_utc(submitted_at), status.value)
        for province, period, status, submitted_at in rows
        if submitted_at is not None
    ]
    report = completeness(expected, submissions, as_of=day, grace_days=grace)
    owed: Counter[str] = Counter(e.org_unit for e in expected)
    by_status: dict[str, Counter[str]] = {}
    for province, _period, status, _submitted in rows:
        if province in owed:
            by_status.setdefault(province, Counter())[status.value] += 1
    provinces = []
    for code in sorted(owed):
        statuses = {s.value: by_status.get(code, Counter())[s.value] for s in ReportStatus}
        received = report.by_org_unit[code].received
        provinces.append(
            ProvinceStatus(
                code=code,
                name=data_set.codelists.province(code).name_en,
                expected=owed[code],
                statuses=statuses,
                missing=owed[code] - received,
            )
        )
    return ProvincialCompleteness(data_set.code, chosen, report, tuple(provinces))


GridStatus = Literal["on_time", "late", "missing", "not_due"]


def completeness_grid(
    session: Session,
    actor: Acting,
    *,
    year: int,
    policy: Policy | None = None,
    workflow: Workflow | None = None,
) -> Mapping[str, Mapping[str, GridStatus]]:
    """The status grid of a year's reports (:func:`status_grid`), for those who may read them.

    What the dashboard's completeness chart draws; the dashboard's own section checks the
    same permission. The grid is a function of the year's stored reports and its reporting
    day, so it is kept per (year, reporting day, stored reports) and worked out again only
    when a report is stored, submitted, accepted or reopened (or the day moves): each
    request reads the year's reports (one indexed query) and finds its grid. The grid
    returned is shared: callers read it, never change it.

    Raises:
        AccessDenied: the actor lacks ``reports:read_province``.
    """
    authorize(actor, READ_PERMISSION, policy=policy)
    flow = workflow or default_workflow()
    chosen = tuple(flow.data_set.periods(year))
    grace = flow.data_set.grace_days
    day = reporting_date(chosen, grace)
    rows = _stored_rows(session, flow, chosen)
    # one row per (province, period): sorting never compares further than those two
    key = (id(flow), year, day, tuple(sorted(rows)))
    with _GRIDS_LOCK:
        found = _GRIDS.get(key)
        if found is not None and found[0] is flow:
            _GRIDS.move_to_end(key)
            return found[1]
    grid = status_grid(_completeness_of(flow, chosen, rows, day, grace), workflow=flow)
    with _GRIDS_LOCK:
        _GRIDS[key] = (flow, grid)  # the workflow kept alive: its id stays its own
        while len(_GRIDS) > CACHED_GRIDS:
            _GRIDS.popitem(last=False)
    return grid


CACHED_GRIDS = 16
"""How many status grids :func:`completeness_grid` keeps (a few kB each)."""

_GRIDS: OrderedDict[tuple[Any, ...], tuple[Workflow, dict[str, dict[str, GridStatus]]]] = (
    OrderedDict()
)
_GRIDS_LOCK = threading.Lock()


def status_grid(
    result: ProvincialCompleteness, *, workflow: Workflow | None = None
) -> dict[str, dict[str, GridStatus]]:
    """Province → period → status, for the completeness grid chart and the dashboard.

    ``late`` was received after its due date, ``missing`` is overdue, ``not_due`` is a
    period not yet over on the report's day, ``on_time`` every other report owed.
    A province has no entry for a period it owes no report for.

    Args:
        result: what :func:`completeness_report` returned.
        workflow: the data set of ``result`` (the PWG bi-weekly report by default).
    """
    flow = workflow or default_workflow()
    units = {unit.code: unit for unit in flow.data_set.org_units()}
    late = {(r.org_unit, r.period.code) for r in result.late}
    overdue = {(r.org_unit, r.period.code) for r in result.overdue}
    as_of = result.report.as_of
    grid: dict[str, dict[str, GridStatus]] = {}
    for province in result.provinces:
        row = grid.setdefault(province.code, {})
        for period in result.periods:
            if not units[province.code].owes_report_for(period):
                continue
            key = (province.code, period.code)
            if key in late:
                row[period.code] = "late"
            elif key in overdue:
                row[period.code] = "missing"
            elif period.end >= as_of:
                row[period.code] = "not_due"
            else:
                row[period.code] = "on_time"
    return grid
