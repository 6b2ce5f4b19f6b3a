"""Weeks and bi-weeks against dhis2-core's own rules, for every day from 1990 to 2100.

The rules are restated here from dhis2-core (commit 3f8c14a, read 2026-12-07), not
from tipdata's code:

* ``BiWeeklyAbstractPeriodType.createPeriod`` (the period of a date): with ``w`` the
  date's ISO week and ``d`` its ISO weekday (Monday 1), the bi-weekday is
  ``d + (1 - w % 2) * 7``; the period starts that many days minus one before the date
  and ends 13 days after its start (``daysInWeek * 2 - 1``).
* ``getIsoDate``: the code is ``{ISO week-based year}BiW{week // 2 + 1}`` of the start.
* ``DateUnitPeriodTypeParser`` (a code to dates): ``yyyyBiWn`` is ISO week ``2n - 1``
  of ISO year ``yyyy``, refused when that week is below 1 or beyond the year's weeks;
  it ends two weeks after its Monday, minus a day. ``yyyyWn`` is refused when week
  ``n`` does not belong to ISO year ``yyyy`` (``2014W53``).
* ``Period.Input.of``: a bi-week number has one or two digits (``2009BiW1``,
  ``2009BiW01``).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tipdata.periods import (
    PeriodError,
    bi_week_of,
    dhis2_code,
    parse_period,
    week_of,
)

FIRST, LAST = date(1990, 1, 1), date(2100, 12, 31)


def _every_day() -> list[date]:
    return [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]


def _dhis2_create_period(day: date) -> tuple[str, date, date]:
    _, iso_week, weekday = day.isocalendar()
    bi_weekday = weekday + (1 - iso_week % 2) * 7
    start = day - timedelta(days=bi_weekday - 1)
    start_year, start_week, _ = start.isocalendar()
    return f"{start_year}BiW{start_week // 2 + 1}", start, start + timedelta(days=13)


def _dhis2_parse_bi_week(year: int, number: int) -> tuple[date, date] | None:
    iso_week = number * 2 - 1
    if iso_week < 1 or iso_week > date(year, 12, 28).isocalendar().week:
        return None
    start = date.fromisocalendar(year, iso_week, 1)
    return start, start + timedelta(days=13)


def _old_tipdata_code(day: date) -> str:
    """The rule tipdata had before: week 53 folded into BW26."""
    iso_year, iso_week, _ = day.isocalendar()
    return f"{iso_year}BiW{min((iso_week + 1) // 2, 26)}"


def test_every_day_1990_2100_has_dhis2s_bi_week() -> None:
    renamed = 0
    for day in _every_day():
        code, start, end = _dhis2_create_period(day)
        period = bi_week_of(day)
        assert (dhis2_code(period), period.start, period.end) == (code, start, end), day
        assert parse_period(code) == period
        year, number = int(code[:4]), int(code[7:])
        assert _dhis2_parse_bi_week(year, number) == (start, end)
        renamed += _old_tipdata_code(day) != code
    # The days of ISO week 53 in the twenty 53-week years of the range.
    assert renamed == 140


def test_every_bi_week_code_1990_2100_parses_as_dhis2_parses_it() -> None:
    for year in range(1990, 2101):
        for number in range(0, 29):
            expected = _dhis2_parse_bi_week(year, number)
            for code in (f"{year}BiW{number}", f"{year}BiW{number:02d}"):
                if expected is None:
                    with pytest.raises(PeriodError):
                        parse_period(code)
                else:
                    period = parse_period(code)
                    assert (period.start, period.end) == expected, code
                    assert dhis2_code(period) == f"{year}BiW{number}"


def test_every_day_1990_2100_has_dhis2s_week() -> None:
    for day in _every_day():
        iso_year, iso_week, weekday = day.isocalendar()
        period = week_of(day)
        start = day - timedelta(days=weekday - 1)
        assert (dhis2_code(period), period.start, period.end) == (
            f"{iso_year}W{iso_week}",
            start,
            start + timedelta(days=6),
        )
        assert parse_period(period.code) == period


# The expectations of dhis2-core's own tests (BiWeeklyPeriodTypeTest,
# DateTimeUnitPeriodTypeParserTest, WeeklyPeriodTypeTest), restated.
@pytest.mark.parametrize(
    ("day", "code", "start", "end"),
    [
        (date(2018, 1, 8), "2018BiW1", date(2018, 1, 1), date(2018, 1, 14)),
        (date(2017, 12, 29), "2017BiW26", date(2017, 12, 18), date(2017, 12, 31)),
        (date(2018, 1, 3), "2018BiW1", date(2018, 1, 1), date(2018, 1, 14)),
        (date(2010, 1, 1), "2009BiW27", date(2009, 12, 28), date(2010, 1, 10)),
        (date(2020, 1, 1), "2020BiW1", date(2019, 12, 30), date(2020, 1, 12)),
    ],
)
def test_dhis2_core_test_expectations(day: date, code: str, start: date, end: date) -> None:
    period = bi_week_of(day)
    assert (dhis2_code(period), period.start, period.end) == (code, start, end)


def test_dhis2_core_parser_expectations() -> None:
    for refused in ("2018BiW0", "2018BiW27", "2009BiW28", "2014W0", "2014W53", "2009W54"):
        with pytest.raises(PeriodError):
            parse_period(refused)
    assert parse_period("2009BiW27").code == "2009BW27"
    assert parse_period("2009W53").code == "2009W53"
    biw = parse_period("2014BiW1")
    assert (biw.start, biw.end) == (date(2013, 12, 30), date(2014, 1, 12))
    assert parse_period("2009W1").start == date(2008, 12, 29)
    assert parse_period("2011W11").start == date(2011, 3, 14)
