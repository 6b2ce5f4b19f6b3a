"""Completeness and timeliness of periodic reports.

Given who owes which report (org units × periods) and what was received, count
per org unit and nationally how many reports were expected, received and on
time, and list who is late. Pure functions over plain values: the database layer
turns its rows into :class:`OrgUnit` and :class:`Submission` and calls
:func:`completeness`.

Rules (also in ``docs/reporting-periods.md``):

* an org unit owes a report for every period it existed for in full
  (``created <= period.start`` and not abolished before ``period.end``);
* only submissions whose status is counted (``submitted`` or ``accepted`` by
  default; drafts and reopened reports are not) and that were submitted by the
  end of the ``as_of`` day count as received;
* several submissions for the same org unit and period count once, with the
  earliest submission time;
* a report is on time if submitted by the end of its due date (Cambodia time);
* submissions for an org unit or period nobody expected are listed apart and
  never counted, so no rate can exceed 100 %.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

from tipdata.periods import Period, due_date, parse_period

CAMBODIA_TIME = timezone(timedelta(hours=7), "ICT")
"""Indochina Time, UTC+7 all year (no daylight saving)."""

COUNTED_STATUSES: frozenset[str] = frozenset({"submitted", "accepted"})
"""Submission statuses that make a report received."""


@dataclass(frozen=True)
class OrgUnit:
    """A reporting org unit (e.g. a provincial working group).

    Attributes:
        code: the org unit code (the province code for provinces).
        created: first day it exists, if it did not always exist.
        abolished: first day it no longer exists, if abolished.
    """

    code: str
    created: date | None = None
    abolished: date | None = None

    def owes_report_for(self, period: Period) -> bool:
        """Return True if the org unit existed on every day of ``period``."""
        if self.created is not None and self.created > period.start:
            return False
        return self.abolished is None or self.abolished > period.end


@dataclass(frozen=True)
class ExpectedReport:
    """One report owed: an org unit code and a period."""

    org_unit: str
    period: Period


@dataclass(frozen=True)
class Submission:
    """A report received (or drafted) for an org unit and period.

    Attributes:
        org_unit: org unit code.
        period: period code (any spelling :func:`parse_period` accepts).
        submitted_at: when it was submitted; a naive value is Cambodia time.
        status: workflow status (draft, submitted, accepted, reopened, ...).
    """

    org_unit: str
    period: str
    submitted_at: datetime
    status: str = "submitted"


@dataclass(frozen=True)
class Rates:
    """Counts and rates for one org unit or the whole country.

    ``completeness`` is received / expected and ``timeliness`` is on time /
    expected (as DHIS2's "reporting rate on time"); both are None when nothing
    was expected.
    """

    expected: int
    received: int
    on_time: int
    overdue: int
    pending: int

    @property
    def completeness(self) -> float | None:
        """Share of expected reports received, in [0, 1]."""
        return self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        """Share of expected reports received on time, in [0, 1]."""
        return self.on_time / self.expected if self.expected else None


@dataclass(frozen=True)
class LateReport:
    """A report that is overdue (missing after its due date) or was received late.

    Attributes:
        org_unit: org unit code.
        period: the period reported on.
        due: last day on which it was on time.
        days_late: days after the due date (as of ``as_of`` when still missing).
        kind: ``"overdue"`` (still missing) or ``"late"`` (received after due).
        received_at: when it was received, for late reports.
    """

    org_unit: str
    period: Period
    due: date
    days_late: int
    kind: Literal["overdue", "late"]
    received_at: datetime | None = None


@dataclass(frozen=True)
class CompletenessReport:
    """Completeness and timeliness of a set of expected reports as of a date.

    Attributes:
        as_of: the day the figures describe (submissions after it are ignored).
        grace_days: days after a period's end until its report is due.
        national: totals over every org unit.
        by_org_unit: totals per org unit code, for every org unit that owes a report.
        overdue: missing reports past their due date, most overdue first.
        late: reports received after their due date, latest first.
        unexpected: counted submissions for an org unit or period not expected.
    """

    as_of: date
    grace_days: int
    national: Rates
    by_org_unit: dict[str, Rates]
    overdue: tuple[LateReport, ...]
    late: tuple[LateReport, ...]
    unexpected: tuple[Submission, ...]


def expected_reports(
    org_units: Iterable[OrgUnit], periods: Iterable[Period]
) -> list[ExpectedReport]:
    """Return every report owed: each org unit × each period it existed for in full."""
    units = list(org_units)
    return [
        ExpectedReport(unit.code, period)
        for period in periods
        for unit in units
        if unit.owes_report_for(period)
    ]


def local_date(moment: datetime) -> date:
    """Return the Cambodian calendar date of ``moment`` (naive values are Cambodia time)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(CAMBODIA_TIME).date()


def is_on_time(submitted_at: datetime, period: Period, grace_days: int) -> bool:
    """Return True if a report submitted at ``submitted_at`` meets its due date."""
    return local_date(submitted_at) <= due_date(period, grace_days)


def completeness(
    expected: Iterable[ExpectedReport],
    submissions: Iterable[Submission],
    *,
    as_of: date,
    grace_days: int,
    counted_statuses: Collection[str] = COUNTED_STATUSES,
) -> CompletenessReport:
    """Compute completeness and timeliness per org unit and nationally.

    Args:
        expected: the reports owed (see :func:`expected_reports`); duplicates count once.
        submissions: every submission known, in any status.
        as_of: the day to report on: submissions made after it are ignored and
            missing reports whose due date is before it are overdue.
        grace_days: days after a period's end until its report is due.
        counted_statuses: statuses that make a report received.

    Returns:
        The counts, rates and lists of late reports.

    Raises:
        PeriodError: a submission carries an unreadable period code.
    """
    owed: dict[tuple[str, str], ExpectedReport] = {}
    for report in expected:
        owed.setdefault((report.org_unit, report.period.code), report)

    first_received: dict[tuple[str, str], datetime] = {}
    unexpected: list[Submission] = []
    for submission in submissions:
        if submission.status not in counted_statuses:
            continue
        if local_date(submission.submitted_at) > as_of:
            continue
        key = (submission.org_unit, parse_period(submission.period).code)
        if key not in owed:
            unexpected.append(submission)
            continue
        earlier = first_received.get(key)
        if earlier is None or _utc(submission.submitted_at) < _utc(earlier):
            first_received[key] = submission.submitted_at

    counts: dict[str, list[int]] = {}
    overdue: list[LateReport] = []
    late: list[LateReport] = []
    for key, report in owed.items():
        # expected, received, on time, overdue, pending
        tally = counts.setdefault(report.org_unit, [0, 0, 0, 0, 0])
        tally[0] += 1
        due = due_date(report.period, grace_days)
        received_at = first_received.get(key)
        if received_at is None:
            if as_of > due:
                tally[3] += 1
                overdue.append(
                    LateReport(report.org_unit, report.period, due, (as_of - due).days, "overdue")
                )
            else:
                tally[4] += 1
            continue
        tally[1] += 1
        received_day = local_date(received_at)
        if received_day <= due:
            tally[2] += 1
        else:
            late.append(
                LateReport(
                    report.org_unit,
                    report.period,
                    due,
                    (received_day - due).days,
                    "late",
                    received_at,
                )
            )

    by_org_unit = {code: Rates(*tally) for code, tally in sorted(counts.items())}
    national = Rates(*(sum(tally[i] for tally in counts.values()) for i in range(5)))
    return CompletenessReport(
        as_of=as_of,
        grace_days=grace_days,
        national=national,
        by_org_unit=by_org_unit,
        overdue=tuple(_by_lateness(overdue)),
        late=tuple(_by_lateness(late)),
        unexpected=tuple(unexpected),
    )


def _utc(moment: datetime) -> datetime:
    """Comparable instant: naive values are taken as Cambodia time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CAMBODIA_TIME)
    return moment.astimezone(UTC)


def _by_lateness(reports: Sequence[LateReport]) -> list[LateReport]:
    """Most days late first, then by period and org unit."""
    return sorted(reports, key=lambda r: (-r.days_late, r.period.start, r.org_unit))
