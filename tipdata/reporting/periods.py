"""Reporting periods: bi-weeks, months, quarters, years and the US TIP reporting year.

The bi-week calendar is built on ISO 8601 weeks (Monday to Sunday):

* bi-week ``n`` of ISO year ``Y`` (code ``YBWnn``) is ISO weeks ``2n-1`` and ``2n``;
* there are always 26 bi-weeks; in the years with 53 ISO weeks (1992, 1998, 2004,
  2009, 2015, 2020, 2026, ...) week 53 is folded into BW26, which then lasts
  three weeks (21 days);
* the year of a bi-week is the ISO year, so 2008-12-29 (a Monday) opens 2009BW01.

Every date belongs to exactly one bi-week and bi-weeks follow each other without
gaps. The rule and its reasons are in ``docs/reporting-periods.md``.

Codes follow DHIS2 where DHIS2 has the period type (``200803``, ``2008Q1``,
``2008``); DHIS2 spellings of bi-weeks (``2009BiW1``) and April financial years
(``2007April``) are accepted by :func:`parse_period` and produced by
:func:`dhis2_code`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from tipdata.errors import TipdataError

PeriodType = Literal["bi_week", "month", "quarter", "year", "tip_year"]
"""The period types tipdata reports on."""

PERIOD_TYPES: tuple[PeriodType, ...] = get_args(PeriodType)
BI_WEEKS_PER_YEAR = 26
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


# --- bi-weeks -------------------------------------------------------------------------


def iso_weeks_in_year(year: int) -> int:
    """Return 52 or 53, the number of ISO weeks of ISO year ``year``."""
    # 28 December always lies in the last ISO week of its year.
    return date(year, 12, 28).isocalendar().week


def bi_week(year: int, number: int) -> Period:
    """Return bi-week ``number`` (1–26) of ISO year ``year``.

    Raises:
        PeriodError: the year or number is out of range.

    Examples:
        >>> p = bi_week(2009, 1)
        >>> (p.code, p.start.isoformat(), p.end.isoformat())
        ('2009BW01', '2008-12-29', '2009-01-11')
    """
    _check_year(year)
    if not 1 <= number <= BI_WEEKS_PER_YEAR:
        raise PeriodError(f"a bi-week number runs from 1 to {BI_WEEKS_PER_YEAR}", number)
    start = date.fromisocalendar(year, 2 * number - 1, 1)
    last_week = 2 * number
    if number == BI_WEEKS_PER_YEAR and iso_weeks_in_year(year) == 53:
        last_week = 53
    end = date.fromisocalendar(year, last_week, 7)
    return Period(f"{year:04d}BW{number:02d}", start, end, "bi_week")


def bi_week_of(day: date) -> Period:
    """Return the bi-week that contains ``day``.

    Examples:
        >>> bi_week_of(date(2008, 12, 31)).code
        '2009BW01'
        >>> bi_week_of(date(2010, 1, 3)).code
        '2009BW26'
    """
    iso_year, iso_week, _ = day.isocalendar()
    return bi_week(iso_year, min((iso_week + 1) // 2, BI_WEEKS_PER_YEAR))


def bi_weeks(year: int) -> list[Period]:
    """Return the 26 bi-weeks of ISO year ``year`` in order."""
    return [bi_week(year, number) for number in range(1, BI_WEEKS_PER_YEAR + 1)]


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
    """Return the period of the same type that starts the day after ``period`` ends."""
    return period_of(period.end + _ONE_DAY, period.type)


def previous_period(period: Period) -> Period:
    """Return the period of the same type that ends the day before ``period`` starts."""
    return period_of(period.start - _ONE_DAY, period.type)


def periods_between(start: date, end: date, period_type: PeriodType) -> list[Period]:
    """Return, in order, every period of ``period_type`` that overlaps ``start``..``end``.

    Both ends are included, so the first and last periods may reach outside the
    range (the bi-week of 1 January usually starts in December).

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

    Accepted: ``2009BW01`` (also DHIS2's ``2009BiW1``), ``200803`` (also
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
        "unknown period code; expected e.g. 2009BW01, 200803, 2008Q1, 2008 or 2009TIP", code
    )


def dhis2_code(period: Period) -> str:
    """Return the DHIS2 ISO period code of ``period``.

    Bi-weeks become ``yyyyBiWn``; the TIP year becomes the April financial year
    named after its first year (``2009TIP`` → ``2008April``). DHIS2 versions
    differ on ISO week 53; tipdata's BW26 of a 53-week year covers weeks 51–53.
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
