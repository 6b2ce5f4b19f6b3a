"""Stored provincial reports whose dates are not their period's dates under the calendar.

Before tipdata followed DHIS2's bi-weeks, bi-week 26 of a year with 53 ISO weeks
(2009, 2015, 2020, 2026, ...) lasted 21 days, weeks 51 to 53. Now ``yyyyBW26`` is weeks
51–52 and week 53 opens ``yyyyBW27`` (14 days). A report stored under the old rule
keeps its code, its values and its stored dates (``period_start``, ``period_end``);
nothing rewrites it, because its counts cover 21 days and no rule can split them.
:func:`reports_off_calendar` lists such reports so a data manager can re-enter the
week-53 figures under ``yyyyBW27`` (``docs/reporting-periods.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.periods import PeriodError, parse_period
from tipdata.store.reports import ProvincialReport


@dataclass(frozen=True)
class OffCalendarReport:
    """A stored report whose dates differ from those its period code has now.

    Attributes:
        province: province code.
        data_set: data set code.
        period_code: the stored period code.
        stored_start: first day stored with the report.
        stored_end: last day stored with the report.
        calendar_start: first day of the period under the current calendar (None if
            the code no longer parses).
        calendar_end: last day under the current calendar (None likewise).
    """

    province: str
    data_set: str
    period_code: str
    stored_start: date
    stored_end: date
    calendar_start: date | None
    calendar_end: date | None


def reports_off_calendar(session: Session) -> list[OffCalendarReport]:
    """Return the stored provincial reports whose dates are not their period's dates.

    Args:
        session: an open session.

    Returns:
        The reports, ordered by period and province; empty when every stored report
        matches the calendar (always so for reports of 52-week years).
    """
    rows = session.execute(
        sa.select(
            ProvincialReport.province_code,
            ProvincialReport.data_set_code,
            ProvincialReport.period_code,
            ProvincialReport.period_start,
            ProvincialReport.period_end,
        ).order_by(ProvincialReport.period_start, ProvincialReport.province_code)
    )
    found: list[OffCalendarReport] = []
    for province, data_set, code, start, end in rows:
        try:
            period = parse_period(code)
        except PeriodError:
            found.append(OffCalendarReport(province, data_set, code, start, end, None, None))
            continue
        if (period.start, period.end) != (start, end):
            found.append(
                OffCalendarReport(province, data_set, code, start, end, period.start, period.end)
            )
    return found
