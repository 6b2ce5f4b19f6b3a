"""Stored linkage keys: an incremental run on the hashes scores what a run over all records does."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from splink import Linker

from tests.linkage.conftest import PEOPLE, AddRecords, LinkedPeople
from tests.linkage.test_service import (
    GROUPS_WITH_NEW_DELIVERY,
    NEW_DELIVERY,
    groups,
    persons_by_key,
)
from tipdata.access.linkage_keys import linkage_key_hasher
from tipdata.access.protected import keyring_for
from tipdata.linkage.blocking import (
    KEY_FORMAT,
    KEY_LAYOUT,
    candidate_ids,
    hashed_keys,
    load_link_index,
    rule_columns,
    unpack_keys,
)
from tipdata.linkage.engines import DuckDBEngine
from tipdata.linkage.features import linkage_table, load_person_records
from tipdata.linkage.scoring import _incremental_records, _score_incremental
from tipdata.linkage.service import link
from tipdata.linkage.stored_model import default_model
from tipdata.store import Database, PersonRecord, PersonRecordLinkKey

MORE_EXISTING: list[tuple[str, str, str, str, str, int, str | None]] = [
    ("court", "C-20", "victim", "Sok Chanthy", "female", 1980, "04"),
    ("court", "C-21", "victim", "Sok Chanthy", "female", 1975, "01"),
    ("shelter", "S-22", "victim", "Nguyen Lan", "female", 1960, "02"),
    ("court", "C-23", "returnee", "Chhun Dara", "male", 1993, "09"),
]
"""Common names again, so that term frequencies differ from one record to another."""


def link_key_rows(db: Database) -> dict[int, tuple[Any, ...]]:
    table = PersonRecordLinkKey.__table__
    with db.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c.person_record_id)).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_a_full_run_stores_keyed_hashes_of_every_record(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db  # PEOPLE linked by one full run
    ids = linked_people.ids

    hasher = linkage_key_hasher(linkage_db)
    rows = link_key_rows(linkage_db)
    assert sorted(rows) == sorted(ids)
    assert {version for version, _keys in rows.values()} == {hasher.fingerprint(KEY_FORMAT)}
    keys, stored = unpack_keys(packed for _version, packed in rows.values())
    assert stored.all()
    # P-1 "Sok Chanthy", 1991: romanised and sorted, "chanti suk".
    assert keys[0].tolist() == (
        hasher.hash("name_sorted_key", "chanti suk"),
        hasher.hash("name_letters_key", "achiknstu"),
        hasher.hash("name_first_key", "chanti"),
        hasher.hash("name_last_key", "suk"),
        hasher.hash("name_skeleton_key", "cknst"),
        hasher.hash("name_prefix_key", "chan suk"),
        0,  # no identity document
        1991,
        1991,
        0,  # a birth year only: no day and month
        0,  # no contact
        0,  # no village
        0,  # no district
    )
    # No name, in any spelling, is stored in clear.
    assert all(b"chanti" not in packed.lower() for _version, packed in rows.values())


def test_keys_go_with_their_person_record(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    ids = linked_people.ids

    with linkage_db.session() as session:
        session.execute(sa.delete(PersonRecord).where(PersonRecord.id == ids[0]))

    assert sorted(link_key_rows(linkage_db)) == sorted(ids[1:])


@pytest.mark.parametrize("stored", ["kept", "missing", "stale"])
def test_an_incremental_run_gives_the_same_persons_whatever_keys_are_stored(
    linked_people: LinkedPeople, stored: str
) -> None:
    linkage_db = linked_people.db
    add_records = linked_people.add_records
    add_records(NEW_DELIVERY)
    table = PersonRecordLinkKey.__table__
    with linkage_db.session() as session:
        if stored == "missing":
            session.execute(table.delete())
        elif stored == "stale":
            session.execute(table.update().values(key_version=7, keys=bytes(KEY_LAYOUT.itemsize)))

    run = link(linkage_db, mode="incremental", actor=None)

    assert (run.records, run.new_records, run.persons, run.persons_created) == (14, 4, 7, 1)
    assert groups(persons_by_key(linkage_db)) == GROUPS_WITH_NEW_DELIVERY
    version = linkage_key_hasher(linkage_db).fingerprint(KEY_FORMAT)
    rows = link_key_rows(linkage_db)
    assert len(rows) == 14 and {row[0] for row in rows.values()} == {version}
    assert all(len(row[1]) == KEY_LAYOUT.itemsize for row in rows.values())


def _pairs(frame: pd.DataFrame) -> dict[tuple[int, int], float]:
    return {
        (min(int(a), int(b)), max(int(a), int(b))): round(float(w), 9)
        for a, b, w in zip(
            frame["unique_id_l"], frame["unique_id_r"], frame["match_weight"], strict=True
        )
    }


def test_incremental_scores_are_those_of_splink_over_every_decrypted_record(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(PEOPLE + MORE_EXISTING)
    link(linkage_db, mode="full", actor=None)
    add_records(NEW_DELIVERY)
    model = default_model()  # with term frequencies (a small run turns them off)
    assert rule_columns(r["blocking_rule"] for r in model["blocking_rules_to_generate_predictions"])
    # The reference: every record decrypted, Splink's own term-frequency tables.
    reference_engine = DuckDBEngine()
    records = load_person_records(linkage_db)
    everything = linkage_table(records)
    new = records["person_id"].isna().to_numpy()
    linker = Linker(reference_engine.register(everything, "everything"), model)
    for column in ("name_sorted_key", "province_code"):
        linker.table_management.compute_tf_table(column)
    new_records = reference_engine.register(everything[new], "new")
    expected = pd.concat(
        [
            reference_engine.to_pandas(
                linker.inference.predict_between(
                    new_records, reference_engine.register(everything[~new], "old")
                )
            ),
            reference_engine.to_pandas(linker.inference.predict_within(new_records)),
        ]
    )

    engine = DuckDBEngine()
    hasher = linkage_key_hasher(linkage_db)
    index, table, _since = _incremental_records(
        linkage_db,
        engine,
        model,
        keyring_for(linkage_db),
        hasher,
        hasher.fingerprint(KEY_FORMAT),
        lambda _step, since: since,
        0.0,
    )
    found = _score_incremental(
        engine,
        table,
        index,
        model,
        1e-12,
        lambda _step, _done, _total: None,
    )

    assert len(index) == 18 and len(expected) >= 5
    assert _pairs(found) == _pairs(expected)
    # Only the new records and the existing ones they share a blocking key with were read.
    scored = set(table["unique_id"])
    assert scored == set(expected["unique_id_l"]) | set(expected["unique_id_r"]) | set(
        everything["unique_id"][new]
    )
    assert len(scored) < len(index)
    # Term frequencies changed the weights (else this test would not check them).
    adjustments = found[["mw_tf_adj_name", "mw_tf_adj_province_code"]].fillna(0.0)
    assert (adjustments != 0.0).any().all()
    reference_engine.close()
    engine.close()


def test_candidates_on_hashes_are_the_records_blocking_pairs_with_a_new_one(
    linked_people: LinkedPeople,
) -> None:
    linkage_db = linked_people.db
    ids = linked_people.ids
    hasher = linkage_key_hasher(linkage_db)
    index = load_link_index(linkage_db, hasher.fingerprint(KEY_FORMAT))
    assert index["has_keys"].all()
    keys = hashed_keys(linkage_table(load_person_records(linkage_db)), hasher)
    for column in ("name_sorted_key", "name_last_key", "birth_year_low"):
        assert index[column].tolist() == keys[column].tolist()
    new = (index["unique_id"] == ids[0]).to_numpy()  # P-1 Sok Chanthy, 1991, province 01
    engine = DuckDBEngine()

    def candidates(rule: str) -> list[int]:
        return candidate_ids(engine, index, new, [rule]).tolist()

    # M-1 "Sok Chantey" 1991 and S-1 "Chanthi Sok" 1990, both in province 01, romanise
    # to the same words ("chanti suk"); no other record shares a word with them.
    assert candidates(
        "l.name_first_key = r.name_first_key AND l.province_code = r.province_code"
    ) == [
        ids[1],
        ids[2],
    ]
    assert candidates("l.name_sorted_key = r.name_sorted_key AND l.birth_year = r.birth_year") == [
        ids[1]
    ]
    assert candidates("l.name_last_key = r.name_last_key AND r.role = 'suspect'") == []
    engine.close()
