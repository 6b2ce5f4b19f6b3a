"""Stored reports of the old 21-day bi-week 26 are kept and listed, not rewritten."""

from __future__ import annotations

from datetime import date

from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.periods import parse_period
from tipdata.provincial.period_audit import OffCalendarReport, reports_off_calendar
from tipdata.provincial.report_rows import find_report_row
from tipdata.provincial.submissions import save_draft
from tipdata.provincial.workflow import default_workflow
from tipdata.store import Database, ProvincialReport
from tipdata.store.refdata import sync_reference_data


def test_an_old_21_day_bw26_is_listed_and_keeps_its_values(db: Database) -> None:
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    with db.session() as session:
        save_draft(session, "pwg", "01", "2008BW26", {"victims_referred": 2})
        save_draft(session, "pwg", "02", "2009BW26", {"victims_referred": 5})
        # Stored as the old calendar had it: weeks 51-53, 14 Dec 2009 - 3 Jan 2010.
        row = session.query(ProvincialReport).filter_by(province_code="02").one()
        row.period_end = date(2010, 1, 3)
    with db.session() as session:
        assert reports_off_calendar(session) == [
            OffCalendarReport(
                "02",
                "PWG_BIWEEKLY",
                "2009BW26",
                date(2009, 12, 14),
                date(2010, 1, 3),
                date(2009, 12, 14),
                date(2009, 12, 27),
            )
        ]
        kept = find_report_row(session, default_workflow(), "02", parse_period("2009BW26"))
        assert kept is not None
        assert [(v.data_element_code, v.value) for v in kept.values] == [("victims_referred", 5)]
