"""Screening: the scoring rule, recording through the service, the person's determination."""

from __future__ import annotations

from datetime import date

import pytest

from tests.legal.conftest import Rows
from tipdata.model.enums import Determination, PersonRole
from tipdata.screening import (
    ScreeningError,
    determine,
    get_screening,
    record_screening,
    suggest_determination,
)
from tipdata.store import Database


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"minor_in_commercial_sex": "yes"}, "victim"),
        ({"deceived_recruitment": "yes", "documents_confiscated": "yes"}, "victim"),
        ({"debt_bondage": "yes", "threats": "no"}, "possible_victim"),
        ({"wages_withheld": "yes", "threats": "yes"}, "possible_victim"),
        ({"wages_withheld": "yes", "threats": "no", "debt_bondage": "no"}, "not_victim"),
        (
            {
                code: "unknown"
                for code in (
                    "debt_bondage",
                    "threats",
                    "wages_withheld",
                    "movement_restricted",
                    "deceived_recruitment",
                )
            },
            "possible_victim",
        ),
        ({}, "possible_victim"),
    ],
)
def test_scoring_rule(answers: dict[str, str], expected: str) -> None:
    suggestion = suggest_determination(answers)
    assert suggestion.determination.value == expected
    assert suggestion.reason


def test_record_and_determine(rows: Rows, ref_db: Database) -> None:
    record = rows.record("IOM", PersonRole.RETURNEE)
    rows.session.commit()
    with ref_db.session() as session:
        result = record_screening(
            session,
            person_record_id=record,
            agency="IOM",
            screening_date=date(2008, 3, 7),
            answers={"deceived_recruitment": "yes", "debt_bondage": "yes", "threats": "no"},
            entered_by="screener1",
        )
        session.commit()
        assert result.suggestion.determination == Determination.VICTIM
        assert result.final_determination is None
        decided = determine(session, result.screening_id, "possible_victim", "DOSAVY officer Sok")
        session.commit()
        again = get_screening(session, result.screening_id)
    assert decided.final_determination == Determination.POSSIBLE_VICTIM
    assert (again.determined_by, again.answers["threats"]) == ("DOSAVY officer Sok", "no")


def test_unknown_indicator_and_anonymous_decision_are_refused(rows: Rows, ref_db: Database) -> None:
    record = rows.record("IOM", PersonRole.RETURNEE)
    rows.session.commit()
    with ref_db.session() as session:
        with pytest.raises(ScreeningError, match="not indicators"):
            record_screening(
                session,
                person_record_id=record,
                agency="IOM",
                screening_date=None,
                answers={"looks_sad": "yes"},
            )
        result = record_screening(
            session,
            person_record_id=record,
            agency="IOM",
            screening_date=None,
            answers={"threats": "yes"},
        )
        with pytest.raises(ScreeningError, match="names the person"):
            determine(session, result.screening_id, "victim", "  ")
