"""Reporting periods: weeks, bi-weeks, months, quarters, years and the US TIP year.

Weeks and bi-weeks are DHIS2's, exactly as dhis2-core computes them (read from its
``BiWeeklyAbstractPeriodType``, ``DateUnitPeriodTypeParser`` and their tests):

* a week is an ISO 8601 week, Monday to Sunday, coded ``yyyyWn`` by its ISO year;
* bi-week ``n`` of ISO year ``Y`` starts on the Monday of ISO week ``2n-1`` and lasts
  14 days, always; its code is ``YBWnn`` (DHIS2 ``YBiWn``);
* a year has 26 bi-weeks, 27 in the years with 53 ISO weeks (1992, 1998, 2004, 2009,
  2015, 2020, 2026, ...): bi-week 27 starts on the Monday of week 53 and, being
  14 days long, overlaps bi-week 1 of the next year by one week;
* a day belongs to the bi-week that starts on the Monday of its ISO week if that week
  is odd, else of the week before (so 4 January 2010 is in 2010BW01, not 2009BW27).

The rule, its consequences and what changed for stored reports are in
``docs/reporting-periods.md``.

Codes follow DHIS2 where DHIS2 has the period type (``2009W53``, ``200803``,
``2008Q1``, ``2008``); DHIS2 spellings of bi-weeks (``2009BiW1``) and April
financial years (``2007April``) are accepted by :func:`parse_period` and produced
by :func:`dhis2_code`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from tipdata.errors import TipdataError

PeriodType = Literal["week", "bi_week", "month", "quarter", "year", "tip_year"]
"""The period types tipdata reports on."""

PERIOD_TYPES: tuple[PeriodType, ...] = get_args(PeriodType)
BI_WEEKS_PER_YEAR = 26
"""Bi-weeks of a 52-week year; a 53-week year has a 27th (:func:`bi_weeks_in_year`)."""
BI_WEEK_DAYS = 14
TIP_YEAR_START_MONTH = 4
"""The US TIP reporting year runs April to March."""

_ONE_DAY = timedelta(days=1)
# Years for which every period of every type stays inside ``datetime.date``.
_MIN_YEAR = 1
_MAX_YEAR = 9998


class PeriodError(TipdataError, ValueError):
    """A period code or period request is invalid.

    Args:
        message: what is wrong.
        value: the offending code or value.
    """

    def __init__(self, message: str, value: object = None) -> None:
        self.message = message
        self.value = value
        shown = f" (found {value!r})" if value is not None else ""
        super().__init__(f"{message}{shown}")


@dataclass(frozen=True)
class Period:
    """One reporting period.

    Attributes:
        code: the canonical code, e.g. ``"2009BW01"``, ``"200803"``, ``"2008Q1"``,
            ``"2008"``, ``"2009TIP"``.
        start: first day of the period.
        end: last day of the period (inclusive).
        type: the period type.
    """

    code: str
    start: date
    end: date
    type: PeriodType

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return self.code


# --- weeks and bi-weeks ---------------------------------------------------------------


def iso_weeks_in_year(year: int) -> int:
    """Return 52 or 53, the number of ISO weeks of ISO year ``year``."""
    # 28 December always lies in the last ISO week of its year.
    return date(year, 12, 28).isocalendar().week


def bi_weeks_in_year(year: int) -> int:
    """Return 26, or 27 in a year with 53 ISO weeks (DHIS2 accepts ``yyyyBiW27`` then)."""
    return (iso_weeks_in_year(year) + 1) // 2


def week(year: int, number: int) -> Period:
    """Return ISO week ``number`` (1–52, or 53) of ISO year ``year``; code ``yyyyWn``.

    Raises:
        PeriodError: the year or number is out of range (week 53 of a 52-week year
            is refused, as DHIS2 refuses ``2014W53``).

    Examples:
        >>> p = week(2009, 53)
        >>> (p.code, p.start.isoformat(), p.end.isoformat())
        ('2009W53', '2009-12-28', '2010-01-03')
    """
    _check_year(year)
    if not 1 <= number <= iso_weeks_in_year(year):
        raise PeriodError(f"ISO year {year} has weeks 1 to {iso_weeks_in_year(year)}", number)
    start = date.fromisocalendar(year, number, 1)
    return Period(f"{year:04d}W{number}", start, start + timedelta(days=6), "week")


def week_of(day: date) -> Period:
    """Return the ISO week that contains ``day``."""
    iso_year, iso_week, _ = day.isocalendar()
    return week(iso_year, iso_week)


def bi_week(year: int, number: int) -> Period:
    """Return bi-week ``number`` of ISO year ``year``: 14 days from ISO week ``2n-1``.

    Raises:
        PeriodError: the year or number is out of range (27 exists only in a year
            with 53 ISO weeks).

    Examples:
        >>> p = bi_week(2009, 1)
        >>> (p.code, p.start.isoformat(), p.end.isoformat())
        ('2009BW01', '2008-12-29', '2009-01-11')
        >>> p = bi_week(2009, 27)
        >>> (p.code, p.start.isoformat(), p.end.isoformat())
        ('2009BW27', '2009-12-28', '2010-01-10')
    """
    _check_year(year)
    last = bi_weeks_in_year(year)
    if not 1 <= number <= last:
        raise PeriodError(f"a bi-week number of ISO year {year} runs from 1 to {last}", number)
    start = date.fromisocalendar(year, 2 * number - 1, 1)
    end = start + timedelta(days=BI_WEEK_DAYS - 1)
    return Period(f"{year:04d}BW{number:02d}", start, end, "bi_week")


def bi_week_of(day: date) -> Period:
    """Return the bi-week of ``day``: the one starting on the Monday of its odd ISO week.

    Examples:
        >>> bi_week_of(date(2008, 12, 31)).code
        '2009BW01'
        >>> bi_week_of(date(2010, 1, 3)).code
        '2009BW27'
        >>> bi_week_of(date(2010, 1, 4)).code
        '2010BW01'
    """
    iso_year, iso_week, _ = day.isocalendar()
    return bi_week(iso_year, (iso_week + 1) // 2)


def bi_weeks(year: int) -> list[Period]:
    """Return the bi-weeks of ISO year ``year`` in order (26, or 27 in a 53-week year)."""
    return [bi_week(year, number) for number in range(1, bi_weeks_in_year(year) + 1)]


# --- months, quarters, years ----------------------------------------------------------


def month(year: int, number: int) -> Period:
    """Return calendar month ``number`` (1–12) of ``year``; code ``yyyyMM`` as in DHIS2."""
    _check_year(year)
    if not 1 <= number <= 12:
        raise PeriodError("a month runs from 1 to 12", number)
    start = date(year, number, 1)
    end = (date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)) - _ONE_DAY
    return Period(f"{year:04d}{number:02d}", start, end, "month")


def quarter(year: int, number: int) -> Period:
    """Return calendar quarter ``number`` (1–4) of ``year``; code ``yyyyQn`` as in DHIS2."""
    _check_year(year)
    if not 1 <= number <= 4:
        raise PeriodError("a quarter runs from 1 to 4", number)
    first_month = 3 * number - 2
    start = date(year, first_month, 1)
    end = month(year, first_month + 2).end
    return Period(f"{year:04d}Q{number}", start, end, "quarter")


def year_period(year: int) -> Period:
    """Return calendar year ``year``; code ``yyyy`` as in DHIS2."""
    _check_year(year)
    return Period(f"{year:04d}", date(year, 1, 1), date(year, 12, 31), "year")


def tip_year(report_year: int) -> Period:
    """Return the US TIP reporting year named after the report it feeds.

    The TIP report published in June of ``report_year`` covers 1 April of the
    year before to 31 March of ``report_year``: ``2009TIP`` is 2008-04-01 to
    2009-03-31. DHIS2 names the same period after its first year (``2008April``).

    Examples:
        >>> p = tip_year(2009)
        >>> (p.start.isoformat(), p.end.isoformat())
        ('2008-04-01', '2009-03-31')
    """
    _check_year(report_year)
    if report_year - 1 < _MIN_YEAR:
        raise PeriodError("the TIP year starts in the previous calendar year", report_year)
    start = date(report_year - 1, TIP_YEAR_START_MONTH, 1)
    end = date(report_year, TIP_YEAR_START_MONTH, 1) - _ONE_DAY
    return Period(f"{report_year:04d}TIP", start, end, "tip_year")


def period_of(day: date, period_type: PeriodType) -> Period:
    """Return the period of type ``period_type`` that contains ``day``."""
    if period_type == "week":
        return week_of(day)
    if period_type == "bi_week":
        return bi_week_of(day)
    if period_type == "month":
        return month(day.year, day.month)
    if period_type == "quarter":
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if period_type == "year":
        return year_period(day.year)
    if period_type == "tip_year":
        return tip_year(day.year + 1 if day.month >= TIP_YEAR_START_MONTH else day.year)
    raise PeriodError(
        f"unknown period type; expected one of {', '.join(PERIOD_TYPES)}", period_type
    )


def next_period(period: Period) -> Period:
    """Return the period of the same type that follows ``period``.

    It starts the day after ``period`` ends, except after bi-week 27, which
    overlaps the next year's bi-week 1 by a week (the first day of the week after
    ``period`` then falls in bi-week 1, as in DHIS2).
    """
    return period_of(period.end + _ONE_DAY, period.type)


def previous_period(period: Period) -> Period:
    """Return the period of the same type that precedes ``period`` (the one of its eve)."""
    return period_of(period.start - _ONE_DAY, period.type)


def periods_between(start: date, end: date, period_type: PeriodType) -> list[Period]:
    """Return, in order, the periods of ``period_type`` of the days ``start``..``end``.

    Both ends are included, so the first and last periods may reach outside the
    range (the bi-week of 1 January usually starts in December). Each period is
    the one :func:`period_of` gives some day of the range.

    Raises:
        PeriodError: ``end`` is before ``start``.
    """
    if end < start:
        raise PeriodError(f"the range ends ({end}) before it starts ({start})")
    periods = [period_of(start, period_type)]
    while periods[-1].end < end:
        periods.append(next_period(periods[-1]))
    return periods


# --- codes ----------------------------------------------------------------------------

_PATTERNS: tuple[tuple[re.Pattern[str], PeriodType, str], ...] = (
    (re.compile(r"(\d{4})W(\d{1,2})"), "week", "dhis2"),
    (re.compile(r"(\d{4})BW(\d{2})"), "bi_week", "tipdata"),
    (re.compile(r"(\d{4})BiW(\d{1,2})"), "bi_week", "dhis2"),
    (re.compile(r"(\d{4})(\d{2})"), "month", "tipdata"),
    (re.compile(r"(\d{4})-(\d{2})"), "month", "iso"),
    (re.compile(r"(\d{4})Q(\d)"), "quarter", "tipdata"),
    (re.compile(r"(\d{4})"), "year", "tipdata"),
    (re.compile(r"(\d{4})TIP"), "tip_year", "tipdata"),
    (re.compile(r"(\d{4})April"), "tip_year", "dhis2"),
)


def parse_period(code: str) -> Period:
    """Parse a period code.

    Accepted: ``2009W53`` (an ISO week, as DHIS2), ``2009BW01`` (also DHIS2's
    ``2009BiW1`` and ``2009BiW01``), ``200803`` (also
    ``2008-03``), ``2008Q1``, ``2008``, ``2009TIP`` (also DHIS2's ``2008April``,
    the same April–March period named after its first year).

    Raises:
        PeriodError: the code matches no period type or is out of range.

    Examples:
        >>> parse_period("2009BiW1") == parse_period("2009BW01")
        True
        >>> parse_period("2008April").code
        '2009TIP'
    """
    text = code.strip()
    for pattern, period_type, flavour in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        year = int(match.group(1))
        number = int(match.group(2)) if pattern.groups > 1 else 0
        try:
            if period_type == "week":
                return week(year, number)
            if period_type == "bi_week":
                return bi_week(year, number)
            if period_type == "month":
                return month(year, number)
            if period_type == "quarter":
                return quarter(year, number)
            if period_type == "year":
                return year_period(year)
            return tip_year(year + 1 if flavour == "dhis2" else year)
        except PeriodError as error:
            raise PeriodError(f"invalid period code: {error.message}", code) from None
    raise PeriodError(
        "unknown period code; expected e.g. 2009W1, 2009BW01, 200803, 2008Q1, 2008 or 2009TIP",
        code,
    )


def dhis2_code(period: Period) -> str:
    """Return the DHIS2 ISO period code of ``period``.

    Bi-weeks become ``yyyyBiWn`` (``2009BW27`` → ``2009BiW27``); weeks, months,
    quarters and years keep their code; the TIP year becomes the April financial
    year named after its first year (``2009TIP`` → ``2008April``).
    """
    if period.type == "bi_week":
        return f"{period.code[:4]}BiW{int(period.code[6:])}"
    if period.type == "tip_year":
        return f"{period.start.year:04d}April"
    return period.code


# --- deadlines ------------------------------------------------------------------------


def due_date(period: Period, grace_days: int) -> date:
    """Return the last day on which a report for ``period`` is on time.

    A report is due ``grace_days`` days after the period's last day and is on
    time if it is submitted at any moment of that day (Cambodia time) or before.

    Raises:
        PeriodError: ``grace_days`` is negative.

    Examples:
        >>> due_date(parse_period("2009BW01"), 7).isoformat()
        '2009-01-18'
    """
    if grace_days < 0:
        raise PeriodError("grace days cannot be negative", grace_days)
    return period.end + timedelta(days=grace_days)


def _check_year(year: int) -> None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise PeriodError(f"a year runs from {_MIN_YEAR} to {_MAX_YEAR}", year)
