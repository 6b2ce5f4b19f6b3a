"""A linkage run stores the merges it made below the confident level, in their parts."""

from __future__ import annotations

import sqlalchemy as sa

from tests.linkage.conftest import LinkedPeople
from tipdata.linkage.clusters import CONFIDENT
from tipdata.linkage.storing import _store_uncertain_merges
from tipdata.reporting.splits import load_splits
from tipdata.reporting.uncertainty import part_key
from tipdata.store import Database, metadata


def stored(db: Database) -> tuple[dict[int, int], dict[tuple[int, int], float]]:
    t = metadata.tables
    with db.connect() as connection:
        parts = dict(
            connection.execute(
                sa.select(t["merge_part"].c.person_record_id, t["merge_part"].c.part_id)
            ).all()
        )
        merges = {
            (a, b): p
            for a, b, p in connection.execute(
                sa.select(
                    t["uncertain_merge"].c.left_part_id,
                    t["uncertain_merge"].c.right_part_id,
                    t["uncertain_merge"].c.match_probability,
                )
            )
        }
    return parts, merges


def records_by_person(person: dict[int, int]) -> dict[int, list[int]]:
    """Person id -> its record ids, ascending (from :func:`persons_of`)."""
    held: dict[int, list[int]] = {}
    for record, person_id in sorted(person.items()):
        held.setdefault(person_id, []).append(record)
    return held


def persons_of(db: Database) -> dict[int, int]:
    record = metadata.tables["person_record"]
    with db.connect() as connection:
        return dict(connection.execute(sa.select(record.c.id, record.c.person_id)).all())


def test_a_full_run_stores_only_merges_below_the_confident_level_within_one_person(
    linked_people: LinkedPeople,
) -> None:
    db, run = linked_people.db, linked_people.first
    parts, merges = stored(db)
    person = persons_of(db)
    for (left, right), probability in merges.items():
        assert run.threshold <= probability < CONFIDENT
        assert left < right and person[left] == person[right]
        assert parts[left] == left and parts[right] == right
    # every record of a split person names its part, a record of its own person
    for record, part in parts.items():
        assert person[record] == person[part]
        assert {r for r, p in person.items() if p == person[record]} <= set(parts)


def test_stored_merges_are_replaced_by_a_full_run_and_only_in_scope_by_an_incremental_one(
    linked_people: LinkedPeople,
) -> None:
    db = linked_people.db
    person = persons_of(db)
    held = records_by_person(person)
    (a, b, *_), (c, d, *_) = [records for records in held.values() if len(records) >= 2][:2]
    with db.session() as session:  # a full run: every row replaced
        _store_uncertain_merges(session, {a: a, b: b, c: c, d: c}, {(a, b): 0.7}, None)
    parts, merges = stored(db)
    assert parts == {a: a, b: b, c: c, d: c} and merges == {(a, b): 0.7}
    with db.session() as session:  # an incremental run re-clustering c and d only
        _store_uncertain_merges(session, {}, {}, {c, d} | set(held[person[c]]))
    assert stored(db) == ({a: a, b: b}, {(a, b): 0.7})
    with db.session() as session:  # one re-clustering a's person
        _store_uncertain_merges(session, {}, {}, set(held[person[a]]))
    assert stored(db) == ({}, {})


def test_the_ranges_read_a_stored_merge_as_two_parts_of_one_person(
    linked_people: LinkedPeople,
) -> None:
    db = linked_people.db
    person = persons_of(db)
    held = records_by_person(person)
    records = next(r for r in held.values() if len(r) == 2)
    a, b = records
    with db.session() as session:
        _store_uncertain_merges(session, {a: a, b: b}, {(a, b): 0.7}, None)
    splits = load_splits(db)
    assert splits.parts == {a: part_key(a), b: part_key(b)}
    assert splits.merges == ((part_key(a), part_key(b), 0.7),)
    assert splits.person_of_part == {part_key(a): person[a], part_key(b): person[a]}
    assert set(splits.part_people) == {part_key(a), part_key(b)}
