"""A newer export that corrects rows replaces exactly what those rows made (issue 3)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.ingest.conftest import count, write_csv
from tipdata.ingest import import_file, parse_mapping
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import Mapping
from tipdata.store import Database, metadata

CASE_MAPPING = """\
source: case_register
name: Case register
agency: MOI
file:
  type: csv
recognise:
  pattern: "case_register*.csv"
  required_columns: [ID, Case, Name, Exploitation]
record_id: ID
value_maps:
  exploitation: {sex: sexual_exploitation, labour: forced_labour, begging: begging}
records:
  - kind: case
    fields:
      case_number: Case
      kind: {const: investigation}
      destination_country: {lookup: country, value: Destination}
      exploitation_types: {split: Exploitation, map: exploitation}
  - kind: person_record
    fields:
      role: {const: victim}
      full_name: Name
      case: {ref: case}
"""
HEADER = ["ID", "Case", "Name", "Exploitation", "Destination"]
ROWS = [
    ["R1", "C-1", "Sok Dara", "sex", "Thailand"],
    ["R2", "C-1", "Keo Lina", "sex", "Thailand"],
    ["R3", "C-2", "Mao Maly", "labour; begging", "Vietnam"],
]


def _mapping(tmp_path: Path) -> Mapping:
    return parse_mapping(CASE_MAPPING, tmp_path / "case_register.yaml")


def _import(db: Database, lookups: Lookups, path: Path, rows: list[list[str]], m: Mapping) -> None:
    result = import_file(db, write_csv(path, rows, HEADER), mapping=m, lookups=lookups)
    assert result.status == "committed", [str(i) for i in result.issues]


def _cases(db: Database) -> dict[str, tuple[str | None, str | None, list[tuple[str, str]]]]:
    """case number -> (destination, creating row, sorted [(form, stating row)])."""
    t = metadata.tables
    case, sr, ce = t["case"], t["source_record"], t["case_exploitation"]
    creator = sr.alias("creator")
    with db.connect() as connection:
        cases = connection.execute(
            sa.select(
                case.c.id, case.c.case_number, case.c.destination_country, creator.c.source_key
            ).outerjoin(creator, creator.c.id == case.c.source_record_id)
        ).all()
        forms = connection.execute(
            sa.select(ce.c.case_id, ce.c.exploitation_type, sr.c.source_key).join(
                sr, sr.c.id == ce.c.source_record_id
            )
        ).all()
    return {
        number: (
            destination,
            key,
            sorted((form, row) for case_id, form, row in forms if case_id == id_),
        )
        for id_, number, destination, key in cases
    }


def test_a_corrected_exploitation_type_replaces_the_old_one(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    m = _mapping(tmp_path)
    _import(ref_db, lookups, tmp_path / "case_register_1.csv", ROWS, m)
    assert _cases(ref_db) == {
        "C-1": ("THA", "R1", [("sexual_exploitation", "R1"), ("sexual_exploitation", "R2")]),
        "C-2": ("VNM", "R3", [("begging", "R3"), ("forced_labour", "R3")]),
    }

    newer = [list(r) for r in ROWS]
    newer[0][3] = "labour"  # R1: the case's form corrected (R2 still says sex)
    newer[2][3] = "labour"  # R3: begging was a mistake
    _import(ref_db, lookups, tmp_path / "case_register_2.csv", newer, m)

    assert _cases(ref_db) == {
        "C-1": ("THA", "R1", [("forced_labour", "R1"), ("sexual_exploitation", "R2")]),
        "C-2": ("VNM", "R3", [("forced_labour", "R3")]),
    }

    newest = [list(r) for r in newer]
    newest[1][3] = "labour"  # R2 follows: sexual exploitation is gone from C-1
    _import(ref_db, lookups, tmp_path / "case_register_3.csv", newest, m)
    assert _cases(ref_db)["C-1"] == (
        "THA",
        "R1",
        [("forced_labour", "R1"), ("forced_labour", "R2")],
    )


def test_a_corrected_case_number_leaves_no_case_behind(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    m = _mapping(tmp_path)
    _import(ref_db, lookups, tmp_path / "case_register_1.csv", ROWS, m)

    newer = [list(r) for r in ROWS]
    newer[2][1] = "C-3"  # R3 alone made C-2: C-2 goes
    newer[0][1] = "C-4"  # R1 made C-1, R2 still refers to it: C-1 stays, now R2's
    newer[0][4] = "Malaysia"
    _import(ref_db, lookups, tmp_path / "case_register_2.csv", newer, m)

    assert _cases(ref_db) == {
        "C-1": ("THA", "R2", [("sexual_exploitation", "R2")]),
        "C-3": ("VNM", "R3", [("begging", "R3"), ("forced_labour", "R3")]),
        "C-4": ("MYS", "R1", [("sexual_exploitation", "R1")]),
    }
    assert count(ref_db, "case_person") == 3
    assert count(ref_db, "person_record") == 3

    # R2 moves too: C-1 has no row left and goes; its new case is made by R2
    newest = [list(r) for r in newer]
    newest[1][1] = "C-4"
    _import(ref_db, lookups, tmp_path / "case_register_3.csv", newest, m)
    assert sorted(_cases(ref_db)) == ["C-3", "C-4"]
    assert _cases(ref_db)["C-4"] == (
        "MYS",
        "R1",
        [("sexual_exploitation", "R1"), ("sexual_exploitation", "R2")],
    )
    with ref_db.connect() as connection:
        t = metadata.tables
        linked = connection.execute(
            sa.select(t["case"].c.case_number, sa.func.count())
            .join(t["case_person"], t["case_person"].c.case_id == t["case"].c.id)
            .group_by(t["case"].c.case_number)
            .order_by(t["case"].c.case_number)
        ).all()
    assert [tuple(r) for r in linked] == [("C-3", 1), ("C-4", 2)]
