"""Import pipeline: storing, re-import, updates with history, quarantine, dry run, provenance."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import GOOD_ROWS, TEST_HEADER, count, fingerprints, people, write_csv
from tipdata.access.protected import keyring_for
from tipdata.ingest import (
    ProvenanceError,
    import_directory,
    import_file,
    list_import_runs,
    parse_fact_id,
    provenance,
)
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import Mapping
from tipdata.ingest.pipeline import UnrecognisedFileError
from tipdata.store import Database, metadata


def _people(db: Database) -> list[tuple[object, ...]]:
    rows = people(db, "full_name", "sex", "role", "province_code", "age_years", "birth_year")
    return sorted(rows, key=lambda row: str(row[0]))


def test_import_stores_every_record(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    path = write_csv(tmp_path / "test_register_2019.csv", GOOD_ROWS)
    result = import_file(ref_db, path, mapping=test_mapping, lookups=lookups, imported_by="officer")

    assert result.status == "committed"
    assert (result.rows_read, result.rows_stored, result.rows_rejected) == (3, 3, 0)
    assert _people(ref_db) == [
        ("Chan Vuthy", "male", "suspect", "08", 41, None),
        ("Keo Lina", "female", "victim", "03", None, 1990),
        ("Sok Dara", "female", "victim", "12", 16, None),
    ]
    assert count(ref_db, "source_record") == 3
    assert count(ref_db, "source_record_version") == 0  # only replaced payloads go there
    assert count(ref_db, "case") == 1  # C-1 is shared by two rows; the third row has none
    assert count(ref_db, "case_person") == 2
    assert count(ref_db, "event") == 3
    [run] = list_import_runs(ref_db, actor=None)
    assert (run.status, run.rows_read, run.rows_stored, run.imported_by) == (
        "committed",
        3,
        3,
        "officer",
    )


def test_reimport_is_a_no_op(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    path = write_csv(tmp_path / "test_register_2019.csv", GOOD_ROWS)
    first = import_file(ref_db, path, mapping=test_mapping, lookups=lookups)
    before = fingerprints(ref_db)

    again = import_file(ref_db, path, mapping=test_mapping, lookups=lookups)

    assert again.status == "unchanged"
    assert (again.rows_read, again.rows_unchanged, again.rows_stored, again.rows_updated) == (
        3,
        3,
        0,
        0,
    )
    assert again.previous_run_id == first.import_run_id
    assert "nothing new" in again.summary()
    assert fingerprints(ref_db) == before


def test_newer_export_updates_exactly_the_changed_rows(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    first = import_file(
        ref_db,
        write_csv(tmp_path / "test_register_1.csv", GOOD_ROWS),
        mapping=test_mapping,
        lookups=lookups,
    )
    newer = [list(r) for r in GOOD_ROWS]
    newer[1][TEST_HEADER.index("Age")] = "42"  # R2 corrected
    newer.append(["R4", "V", "Mao Maly", "F", "12", "Takeo", "C-1", "06/06/2019"])  # new
    second = import_file(
        ref_db,
        write_csv(tmp_path / "test_register_2.csv", newer),
        mapping=test_mapping,
        lookups=lookups,
    )

    assert (second.rows_stored, second.rows_updated, second.rows_unchanged) == (1, 1, 2)
    assert count(ref_db, "source_record") == 4
    assert count(ref_db, "person_record") == 4  # replaced, not duplicated
    assert count(ref_db, "event") == 4
    assert count(ref_db, "case") == 1
    assert ("Chan Vuthy", "male", "suspect", "08", 42, None) in _people(ref_db)

    sr = metadata.tables["source_record"]
    with ref_db.connect() as connection:
        versions = dict(connection.execute(sa.select(sr.c.source_key, sr.c.version)).all())
        person_id = connection.execute(
            sa.select(metadata.tables["person_record"].c.id).where(
                metadata.tables["person_record"].c.full_name_bidx
                == keyring_for(ref_db).blind_index.index("Chan Vuthy")
            )
        ).scalar_one()
    assert versions == {"R1": 1, "R2": 2, "R3": 1, "R4": 1}
    assert count(ref_db, "source_record_version") == 1

    trace = provenance(ref_db, "person_record", person_id, actor=None)
    assert (trace.source, trace.source_key, trace.file_name, trace.row_number) == (
        "test_register",
        "R2",
        "test_register_2.csv",
        3,
    )
    assert trace.import_run_id == second.import_run_id
    assert trace.first_import_run_id == first.import_run_id
    assert [(v.version, v.file_name, v.payload["Age"]) for v in trace.history] == [
        (1, "test_register_1.csv", "41"),
        (2, "test_register_2.csv", "42"),
    ]
    runs = list_import_runs(ref_db, actor=None)
    assert [(r.rows_stored, r.rows_updated, r.rows_unchanged) for r in runs] == [
        (1, 1, 2),
        (3, 0, 0),
    ]


def test_accept_valid_rows_quarantines_the_rest(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][TEST_HEADER.index("Sex")] = "Q"
    rows[2][TEST_HEADER.index("Province")] = "Atlantis"
    path = write_csv(tmp_path / "test_register_q.csv", rows)

    result = import_file(
        ref_db,
        path,
        mapping=test_mapping,
        lookups=lookups,
        accept_valid_rows=True,
        quarantine_dir=tmp_path / "q",
    )

    assert result.status == "committed"
    assert (result.rows_stored, result.rows_rejected) == (1, 2)
    assert count(ref_db, "person_record") == 1
    assert result.quarantine_file == tmp_path / "q" / "test_register_q.rejected.csv"
    assert result.quarantine_file.stat().st_mode & 0o777 == 0o600  # victims' data: owner only
    with result.quarantine_file.open(encoding="utf-8", newline="") as handle:
        quarantined = list(csv.reader(handle))
    assert quarantined[0] == ["row", "column", "value", "error", *TEST_HEADER]
    assert [q[:3] for q in quarantined[1:]] == [["3", "Sex", "Q"], ["4", "Province", "Atlantis"]]
    assert "not in value map 'sex'" in quarantined[1][3]
    assert "unknown province 'Atlantis'" in quarantined[2][3]
    assert quarantined[1][4:] == rows[1]
    [run] = list_import_runs(ref_db, actor=None)
    assert (run.rows_stored, run.rows_rejected) == (1, 2)


def test_dry_run_stores_nothing(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    path = write_csv(tmp_path / "test_register_d.csv", GOOD_ROWS)
    before = fingerprints(ref_db)
    result = import_file(ref_db, path, mapping=test_mapping, lookups=lookups, dry_run=True)
    assert (result.status, result.rows_stored, result.dry_run) == ("validated", 3, True)
    assert fingerprints(ref_db) == before


def test_directory_recognises_files_and_refuses_strangers(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    write_csv(delivery / "test_register_2019.csv", GOOD_ROWS)
    results = import_directory(ref_db, delivery, mappings=[test_mapping])
    assert [(r.source, r.status, r.rows_stored) for r in results] == [
        ("test_register", "committed", 3)
    ]

    write_csv(delivery / "mystery_export.csv", [["1"]], ["Whatever"])
    before = fingerprints(ref_db)
    with pytest.raises(UnrecognisedFileError) as caught:
        import_directory(ref_db, delivery, mappings=[test_mapping])
    message = str(caught.value)
    assert "mystery_export.csv: no mapping recognises this file" in message
    assert "known sources:" in message and "test_register" in message
    assert "iom_poipet_screening" in message
    assert fingerprints(ref_db) == before


def test_progress_is_reported(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    seen: list[tuple[str, int, int]] = []
    path = write_csv(tmp_path / "test_register_p.csv", GOOD_ROWS)
    import_file(
        ref_db,
        path,
        mapping=test_mapping,
        lookups=lookups,
        progress=lambda step, done, total: seen.append((step, done, total)),
    )
    assert seen[0] == ("importing", 3, 3)
    assert seen[-1] == ("committing", 3, 3)


def test_provenance_errors(ref_db: Database) -> None:
    with pytest.raises(ProvenanceError, match="no event with id 99"):
        provenance(ref_db, "event", 99, actor=None)
    assert parse_fact_id("event:42") == ("event", 42)
    assert parse_fact_id("person_record/7") == ("person_record", 7)
    with pytest.raises(ProvenanceError, match="not understood"):
        parse_fact_id("spaceship:1")
