"""Fixtures of the standards tests: a database with provinces and a few received reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.provincial.submissions import save_draft, submit
from tipdata.store import Database
from tipdata.store.refdata import sync_reference_data

# Province 01, 2008BW03: leaves only. Province 02, 2009BW27 (the 53rd week): a margin
# with one of its parts (female_adult is implied) and totals; totals without (all) their
# parts travel as unallocated remainders. Province 03: a draft.
REPORTS = {
    ("01", "2008BW03"): {
        "victims_identified.female_child": 1,
        "victims_identified.female_adult": 2,
        "victims_identified.male_child": 0,
        "victims_identified.male_adult": 4,
        "victims_referred.female_child": 1,
        "victims_referred.female_adult": 2,
        "victims_repatriated": 2,  # a total alone: sent as unallocated
        "cases_investigated": 1,
        "suspects_arrested": 2,
    },
    ("02", "2009BW27"): {
        "victims_identified": 9,
        "victims_identified.female": 5,
        "victims_identified.female_child": 3,
        "victims_identified.male_child": 1,
        "victims_identified.male_adult": 3,
        "victims_referred": 4,  # one part known: 3 unallocated
        "victims_referred.female_child": 1,
        "cases_investigated": 0,
    },
}
SUBMITTED = {
    ("01", "2008BW03"): datetime(2008, 2, 12, 3, 0, tzinfo=UTC),
    ("02", "2009BW27"): datetime(2010, 1, 8, 3, 0, tzinfo=UTC),
}


@pytest.fixture
def reports_db(db: Database) -> Database:
    """Code lists loaded; two submitted reports (REPORTS) and one draft."""
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    with db.session() as session:
        for (province, period), values in REPORTS.items():
            submit(session, "pwg", province, period, values, at=SUBMITTED[(province, period)])
        save_draft(session, "pwg", "03", "2008BW03", {"cases_investigated": 5})
    return db
