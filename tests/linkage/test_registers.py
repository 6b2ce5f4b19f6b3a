"""Registers stay apart: two rows of a register that lists people once stay two people.

Each test links tiny inline records of its own (``tests/linkage/conftest.py``).
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.linkage.conftest import AddRecords
from tests.linkage.test_service import groups, persons_by_key
from tipdata.linkage.service import decide_pair, link, review_queue
from tipdata.store import Database, Source


def test_two_rows_of_a_register_that_lists_people_once_stay_two_people(
    linkage_db: Database, add_records: AddRecords
) -> None:
    # Two women of one ministry register with the same name and birth year, and a
    # shelter record that matches both: without the register rule they chain into one.
    add_records(
        [
            ("mosavy", "M-1", "victim", "Bui Thi Lan", "female", 1990, "02"),
            ("mosavy", "M-2", "victim", "Bui Thi Lan", "female", 1990, "02"),
            ("shelter", "S-1", "victim", "Bui Lan", "female", 1990, "02"),
            ("police", "P-9", "victim", "Chhun Dara", "male", 1993, "03"),
        ]
    )

    run = link(linkage_db, actor=None)

    assigned = persons_by_key(linkage_db)
    assert assigned["M-1"] != assigned["M-2"]
    assert run.persons == 3
    queued = review_queue(linkage_db, actor=None)
    one_register = [item for item in queued if {item.left, item.right} and item.evidence]
    assert any(
        item.evidence["name"]["name_clean"] == ["bui thi lan", "bui thi lan"]
        for item in one_register
    ), "the two rows of one register are queued: a reviewer may say it is one entry twice"


def test_a_reviewer_joins_two_rows_of_one_register(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(
        [
            ("mosavy", "M-1", "victim", "Bui Thi Lan", "female", 1990, "02"),
            ("mosavy", "M-2", "victim", "Bui Thi Lan", "female", 1990, "02"),
        ]
    )
    link(linkage_db, actor=None)
    (queued,) = review_queue(linkage_db, actor=None)  # one register: queued, not linked
    assert persons_by_key(linkage_db)["M-1"] != persons_by_key(linkage_db)["M-2"]

    decide_pair(linkage_db, queued.pair_id, "same", actor=None, expected_status="pending")
    link(linkage_db, actor=None)

    assigned = persons_by_key(linkage_db)
    assert assigned["M-1"] == assigned["M-2"]


def test_a_register_that_repeats_people_may_hold_one_person_twice(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(
        [
            ("iom", "I-1", "victim", "Sok Chanthy", "female", 1991, "01"),
            ("iom", "I-2", "victim", "Sok Chanthy", "female", 1991, "01"),
        ]
    )
    with linkage_db.session() as session:
        session.execute(sa.update(Source).where(Source.code == "iom").values(repeats_people=True))

    link(linkage_db, actor=None)

    assigned = persons_by_key(linkage_db)
    assert groups(assigned) == {frozenset({"I-1", "I-2"})}
