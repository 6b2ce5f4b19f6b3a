"""The provincial reporting desk: what each side of the workflow has to do next.

Three lists the fronts show, each read within the actor's scope:

* :func:`period_choices`: the periods a province reports on, starting at the period now
  due (the newest bi-week that has ended) and going back, never a period not yet over,
  each with its report's status, due date and whether it is overdue;
* :func:`acceptance_queue`: the NTF's queue of submitted reports awaiting acceptance,
  oldest submission first, with their warnings;
* :func:`reopen_notices`: the province's reports the NTF reopened and nobody has
  submitted again, with who reopened them, when and why (the in-app notice to the
  focal point).

:func:`report_chooser` puts together what the page choosing a report shows: the provinces
the actor may choose, the one chosen, its periods and the notices the actor should see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.clock import as_utc
from tipdata.access.policy import Acting, Actor, Policy, can
from tipdata.model.enums import ReportStatus
from tipdata.periods import Period, bi_week_of, due_date, previous_period
from tipdata.provincial.completeness import CAMBODIA_TIME
from tipdata.provincial.transitions import check_may_read, check_may_review, own_province
from tipdata.provincial.workflow import Workflow, default_workflow
from tipdata.store.provincial import ReportStatusChange, ReportValidationResult
from tipdata.store.reports import ProvincialReport


@dataclass(frozen=True)
class PeriodChoice:
    """A period a province reports on, as the chooser offers it.

    Attributes:
        period: the period.
        status: its report's status, None when there is no report yet.
        due: the last day the report is on time.
        overdue: not received (no report, a draft or a reopened one) after its due date.
        now_due: the period now due (the newest one over).
    """

    period: Period
    status: ReportStatus | None
    due: date
    overdue: bool
    now_due: bool


@dataclass(frozen=True)
class QueueItem:
    """A submitted report awaiting the NTF's acceptance.

    Attributes:
        province_code: the province.
        period: the period.
        submitted_at: the first submission (UTC).
        version: the version to accept.
        warnings: its validation warnings, by rule code.
    """

    province_code: str
    period: Period
    submitted_at: datetime | None
    version: int
    warnings: dict[str, int]


@dataclass(frozen=True)
class ReopenNotice:
    """A report the NTF reopened that is waiting for the province's correction."""

    province_code: str
    period: Period
    reopened_by: str
    reopened_at: datetime
    reason: str


def today_in_cambodia() -> date:
    """Today's date in Cambodia (reports fall due on Cambodian days)."""
    return datetime.now(tz=CAMBODIA_TIME).date()


def period_now_due(today: date) -> Period:
    """The newest bi-week that is over on ``today``: the report the province owes now.

    Examples:
        >>> period_now_due(date(2026, 12, 7)).code  # a Monday: 2026BW49 ended the day before
        '2026BW49'
    """
    current = bi_week_of(today)
    return current if current.end < today else previous_period(current)


def period_choices(
    session: Session,
    actor: Acting,
    province: str,
    *,
    year: int | None = None,
    today: date | None = None,
    workflow: Workflow | None = None,
) -> list[PeriodChoice]:
    """The periods of a province's reports, newest first, from the period now due.

    Args:
        session: an open session.
        actor: who asks; must be able to read the province's reports.
        province: the province code.
        year: only the periods of this year that are over; by default the year of
            the period now due.
        today: the day (default today in Cambodia).
        workflow: the data set (the PWG bi-weekly report by default).

    Returns:
        The periods the province owes (those it existed for), newest first.

    Raises:
        AccessDenied: the actor may not read the province's reports.
    """
    flow = workflow or default_workflow()
    check_may_read(actor, province)
    day = today or today_in_cambodia()
    due_now = period_now_due(day)
    chosen_year = year or int(due_now.code[:4])
    periods = [
        p
        for p in flow.data_set.periods(chosen_year)
        if p.start <= due_now.start and province in flow.data_set.org_units_for(p)
    ]
    statuses: dict[str, ReportStatus] = dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(ProvincialReport.period_code, ProvincialReport.status).where(
                ProvincialReport.province_code == province,
                ProvincialReport.data_set_code == flow.data_set.code,
                ProvincialReport.period_code.in_([p.code for p in periods]),
            )
        ).all()
    )
    received = {ReportStatus.SUBMITTED, ReportStatus.ACCEPTED}
    choices = []
    for period in reversed(periods):
        status = statuses.get(period.code)
        due = due_date(period, flow.data_set.grace_days)
        choices.append(
            PeriodChoice(
                period=period,
                status=status,
                due=due,
                overdue=due < day and status not in received,
                now_due=period.code == due_now.code,
            )
        )
    return choices


