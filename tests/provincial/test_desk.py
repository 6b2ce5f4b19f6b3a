"""The provincial desk (period chooser, acceptance queue, reopen notices) and the outlier
rule's same-season history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tipdata.access.errors import AccessDenied
from tipdata.access.policy import Actor
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.model.enums import ReportStatus
from tipdata.periods import bi_weeks
from tipdata.provincial.desk import (
    acceptance_queue,
    period_choices,
    period_now_due,
    reopen_notices,
    report_chooser,
    today_in_cambodia,
)
from tipdata.provincial.pivot import PivotRequest, offered_dimensions, pivot_cell, province_figures
from tipdata.provincial.submissions import accept, reopen, submit
from tipdata.provincial.timeliness import completeness_grid
from tipdata.store import Database
from tipdata.store.refdata import sync_reference_data

FOCAL = Actor(2, "focal", "provincial_focal_point", agency_id=1, province_code="12")
NTF = Actor(1, "ntf", "ntf_data_officer", agency_id=1)
READER = Actor(3, "reader", "statistics_reader", agency_id=1)


@pytest.fixture
def pwg_db(db: Database) -> Database:
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


def test_the_period_now_due_is_the_newest_bi_week_over() -> None:
    assert period_now_due(date(2009, 1, 11)).code == "2008BW26"  # 2009BW01's last day
    assert period_now_due(date(2009, 1, 12)).code == "2009BW01"


def test_choices_start_at_the_period_now_due_with_statuses(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        submit(session, "import", "12", "2009BW01", {"cases_investigated": 1},
               at=datetime(2009, 1, 13, tzinfo=UTC))  # fmt: skip
        session.commit()
        choices = period_choices(session, FOCAL, "12", today=date(2009, 1, 30))
        assert [c.period.code for c in choices] == ["2009BW02", "2009BW01"]
        assert choices[0].now_due and choices[0].status is None and not choices[0].overdue
        assert choices[1].status == ReportStatus.SUBMITTED
        year = period_choices(session, FOCAL, "12", year=2008, today=date(2009, 1, 30))
        assert len(year) == len(bi_weeks(2008)) and all(c.overdue for c in year)
        with pytest.raises(AccessDenied):
            period_choices(session, FOCAL, "01", today=date(2009, 1, 30))


def test_queue_and_notices_follow_the_workflow(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        for province in ("12", "01"):
            submit(session, "import", province, "2008BW03", {"cases_investigated": 1})
        assert [i.province_code for i in acceptance_queue(session, NTF)] == ["12", "01"]
        accept(session, NTF, "01", "2008BW03")
        reopen(session, NTF, "12", "2008BW03", "check the cases")
        assert acceptance_queue(session, NTF) == []
        notices = reopen_notices(session, FOCAL)
        assert [(n.province_code, n.reason, n.reopened_by) for n in notices] == [
            ("12", "check the cases", "ntf")
        ]
        assert reopen_notices(session, NTF, province="01") == []
        with pytest.raises(AccessDenied):
            acceptance_queue(session, FOCAL)
        with pytest.raises(AccessDenied):
            reopen_notices(session, FOCAL, province="01")


def test_an_outlier_is_judged_against_the_same_season_of_earlier_years(pwg_db: Database) -> None:
    """Six quiet reports of BW10–BW12 in 2006 and 2007 make 40 in 2008BW11 an outlier; the
    same six reports in another season, or twenty years before, do not count."""
    with pwg_db.session() as session:
        for year in (2006, 2007):
            for number in (10, 11, 12):
                submit(session, "import", "12", f"{year}BW{number:02d}", {"cases_investigated": 1})
        for number in range(20, 27):  # a busy other season of 2007: not the same time of year
            submit(session, "import", "12", f"2007BW{number}", {"cases_investigated": 40})
        flagged = submit(session, "import", "12", "2008BW11", {"cases_investigated": 40})
        rules = [r.rule for r in flagged.results]
        assert rules == ["outlier_in_province_history"]
        assert "same season" in flagged.results[0].message
        for number in (10, 11, 12):  # the same quiet season, but twenty years before
            submit(session, "import", "01", f"1988BW{number:02d}", {"cases_investigated": 1})
        far = submit(session, "import", "01", "2008BW11", {"cases_investigated": 40})
        assert far.results == ()


def test_the_chooser_offers_a_focal_point_only_their_province(pwg_db: Database) -> None:
    """Issue 16: which provinces, which one, which notices and year were the web route's."""
    with pwg_db.session() as session:
        submit(session, "import", "12", "2008BW03", {"cases_investigated": 1})
        reopen(session, NTF, "12", "2008BW03", "check the cases")
        focal = report_chooser(session, FOCAL, province="01")
        assert (focal.provinces, focal.province, focal.fixed_province) == (("12",), "12", True)
        assert [n.period.code for n in focal.notices] == ["2008BW03"]
        assert not focal.may_review
        assert focal.year == int(period_now_due(today_in_cambodia()).code[:4])
        ntf = report_chooser(session, NTF, province="01", year=2008)
        assert len(ntf.provinces) > 20 and ntf.province == "01" and not ntf.fixed_province
        assert ntf.may_review and [n.province_code for n in ntf.notices] == ["12"]
        assert ntf.year == 2008 and len(ntf.choices) == 26
        assert report_chooser(session, NTF, province="99").province == ntf.provinces[0]
        with pytest.raises(AccessDenied):
            report_chooser(session, READER)


def test_grid_pivot_options_and_map_check_who_asks(pwg_db: Database) -> None:
    """The dashboard chart's permission, the pivot's offered provinces and the map's
    permission and figures were the web routes'; now the services decide."""
    with pwg_db.session() as session:
        for province, count in (("12", 3), ("01", 5)):
            submit(session, "import", province, "2008BW03", {"cases_investigated": count})
        grid = completeness_grid(session, NTF, year=2008)
        # submitted today: after 2008's reporting date, so still missing on that day
        assert grid["12"]["2008BW03"] == "missing" and len(grid["12"]) == 26
        with pytest.raises(AccessDenied):
            completeness_grid(session, READER, year=2008)
        assert offered_dimensions(FOCAL)["province"] == ("12",)
        assert len(offered_dimensions(NTF)["province"] or ()) > 20
        figures = province_figures(session, NTF, data_element="cases_investigated", year="2008")
        assert figures.element == "cases_investigated"
        assert (figures.values, figures.lowest, figures.highest) == ({"01": 5, "12": 3}, 3, 5)
        with pytest.raises(AccessDenied):
            province_figures(session, FOCAL)


def test_a_pivot_cell_is_the_sum_of_the_reports_behind_it(pwg_db: Database) -> None:
    """The pivot cell page's total was the web route's sum; now the service adds it up."""
    with pwg_db.session() as session:
        for period, count in (("2008BW03", 3), ("2008BW04", 4)):
            submit(session, "import", "12", period, {"cases_investigated": count})
        submit(session, "import", "01", "2008BW03", {"cases_investigated": 5})
        asked = PivotRequest(rows="province", filters={"data_element": ("cases_investigated",)})
        cell = pivot_cell(session, NTF, asked, "12", "total")
        assert [(r.province, r.period, r.value) for r in cell.reports] == [
            ("12", "2008BW03", 3),
            ("12", "2008BW04", 4),
        ]
        assert cell.total == 7
        own = pivot_cell(session, FOCAL, PivotRequest(rows="province"), "01", "total")
        assert own.reports == () and own.total == 0
