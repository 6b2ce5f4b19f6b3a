"""Linking inline records: stable ids, decisions that survive re-runs, incremental links."""

from __future__ import annotations

import sqlalchemy as sa

from tests.linkage.conftest import TRUE_PERSON, LinkedPeople
from tipdata.linkage.service import (
    decide_pair,
    link,
    merge_persons,
    person_details,
    review_queue,
    split_person,
)
from tipdata.store import (
    AuditEvent,
    Database,
    LinkageRun,
    Person,
    PersonEvent,
    PersonRecord,
    SourceRecord,
)


def audit_events(db: Database) -> list[tuple[str, str | None, str | None]]:
    with db.session() as session:
        rows = session.execute(
            sa.select(AuditEvent.action, AuditEvent.object_type, AuditEvent.detail).order_by(
                AuditEvent.id
            )
        ).all()
    return [(action, kind, detail) for action, kind, detail in rows]


def persons_by_key(db: Database) -> dict[str, int]:
    with db.session() as session:
        rows = session.execute(
            sa.select(SourceRecord.source_key, PersonRecord.person_id).join(
                SourceRecord, SourceRecord.id == PersonRecord.source_record_id
            )
        ).all()
    return {key: person for key, person in rows}


def groups(assigned: dict[str, int]) -> set[frozenset[str]]:
    found: dict[int, set[str]] = {}
    for key, person in assigned.items():
        found.setdefault(person, set()).add(key)
    return {frozenset(keys) for keys in found.values()}


TRUE_GROUPS = groups(TRUE_PERSON)
GROUPS_WITH_NEW_DELIVERY = TRUE_GROUPS - {
    frozenset({"P-1", "M-1", "S-1"}),
    frozenset({"P-2", "M-2"}),
} | {
    frozenset({"P-1", "M-1", "S-1", "C-1"}),
    frozenset({"P-2", "M-2", "C-2"}),
    frozenset({"C-9", "S-9"}),
}
"""The people once :data:`NEW_DELIVERY` is linked: C-1, C-2 join, C-9 and S-9 are one."""


