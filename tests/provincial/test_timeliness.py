"""The completeness grid the dashboard draws: kept per state of the stored reports, equal to
the grid worked out afresh, and worked out again on every change (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tipdata.access.policy import Actor
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.provincial.submissions import accept, reopen, submit
from tipdata.provincial.timeliness import completeness_grid, completeness_report, status_grid
from tipdata.store import Database
from tipdata.store.refdata import sync_reference_data

NTF = Actor(1, "ntf", "ntf_data_officer", agency_id=1)


@pytest.fixture
def pwg_db(db: Database) -> Database:
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


def test_the_kept_grid_is_the_fresh_one_and_changes_with_the_reports(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        submit(session, "import", "12", "2008BW03", {"cases_investigated": 1},
               at=datetime(2008, 2, 12, tzinfo=UTC))  # fmt: skip
        first = completeness_grid(session, NTF, year=2008)
        assert first == status_grid(completeness_report(session, year=2008))
        assert first["12"]["2008BW03"] == "on_time" and first["01"]["2008BW03"] == "missing"
        assert completeness_grid(session, NTF, year=2008) is first  # kept, not worked out

        submit(session, "import", "01", "2008BW03", {"cases_investigated": 2},
               at=datetime(2008, 3, 30, tzinfo=UTC))  # fmt: skip
        submitted = completeness_grid(session, NTF, year=2008)
        assert submitted == status_grid(completeness_report(session, year=2008))
        assert submitted["01"]["2008BW03"] == "late"

        accept(session, NTF, "12", "2008BW03")  # a status change alone: the same grid
        assert completeness_grid(session, NTF, year=2008) == submitted
        reopen(session, NTF, "12", "2008BW03", "check the cases")
        reopened = completeness_grid(session, NTF, year=2008)
        assert reopened == status_grid(completeness_report(session, year=2008))
        assert reopened["12"]["2008BW03"] == "missing"
