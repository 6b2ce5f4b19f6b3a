"""Screening answers imported from the IOM log: an explicit "no" is stored as no (issue 3)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.ingest.conftest import load_reference_data, write_csv
from tipdata.ingest import import_file
from tipdata.screening import get_screening
from tipdata.store import Database, metadata

INDICATORS = [
    "deceived_recruitment",
    "debt_bondage",
    "documents_confiscated",
    "movement_restricted",
    "wages_withheld",
    "threats",
    "minor_in_commercial_sex",
]
HEADER = [
    "Screening No",
    "Screening Date",
    "Site",
    "Returned From",
    "Name",
    "Sex",
    "Age",
    "Province of Origin",
    *INDICATORS,
    "Determination",
]
ROWS = [
    ["IOM-1", "01-Jan-2008", "Poipet", "Thailand", "Sok Dara", "F", "23", "Kandal",
     "yes", "no", "no", "N", "", "unknown", "no", "possible victim"],
    ["IOM-2", "02-Jan-2008", "Poipet", "Thailand", "Keo Lina", "F", "30", "Takeo",
     "", "", "", "", "", "", "", "not victim"],
]  # fmt: skip


def test_explicit_no_is_stored_and_empty_is_missing(db: Database, tmp_path: Path) -> None:
    load_reference_data(db)
    path = write_csv(tmp_path / "iom_poipet_screening_2008.csv", ROWS, HEADER)
    result = import_file(db, path, source="iom_poipet_screening")
    assert result.status == "committed", [str(i) for i in result.issues]

    screening = metadata.tables["screening"]
    with db.connect() as connection:
        ids = connection.execute(sa.select(screening.c.id).order_by(screening.c.id)).scalars()
        first, second = list(ids)
    with db.session() as session:
        answered = get_screening(session, first)
        unanswered = get_screening(session, second)
    assert answered.answers == {
        "deceived_recruitment": "yes",
        "debt_bondage": "no",
        "documents_confiscated": "no",
        "movement_restricted": "no",
        "threats": "unknown",
        "minor_in_commercial_sex": "no",
    }
    assert unanswered.answers == {}
    # "no" is a known answer: only the one "unknown" counts as unknown for the rule
    assert answered.suggestion.unknown == ("threats",)
