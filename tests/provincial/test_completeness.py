"""Completeness and timeliness of provincial reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tipdata.periods import bi_weeks, parse_period
from tipdata.provincial.completeness import (
    CAMBODIA_TIME,
    ExpectedReport,
    OrgUnit,
    Rates,
    Submission,
    completeness,
    expected_reports,
    is_on_time,
)

BW01 = parse_period("2009BW01")  # 2008-12-29 .. 2009-01-11, due 2009-01-18 with 7 grace days
BW02 = parse_period("2009BW02")
GRACE = 7
DEADLINE_DAY = date(2009, 1, 18)


def at(day: date, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second)


def test_org_units_owe_reports_only_for_periods_they_existed_for() -> None:
    kampong_cham = OrgUnit("03")
    tbong_khmum = OrgUnit("25", created=date(2013, 12, 31))
    first_2014 = bi_weeks(2014)[:2]  # 2013-12-30 .. 2014-01-12, 2014-01-13 .. 2014-01-26
    owed = expected_reports([kampong_cham, tbong_khmum], first_2014)
    assert [(r.org_unit, r.period.code) for r in owed] == [
        ("03", "2014BW01"),
        ("03", "2014BW02"),
        ("25", "2014BW02"),
    ]
    abolished = OrgUnit("99", abolished=date(2014, 1, 13))
    assert [r.period.code for r in expected_reports([abolished], first_2014)] == ["2014BW01"]


def test_counts_rates_and_late_lists() -> None:
    expected = expected_reports([OrgUnit("01"), OrgUnit("02"), OrgUnit("03")], [BW01, BW02])
    submissions = [
        Submission("01", "2009BW01", at(date(2009, 1, 12))),  # on time
        Submission("01", "2009BiW1", at(date(2009, 1, 13))),  # duplicate, counted once
        Submission("01", "2009BW02", at(date(2009, 2, 4)), "accepted"),  # 3 days late
        Submission("02", "2009BW01", at(date(2009, 1, 20))),  # 2 days late
        Submission("02", "2009BW02", at(date(2009, 1, 30)), "draft"),  # not counted
        Submission("04", "2009BW01", at(date(2009, 1, 14))),  # unexpected org unit
        Submission("03", "2009BW03", at(date(2009, 2, 10))),  # unexpected period
        Submission("03", "2009BW01", at(date(2009, 3, 1))),  # after as_of: ignored
    ]
    report = completeness(expected, submissions, as_of=date(2009, 2, 10), grace_days=GRACE)
    # BW02 is due 2009-02-01: 7 + 2 days overdue on 2009-02-10
    assert report.by_org_unit == {
        "01": Rates(expected=2, received=2, on_time=1, overdue=0, pending=0),
        "02": Rates(expected=2, received=1, on_time=0, overdue=1, pending=0),
        "03": Rates(expected=2, received=0, on_time=0, overdue=2, pending=0),
    }
    assert report.national == Rates(expected=6, received=3, on_time=1, overdue=3, pending=0)
    assert report.national.completeness == 0.5
    assert report.national.timeliness == 1 / 6
    assert [(r.org_unit, r.period.code, r.days_late) for r in report.overdue] == [
        ("03", "2009BW01", 23),
        ("02", "2009BW02", 9),
        ("03", "2009BW02", 9),
    ]
    assert [(r.org_unit, r.period.code, r.days_late, r.kind) for r in report.late] == [
        ("01", "2009BW02", 3, "late"),
        ("02", "2009BW01", 2, "late"),
    ]
    assert [(s.org_unit, s.period) for s in report.unexpected] == [
        ("04", "2009BW01"),
        ("03", "2009BW03"),
    ]


def test_pending_reports_are_not_overdue() -> None:
    expected = [ExpectedReport("01", BW01)]
    on_deadline = completeness(expected, [], as_of=DEADLINE_DAY, grace_days=GRACE)
    assert on_deadline.national == Rates(1, 0, 0, 0, 1)
    assert on_deadline.overdue == ()
    day_after = completeness(expected, [], as_of=DEADLINE_DAY + timedelta(1), grace_days=GRACE)
    assert [(r.org_unit, r.days_late) for r in day_after.overdue] == [("01", 1)]


def test_nothing_expected_gives_no_rate() -> None:
    report = completeness([], [], as_of=DEADLINE_DAY, grace_days=GRACE)
    assert report.national == Rates(0, 0, 0, 0, 0)
    assert report.national.completeness is None
    assert report.national.timeliness is None


# --- the deadline to the second -------------------------------------------------------


def test_submitted_at_the_deadline_is_on_time_one_second_later_is_late() -> None:
    deadline = at(DEADLINE_DAY, 23, 59, 59)
    assert is_on_time(deadline, BW01, GRACE)
    assert is_on_time(deadline + timedelta(microseconds=999_999), BW01, GRACE)
    assert not is_on_time(deadline + timedelta(seconds=1), BW01, GRACE)

    expected = [ExpectedReport("01", BW01)]
    on_time = completeness(
        expected, [Submission("01", "2009BW01", deadline)], as_of=date(2009, 2, 1), grace_days=GRACE
    )
    assert on_time.national == Rates(1, 1, 1, 0, 0)
    late = completeness(
        expected,
        [Submission("01", "2009BW01", deadline + timedelta(seconds=1))],
        as_of=date(2009, 2, 1),
        grace_days=GRACE,
    )
    assert late.national == Rates(1, 1, 0, 0, 0)
    assert [(r.days_late, r.kind) for r in late.late] == [(1, "late")]


def test_aware_times_are_judged_in_cambodia_time() -> None:
    # 17:00 UTC on the due date is already 00:00 the next day in Phnom Penh.
    assert is_on_time(datetime(2009, 1, 18, 16, 59, 59, tzinfo=UTC), BW01, GRACE)
    assert not is_on_time(datetime(2009, 1, 18, 17, 0, 0, tzinfo=UTC), BW01, GRACE)
    assert is_on_time(datetime(2009, 1, 18, 23, 59, 59, tzinfo=CAMBODIA_TIME), BW01, GRACE)


def test_earliest_of_duplicate_submissions_decides_timeliness() -> None:
    expected = [ExpectedReport("01", BW01)]
    submissions = [
        Submission("01", "2009BW01", at(date(2009, 1, 25))),
        Submission("01", "2009BW01", datetime(2009, 1, 15, 3, tzinfo=UTC)),
    ]
    report = completeness(expected, submissions, as_of=date(2009, 2, 1), grace_days=GRACE)
    assert report.national == Rates(1, 1, 1, 0, 0)
    assert report.late == ()


# --- properties -----------------------------------------------------------------------

ORG_UNITS = [OrgUnit(f"{n:02d}") for n in range(1, 6)]
PERIODS = bi_weeks(2009)[:4]
EXPECTED = expected_reports(ORG_UNITS, PERIODS)
submission_strategy = st.builds(
    Submission,
    org_unit=st.sampled_from([u.code for u in ORG_UNITS] + ["99"]),
    period=st.sampled_from([p.code for p in bi_weeks(2009)[:6]]),
    submitted_at=st.datetimes(min_value=datetime(2008, 12, 29), max_value=datetime(2009, 3, 31)),
    status=st.sampled_from(["draft", "submitted", "accepted", "reopened"]),
)
AS_OF = st.dates(min_value=date(2009, 1, 1), max_value=date(2009, 4, 30))


@settings(max_examples=200)
@given(st.lists(submission_strategy, max_size=40), AS_OF)
def test_rates_stay_between_zero_and_one(submissions: list[Submission], as_of: date) -> None:
    report = completeness(EXPECTED, submissions, as_of=as_of, grace_days=GRACE)
    for rates in [report.national, *report.by_org_unit.values()]:
        assert rates.completeness is not None and rates.timeliness is not None
        assert 0 <= rates.timeliness <= rates.completeness <= 1
        assert rates.on_time <= rates.received <= rates.expected
        assert rates.received + rates.overdue + rates.pending == rates.expected
    assert report.national.expected == len(EXPECTED)


@settings(max_examples=200)
@given(st.lists(submission_strategy, max_size=30), submission_strategy, AS_OF)
def test_adding_a_submission_never_lowers_completeness(
    submissions: list[Submission], extra: Submission, as_of: date
) -> None:
    before = completeness(EXPECTED, submissions, as_of=as_of, grace_days=GRACE)
    after = completeness(EXPECTED, [*submissions, extra], as_of=as_of, grace_days=GRACE)
    assert after.national.received >= before.national.received
    assert after.national.on_time >= before.national.on_time
    for code, rates in before.by_org_unit.items():
        assert after.by_org_unit[code].received >= rates.received