def test_link_finds_the_people_and_ids_stay_across_a_rerun(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    first = linked_people.first  # PEOPLE linked by one full run

    assigned = persons_by_key(linkage_db)
    second = link(linkage_db, mode="full", actor=None)

    assert groups(assigned) == TRUE_GROUPS
    assert (first.records, first.persons, first.persons_created) == (10, 6, 6)
    assert persons_by_key(linkage_db) == assigned
    assert (second.persons_created, second.persons_merged, second.persons_split) == (0, 0, 0)
    with linkage_db.session() as session:
        run = session.get(LinkageRun, first.run_id)
        assert run is not None and run.model is not None
        assert run.model["comparisons"][0]["output_column_name"] == "name"
        kinds = session.scalars(sa.select(PersonEvent.kind)).all()
    assert [k.value for k in kinds] == ["create"] * 6


def test_a_reviewers_decision_survives_a_rerun(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    before = persons_by_key(linkage_db)
    pair = _manual_pair_between(linkage_db, "P-1", "S-1")

    decide_pair(
        linkage_db, pair, "different", actor=None, reviewer="officer", reason="different mothers"
    )
    link(linkage_db, mode="full", actor=None)
    after = persons_by_key(linkage_db)

    assert after["P-1"] != after["S-1"]
    assert after["P-1"] == before["P-1"]  # the larger part keeps the id
    assert after["P-2"] == before["P-2"] and after["P-4"] == before["P-4"]
    decided = review_queue(linkage_db, actor=None, status="different")
    assert [d.decisions[0][:2] for d in decided] == [("different", "officer")]
    assert audit_events(linkage_db) == [
        ("link_decision", "review_pair", '{"change": "review", "decision": "different"}'),
        ("read_protected", "review_pair", '{"pairs": 1, "status": "different"}'),
    ]


def _manual_pair_between(db: Database, key_a: str, key_b: str) -> int:
    """Queue a pair the way the model does, and return its id."""
    from tipdata.store import ReviewPair

    with db.session() as session:
        ids = dict(
            session.execute(
                sa.select(SourceRecord.source_key, SourceRecord.id).where(
                    SourceRecord.source_key.in_([key_a, key_b])
                )
            ).all()
        )
        owner = session.scalar(sa.select(Person.owner_agency_id).limit(1))
        left, right = sorted([ids[key_a], ids[key_b]])
        pair = ReviewPair(
            owner_agency_id=owner,
            origin="model",
            left_source_record_id=left,
            left_role="victim",
            right_source_record_id=right,
            right_role="victim",
            match_probability=0.5,
            match_weight=0.0,
        )
        session.add(pair)
        session.flush()
        return pair.id


def test_incremental_import_links_to_existing_persons(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    add_records = linked_people.add_records
    before = persons_by_key(linkage_db)

    add_records([("court", "C-1", "victim", "Chanthy Sok", "female", 1991, "01"),
                 ("court", "C-9", "victim", "Ly Bopha", "female", 1999, "08")])  # fmt: skip
    run = link(linkage_db, actor=None)

    after = persons_by_key(linkage_db)
    assert run.mode == "incremental" and run.new_records == 2
    assert after["C-1"] == before["P-1"]
    assert after["C-9"] not in before.values()
    assert {k: after[k] for k in before} == before


NEW_DELIVERY: list[tuple[str, str, str, str, str, int, str | None]] = [
    ("court", "C-1", "victim", "Chanthy Sok", "female", 1991, "01"),
    ("court", "C-2", "victim", "Nguyen Thi Lan", "female", 1988, "02"),
    ("court", "C-9", "victim", "Ly Bopha", "female", 1999, "08"),
    ("shelter", "S-9", "victim", "Ly Bopha", "female", 1999, "08"),
]


def test_an_incremental_run_gives_the_clusters_of_a_full_run(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    add_records = linked_people.add_records
    add_records(NEW_DELIVERY)

    incremental = link(linkage_db, mode="incremental", actor=None)
    after_incremental = persons_by_key(linkage_db)
    full = link(linkage_db, mode="full", actor=None)

    assert (incremental.records, incremental.new_records) == (14, 4)
    assert (incremental.persons, incremental.persons_created) == (7, 1)
    assert persons_by_key(linkage_db) == after_incremental
    assert groups(after_incremental) == GROUPS_WITH_NEW_DELIVERY
    assert (full.persons, full.persons_created, full.persons_merged, full.persons_split) == (
        7,
        0,
        0,
        0,
    )


def test_an_incremental_run_applies_a_same_decision_between_untouched_persons(
    linked_people: LinkedPeople,
) -> None:
    linkage_db = linked_people.db
    add_records = linked_people.add_records
    before = persons_by_key(linkage_db)
    decide_pair(linkage_db, _manual_pair_between(linkage_db, "P-5", "M-6"), "same", actor=None)
    add_records([("court", "C-9", "victim", "Ly Bopha", "female", 1999, "08")])

    run = link(linkage_db, mode="incremental", actor=None)
    after = persons_by_key(linkage_db)

    assert after["P-5"] == after["M-6"] == before["P-5"]
    assert {k: after[k] for k in before if k != "M-6"} == {
        k: v for k, v in before.items() if k != "M-6"
    }
    assert (run.persons, run.persons_created, run.persons_merged) == (6, 1, 1)


def test_manual_merge_and_split_hold_on_the_next_run(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    with linkage_db.session() as session:
        public = dict(
            session.execute(
                sa.select(SourceRecord.source_key, Person.public_id)
                .join(PersonRecord, PersonRecord.source_record_id == SourceRecord.id)
                .join(Person, Person.id == PersonRecord.person_id)
            ).all()
        )
        shelter_record = session.scalar(
            sa.select(PersonRecord.id)
            .join(SourceRecord, SourceRecord.id == PersonRecord.source_record_id)
            .where(SourceRecord.source_key == "S-1")
        )
    assert shelter_record is not None

    merge_persons(
        linkage_db,
        public["P-5"],
        public["M-6"],
        actor=None,
        reviewer="officer",
        reason="same ID card",
    )
    new_public = split_person(
        linkage_db,
        public["P-1"],
        [shelter_record],
        actor=None,
        reviewer="officer",
        reason="twin sister",
    )
    link(linkage_db, mode="full", actor=None)

    after = persons_by_key(linkage_db)
    assert after["P-5"] == after["M-6"]
    assert after["S-1"] != after["P-1"]
    view = person_details(linkage_db, new_public, actor=None)
    assert [(r.source_key, r.role) for r in view.records] == [("S-1", "victim")]
    assert view.events[0][:2] == ("manual_split", "twin sister")
    merged = person_details(linkage_db, public["M-6"], actor=None)
    assert merged.status == "merged" and merged.merged_into == public["P-5"]
    assert [(action, kind) for action, kind, _detail in audit_events(linkage_db)] == [
        ("link_decision", "person"),
        ("link_decision", "person"),
        ("read_protected", "person"),
        ("read", "person"),
    ]


def test_two_reviewers_deciding_a_pair_at_once_store_one_decision(
    linked_people: LinkedPeople,
) -> None:
    """The status is checked and changed in one conditional UPDATE: the second reviewer,
    who also saw "pending", is refused instead of being recorded beside the first."""
    import threading

    from tipdata.errors import StorageError
    from tipdata.linkage.service import StaleDecisionError
    from tipdata.store import ReviewDecision

    linkage_db = linked_people.db
    pair = _manual_pair_between(linkage_db, "P-1", "S-1")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def reviewer(decision: str) -> None:
        start.wait()
        try:
            decide_pair(
                linkage_db,
                pair,
                decision,
                actor=None,
                reviewer=decision,
                expected_status="pending",
            )
            outcomes.append("stored")
        except StaleDecisionError:
            outcomes.append("stale")
        except StorageError:  # SQLite: the write lock was not free within its timeout
            outcomes.append("busy")

    threads = [threading.Thread(target=reviewer, args=(d,)) for d in ("same", "different")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 2 and outcomes.count("stored") == 1
    with linkage_db.session() as session:
        decisions = session.scalars(
            sa.select(ReviewDecision.reviewer).where(ReviewDecision.pair_id == pair)
        ).all()
    assert len(decisions) == 1

    # a reviewer who saw the old status is refused; one who saw the new one may change it
    try:
        decide_pair(linkage_db, pair, "same", actor=None, expected_status="pending")
    except StaleDecisionError as error:
        assert "another reviewer decided it" in str(error)
    else:
        raise AssertionError("a stale decision was stored")
    winner = decisions[0]  # each reviewer was named after their decision: the status now
    decide_pair(linkage_db, pair, "same", actor=None, expected_status=winner)
