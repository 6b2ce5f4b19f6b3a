"""The bi-week calendar and the other reporting periods."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.errors import TipdataError
from tipdata.periods import (
    PERIOD_TYPES,
    Period,
    PeriodError,
    PeriodType,
    bi_week,
    bi_week_of,
    bi_weeks,
    bi_weeks_in_year,
    dhis2_code,
    due_date,
    iso_weeks_in_year,
    next_period,
    parse_period,
    period_of,
    periods_between,
    previous_period,
    tip_year,
    week,
    week_of,
)

DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
TYPES = st.sampled_from(PERIOD_TYPES)


def span(period: Period) -> tuple[str, str, str]:
    return period.code, period.start.isoformat(), period.end.isoformat()


# --- bi-weeks: explicit cases ---------------------------------------------------------


def test_year_boundary_2008_2009() -> None:
    assert span(bi_week_of(date(2008, 12, 28))) == ("2008BW26", "2008-12-15", "2008-12-28")
    for day in (date(2008, 12, 29), date(2009, 1, 1), date(2009, 1, 11)):
        assert span(bi_week_of(day)) == ("2009BW01", "2008-12-29", "2009-01-11")
    assert span(bi_week_of(date(2009, 1, 12))) == ("2009BW02", "2009-01-12", "2009-01-25")


def test_53_week_year_has_a_27th_bi_week_of_14_days() -> None:
    assert iso_weeks_in_year(2009) == 53
    assert bi_weeks_in_year(2009) == 27
    periods = bi_weeks(2009)
    assert [span(p) for p in periods[-2:]] == [
        ("2009BW26", "2009-12-14", "2009-12-27"),
        ("2009BW27", "2009-12-28", "2010-01-10"),
    ]
    assert {p.days for p in periods} == {14}
    assert bi_week_of(date(2010, 1, 3)).code == "2009BW27"
    # DHIS2 puts the day in bi-week 1 of the next year; BW27 overlaps it by a week.
    assert span(bi_week_of(date(2010, 1, 4))) == ("2010BW01", "2010-01-04", "2010-01-17")
    assert next_period(periods[-1]).code == "2010BW01"
    assert previous_period(bi_week(2010, 1)).code == "2009BW27"


def test_52_week_year_has_26_fortnights() -> None:
    periods = bi_weeks(2008)
    assert len(periods) == 26
    assert {p.days for p in periods} == {14}
    assert span(periods[0]) == ("2008BW01", "2007-12-31", "2008-01-13")
    assert span(periods[2]) == ("2008BW03", "2008-01-28", "2008-02-10")


def test_bi_weeks_start_on_monday_and_end_on_sunday() -> None:
    for year in (2004, 2008, 2009, 2014, 2015, 2020):
        for period in bi_weeks(year):
            assert (period.start.isoweekday(), period.end.isoweekday()) == (1, 7)


@pytest.mark.parametrize(("year", "number"), [(2008, 0), (2008, 27), (2009, 28)])
def test_bi_week_number_out_of_range(year: int, number: int) -> None:
    with pytest.raises(PeriodError, match="bi-week number"):
        bi_week(year, number)


def test_weeks_are_iso_weeks_as_dhis2() -> None:
    assert span(parse_period("2014W1")) == ("2014W1", "2013-12-30", "2014-01-05")
    assert span(parse_period("2014W2")) == ("2014W2", "2014-01-06", "2014-01-12")
    assert span(week_of(date(2012, 12, 31))) == ("2013W1", "2012-12-31", "2013-01-06")
    assert week_of(date(2012, 12, 30)).code == "2012W52"
    assert week_of(date(2009, 12, 29)).code == "2009W53"
    assert parse_period("2009W53") == week(2009, 53)
    for code in ("2014W0", "2014W53", "2009W54"):
        with pytest.raises(PeriodError):
            parse_period(code)


# --- bi-weeks: properties -------------------------------------------------------------


@given(DAYS)
def test_every_day_is_named_by_exactly_one_bi_week(day: date) -> None:
    period = bi_week_of(day)
    assert day in period
    candidates = [p for year in (day.year - 1, day.year, day.year + 1) for p in bi_weeks(year)]
    containing = [p for p in candidates if day in p]
    # Only bi-week 27 reaches into another bi-week: the first week of the next year's BW01.
    assert period in containing
    assert all(p == period or p.code.endswith("BW27") for p in containing)


@given(st.integers(min_value=1990, max_value=2100))
def test_a_years_bi_weeks_follow_each_other_and_the_next_year(year: int) -> None:
    periods = [*bi_weeks(year), bi_weeks(year + 1)[0]]
    for previous, following in pairwise(periods):
        step = 7 if previous.code.endswith("BW27") else 14
        assert following.start == previous.start + timedelta(days=step)
        assert next_period(previous) == following
        assert previous_period(following) == previous


@given(DAYS, TYPES)
def test_parse_round_trips(day: date, period_type: PeriodType) -> None:
    period = period_of(day, period_type)
    assert parse_period(period.code) == period
    assert parse_period(dhis2_code(period)) == period


@given(DAYS, TYPES)
def test_periods_of_every_type_are_contiguous(day: date, period_type: PeriodType) -> None:
    period = period_of(day, period_type)
    assert day in period
    if period.code.endswith("BW27"):  # overlaps the next BW01 by a week, as in DHIS2
        assert next_period(period).start == period.end - timedelta(days=6)
    else:
        assert next_period(period).start == period.end + timedelta(days=1)


@given(DAYS, st.integers(min_value=0, max_value=120), TYPES)
def test_periods_between_cover_the_range_without_gaps(
    start: date, length: int, period_type: PeriodType
) -> None:
    end = start + timedelta(days=length)
    periods = periods_between(start, end, period_type)
    assert start in periods[0] and end in periods[-1]
    for previous, following in pairwise(periods):
        overlap = 7 if previous.code.endswith("BW27") else 0
        assert following.start == previous.end + timedelta(days=1 - overlap)


# --- other period types and codes -----------------------------------------------------


def test_codes_of_every_type() -> None:
    assert span(parse_period("200802")) == ("200802", "2008-02-01", "2008-02-29")
    assert span(parse_period("2008-12")) == ("200812", "2008-12-01", "2008-12-31")
    assert span(parse_period("2008Q1")) == ("2008Q1", "2008-01-01", "2008-03-31")
    assert span(parse_period("2008Q4")) == ("2008Q4", "2008-10-01", "2008-12-31")
    assert span(parse_period("2008")) == ("2008", "2008-01-01", "2008-12-31")
    assert span(parse_period("2009TIP")) == ("2009TIP", "2008-04-01", "2009-03-31")
    assert span(parse_period("2009BiW1")) == ("2009BW01", "2008-12-29", "2009-01-11")


def test_tip_year_is_named_after_the_report() -> None:
    assert period_of(date(2008, 3, 31), "tip_year") == tip_year(2008)
    assert period_of(date(2008, 4, 1), "tip_year") == tip_year(2009)
    assert dhis2_code(tip_year(2009)) == "2008April"
    assert parse_period("2008April") == tip_year(2009)


def test_dhis2_codes() -> None:
    assert dhis2_code(parse_period("2009BW01")) == "2009BiW1"
    assert dhis2_code(parse_period("2009BW26")) == "2009BiW26"
    assert dhis2_code(parse_period("2009BW27")) == "2009BiW27"
    assert parse_period("2009BiW01") == parse_period("2009BiW1")
    assert dhis2_code(parse_period("2009W53")) == "2009W53"
    assert dhis2_code(parse_period("200803")) == "200803"
    assert dhis2_code(parse_period("2008Q2")) == "2008Q2"


BAD_CODES = ["2008BW27", "2018BiW27", "2009BW28", "2008BW00", "200813", "2008Q5", "08", "2008W53"]
BAD_CODES.append("")


@pytest.mark.parametrize("code", BAD_CODES)
def test_bad_codes_are_refused(code: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(code)
    assert isinstance(caught.value, TipdataError)
    assert caught.value.value == code


def test_periods_between_refuses_a_reversed_range() -> None:
    with pytest.raises(PeriodError, match="before it starts"):
        periods_between(date(2008, 2, 1), date(2008, 1, 1), "month")


def test_periods_between_months_of_a_tip_year() -> None:
    months = periods_between(date(2008, 4, 1), date(2009, 3, 31), "month")
    assert [p.code for p in months][:2] == ["200804", "200805"]
    assert len(months) == 12


def test_due_date() -> None:
    assert due_date(parse_period("2009BW01"), 7) == date(2009, 1, 18)
    assert due_date(parse_period("200812"), 0) == date(2008, 12, 31)
    with pytest.raises(PeriodError, match="negative"):
        due_date(parse_period("200812"), -1)