def acceptance_queue(
    session: Session, actor: Acting, *, workflow: Workflow | None = None
) -> list[QueueItem]:
    """Submitted reports awaiting acceptance, oldest submission first.

    Raises:
        AccessDenied: the actor is not a national user with ``reports:accept``.
    """
    flow = workflow or default_workflow()
    check_may_review(actor)
    rows = session.execute(
        sa.select(
            ProvincialReport.id,
            ProvincialReport.province_code,
            ProvincialReport.period_code,
            ProvincialReport.submitted_at,
            ProvincialReport.version,
        )
        .where(
            ProvincialReport.data_set_code == flow.data_set.code,
            ProvincialReport.status == ReportStatus.SUBMITTED,
        )
        .order_by(ProvincialReport.submitted_at, ProvincialReport.period_start)
    ).all()
    warnings: dict[int, Counter[str]] = {}
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 500):
        for report_id, rule in session.execute(
            sa.select(ReportValidationResult.report_id, ReportValidationResult.rule_code).where(
                ReportValidationResult.report_id.in_(ids[start : start + 500]),
                ReportValidationResult.importance == "warning",
            )
        ):
            warnings.setdefault(report_id, Counter())[rule] += 1
    return [
        QueueItem(
            province_code=row.province_code,
            period=flow.data_set.parse_period(row.period_code),
            submitted_at=as_utc(row.submitted_at) if row.submitted_at else None,
            version=row.version,
            warnings=dict(sorted(warnings.get(row.id, Counter()).items())),
        )
        for row in rows
    ]


def reopen_notices(
    session: Session,
    actor: Acting,
    *,
    province: str | None = None,
    workflow: Workflow | None = None,
) -> list[ReopenNotice]:
    """Reports reopened by the NTF and not yet submitted again, newest reopening first.

    Args:
        session: an open session.
        actor: who asks; a provincial user sees only their own province's.
        province: only this province (a provincial user's own by default).
        workflow: the data set.

    Raises:
        AccessDenied: the actor may not read that province's reports.
    """
    flow = workflow or default_workflow()
    chosen = province or own_province(actor)
    if chosen is not None:
        check_may_read(actor, chosen)
    else:
        check_may_review(actor)
    query = (
        sa.select(
            ProvincialReport.province_code,
            ProvincialReport.period_code,
            ReportStatusChange.actor,
            ReportStatusChange.changed_at,
            ReportStatusChange.reason,
            ReportStatusChange.id,
        )
        .join(ReportStatusChange, ReportStatusChange.report_id == ProvincialReport.id)
        .where(
            ProvincialReport.data_set_code == flow.data_set.code,
            ProvincialReport.status == ReportStatus.REOPENED,
            ReportStatusChange.to_status == ReportStatus.REOPENED,
        )
        .order_by(ReportStatusChange.id.desc())
    )
    if chosen is not None:
        query = query.where(ProvincialReport.province_code == chosen)
    latest: dict[tuple[str, str], ReopenNotice] = {}
    for code, period, by, at, reason, _id in session.execute(query):
        if (code, period) not in latest:  # the newest reopening of each report
            latest[(code, period)] = ReopenNotice(
                code, flow.data_set.parse_period(period), by, as_utc(at), reason or ""
            )
    return list(latest.values())


@dataclass(frozen=True)
class ReportChooser:
    """What the page choosing a province's report shows.

    Attributes:
        provinces: the provinces the actor may choose, in the data set's order (a
            provincial user: their own only).
        province: the province chosen: the actor's own, else the one asked for if it is
            offered, else the first.
        fixed_province: the actor reports on one province only.
        choices: the chosen province's periods (:func:`period_choices`).
        notices: the reopened reports the actor should see: a provincial user's own, or
            every province's for those who may accept reports; none for anyone else.
        due_now: the period now due.
        year: the year shown: the one asked for, else the year of the period now due.
        may_review: the actor may accept and reopen reports.
    """

    provinces: tuple[str, ...]
    province: str
    fixed_province: bool
    choices: list[PeriodChoice]
    notices: list[ReopenNotice]
    due_now: Period
    year: int
    may_review: bool


def report_chooser(
    session: Session,
    actor: Acting,
    *,
    province: str | None = None,
    year: int | None = None,
    policy: Policy | None = None,
    workflow: Workflow | None = None,
) -> ReportChooser:
    """The provinces, periods and notices of the page choosing a report.

    Args:
        session: an open session.
        actor: who asks.
        province: the province asked for (ignored for a provincial user, whose own it is).
        year: the year asked for (default: the year of the period now due).
        policy: the policy (default: the shipped one).
        workflow: the data set (the PWG bi-weekly report by default).

    Raises:
        AccessDenied: the actor may not read the chosen province's reports.
    """
    flow = workflow or default_workflow()
    own = own_province(actor, policy)
    provinces = tuple(
        unit.code for unit in flow.data_set.org_units() if own is None or unit.code == own
    )
    chosen = own or (province if province in provinces else provinces[0])
    may_review = can(actor, "reports:accept", policy) if isinstance(actor, Actor) else True
    choices = period_choices(session, actor, chosen, year=year, workflow=flow)
    notices = (
        reopen_notices(session, actor, province=own, workflow=flow) if own or may_review else []
    )
    due_now = period_now_due(today_in_cambodia())
    return ReportChooser(
        provinces=provinces,
        province=chosen,
        fixed_province=own is not None,
        choices=choices,
        notices=notices,
        due_now=due_now,
        year=year or int(due_now.code[:4]),
        may_review=may_review,
    )


__all__ = [
    "PeriodChoice",
    "QueueItem",
    "ReopenNotice",
    "ReportChooser",
    "acceptance_queue",
    "period_choices",
    "period_now_due",
    "reopen_notices",
    "report_chooser",
    "today_in_cambodia",
]
