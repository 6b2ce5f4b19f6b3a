"""Identity documents and labour-migration events from mappings in layouts never seen before.

A recruitment company's departure list (passport numbers, national ids), a destination
country's deportation list (the same workers, one with a re-issued passport) and a hotline
log are imported on SQLite and PostgreSQL: documents are stored encrypted and
blind-indexed, found by number, handed to linkage as blind-index values, and the
departures, deportations and hotline reports feed the LMIS tables.
"""

from __future__ import annotations

import csv
import re
import shlex
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from tipdata.access.documents import (
    DocumentKey,
    document_keys,
    find_person_records_by_document,
    read_documents,
)
from tipdata.access.keys import rotate_data_key
from tipdata.access.protected import keyring_for
from tipdata.ingest import import_file, parse_mapping
from tipdata.ingest.lookups import Lookups
from tipdata.reporting.report import TOTAL
from tipdata.reporting.tip import lmis_tables
from tipdata.store import Database, metadata

DEPARTURES = """\
source: kanhchana_departures
name: Kanhchana Workforce departure list
agency: MOLVT
file:
  type: csv
  delimiter: ";"
recognise:
  pattern: "kanhchana_*.csv"
  required_columns: [No, Worker, Gender, Passport, Issued, Expires, ID card, Country, Flight]
record_id: No
open_columns: [Employer]
date_formats: ["%d/%m/%Y"]
value_maps:
  sex: {F: female, M: male}
records:
  - kind: person_record
    name: worker
    fields:
      role: {const: migrant_worker}
      full_name: Worker
      sex: {column: Gender, map: sex}
      passport_number: Passport
      passport_country: {const: KHM}
      passport_issue_date: {date: Issued}
      passport_expiry_date: {date: Expires}
      national_id: ID card
  - kind: event
    fields:
      person_record_id: {ref: worker}
      event_type: {const: departed}
      event_date: {date: Flight}
      destination_country: Country
      company: {const: Kanhchana Workforce}
      contract: Employer
"""

DEPORTATIONS = """\
source: malaysia_deportations
name: Malaysian immigration deportation list
agency: IOM
file:
  type: csv
recognise:
  pattern: "deported_*.csv"
  required_columns: [Ref, Name, Passports, Deported]
record_id: Ref
records:
  - kind: person_record
    name: returnee
    fields:
      role: {const: returnee}
      full_name: Name
      passport_number: {split: Passports, separator: "/"}
  - kind: event
    fields:
      person_record_id: {ref: returnee}
      event_type: {const: deported}
      event_date: {date: Deported}
      destination_country: {const: MYS}
"""

HOTLINE = """\
source: hotline_log
name: Hotline log
agency: CWCC
file:
  type: csv
recognise:
  pattern: "hotline_*.csv"
  required_columns: [Call, Caller about, Country, Company, Date]
record_id: Call
open_columns: [Company]
records:
  - kind: person_record
    name: worker
    fields:
      role: {const: migrant_worker}
      full_name: Caller about
  - kind: event
    fields:
      person_record_id: {ref: worker}
      event_type: {const: hotline_report}
      event_date: {date: Date}
      destination_country: Country
      company: Company
"""

PASSPORT = "N0123456"
PASSPORT_AS_WRITTEN = "n 0123-456"
RE_ISSUED = "N7654321"


def _write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


DEPARTURE_HEADER = ["No", "Worker", "Gender", "Passport", "Issued", "Expires", "ID card",
                    "Country", "Flight", "Employer"]  # fmt: skip
DEPARTURE_ROWS = [
    ["K-1", "Sok Dara", "F", PASSPORT_AS_WRITTEN, "02/01/2008", "01/01/2018", "010 203 040",
     "Malaysia", "15/03/2008", "Seri Garment"],
    ["K-2", "Chan Thida", "F", "N1112223", "", "", "", "Malaysia", "16/03/2008", "Seri Garment"],
    ["K-3", "Keo Vannak", "M", "", "", "", "", "Thailand", "20/04/2008", "Pattaya Fishing"],
]  # fmt: skip


def _import_all(db: Database, folder: Path, lookups: Lookups) -> None:
    files = [
        (DEPARTURES, _write(folder / "kanhchana_2008.csv", DEPARTURE_HEADER, DEPARTURE_ROWS, ";")),
        (DEPORTATIONS, _write(
            folder / "deported_2008.csv", ["Ref", "Name", "Passports", "Deported"],
            [["D-1", "SOK DARA", f"{PASSPORT} / {RE_ISSUED}", "2008-11-02"]],
        )),
        (HOTLINE, _write(
            folder / "hotline_2008.csv", ["Call", "Caller about", "Country", "Company", "Date"],
            [["H-1", "Chan Thida", "Malaysia", "Kanhchana Workforce", "2008-07-09"]],
        )),
    ]  # fmt: skip
    for text, path in files:
        mapping = parse_mapping(text, folder / f"{path.stem}.yaml")
        result = import_file(db, path, mapping=mapping, lookups=lookups)
        assert result.status == "committed", [str(issue) for issue in result.issues]


def test_documents_are_stored_encrypted_blind_indexed_and_found_by_number(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    _import_all(ref_db, tmp_path, lookups)
    table = metadata.tables["identity_document"]
    with ref_db.connect() as connection:
        rows = connection.execute(
            sa.select(
                table.c.person_record_id, sa.type_coerce(table.c.kind, sa.String),
                table.c.number, table.c.number_bidx, table.c.issuing_country,
                table.c.issue_date,
            ).order_by(table.c.id)
        ).all()  # fmt: skip
        payload = connection.execute(
            sa.select(metadata.tables["source_record"].c.payload).order_by(
                metadata.tables["source_record"].c.id
            )
        ).scalars().first()  # fmt: skip
    index = keyring_for(ref_db).blind_index
    # K-1: passport and national id; K-2: passport; D-1: two passports
    assert [(kind, country) for _r, kind, _n, _b, country, _d in rows] == [
        ("passport", "KHM"), ("national_id", None), ("passport", "KHM"),
        ("passport", None), ("passport", None),
    ]  # fmt: skip
    for _record, _kind, number, _bidx, _country, _issued in rows:
        assert number.startswith("v1.") and "0123456" not in number
    assert rows[0][5] is not None and "2008" not in rows[0][5]  # the issue date is ciphertext
    assert rows[0][3] == index.document_index(PASSPORT) == rows[3][3]  # same number, same index
    assert rows[1][3] == index.document_index("010203040")
    assert isinstance(payload, dict) and set(payload["Passport"]) == {"$protected"}

    found = find_person_records_by_document(ref_db, " N-0123 456 ", None)
    assert [record.full_name for record in found] == ["Sok Dara", "SOK DARA"]  # type: ignore[attr-defined]
    assert find_person_records_by_document(ref_db, "N9999999", None) == []

    shown = read_documents(ref_db, [rows[0][0], rows[3][0]], actor=None)
    assert [(d.kind, d.number, d.issue_date, d.expiry_date) for d in shown[rows[0][0]]] == [
        ("passport", PASSPORT, date(2008, 1, 2), date(2018, 1, 1)),
        ("national_id", "010203040", None, None),
    ]
    assert sorted(d.number for d in shown[rows[3][0]]) == [PASSPORT, RE_ISSUED]

    # linkage compares blind-index values: the worker who departed is the one deported
    keys = document_keys(ref_db, [rows[0][0], rows[3][0]])
    departed, deported = keys[rows[0][0]], keys[rows[3][0]]
    assert DocumentKey("passport", "KHM", index.document_index(PASSPORT) or "") in departed
    assert {k.number_bidx for k in departed} & {k.number_bidx for k in deported} == {
        index.document_index(PASSPORT)
    }
    assert set(document_keys(ref_db)) == {row[0] for row in rows}

    # a new field data key re-encrypts documents too; they still read back
    rotation = rotate_data_key(ref_db, ref_db.master_key())
    assert rotation.values_reencrypted >= 5 + 5  # numbers and dates among them
    again = read_documents(ref_db, [rows[0][0]], actor=None)
    assert again[rows[0][0]][0].number == PASSPORT


def test_departures_deportations_and_hotline_reports_of_any_layout_feed_the_lmis_tables(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    _import_all(ref_db, tmp_path, lookups)
    by_destination, by_company = lmis_tables(ref_db, date(2008, 1, 1), date(2008, 12, 31))
    assert by_destination.rows == ("Malaysia", "Thailand", TOTAL)
    figures = {
        (row, column): by_destination.cell(row, column).value
        for row in by_destination.rows
        for column in by_destination.columns
    }
    assert figures == {
        ("Malaysia", "departures"): 2, ("Malaysia", "workers_returned"): 0,
        ("Malaysia", "workers_deported"): 1, ("Malaysia", "hotline_reports"): 1,
        ("Malaysia", "victims_returned"): 0,
        ("Thailand", "departures"): 1, ("Thailand", "workers_returned"): 0,
        ("Thailand", "workers_deported"): 0, ("Thailand", "hotline_reports"): 0,
        ("Thailand", "victims_returned"): 0,
        (TOTAL, "departures"): 3, (TOTAL, "workers_returned"): 0,
        (TOTAL, "workers_deported"): 1, (TOTAL, "hotline_reports"): 1,
        (TOTAL, "victims_returned"): 0,
    }  # fmt: skip
    assert by_company.rows == ("Kanhchana Workforce", TOTAL)
    assert by_company.cell("Kanhchana Workforce", "Malaysia").value == 2
    assert by_company.cell(TOTAL, TOTAL).value == 3
    # another period: nothing departed
    empty, _ = lmis_tables(ref_db, date(2009, 1, 1), date(2009, 12, 31))
    assert empty.cell(TOTAL, "departures").value == 0


def test_a_bad_document_number_names_the_file_row_and_column(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    rows = [list(DEPARTURE_ROWS[0]), list(DEPARTURE_ROWS[1])]
    rows[1][3] = "N/A"
    path = _write(tmp_path / "kanhchana_bad.csv", DEPARTURE_HEADER, rows, ";")
    mapping = parse_mapping(DEPARTURES, tmp_path / "kanhchana.yaml")

    result = import_file(ref_db, path, mapping=mapping, lookups=lookups)

    assert result.status == "rejected"
    assert [(i.row, i.column, i.value) for i in result.issues] == [(3, "Passport", "N/A")]
    assert "3 to 40 Latin letters and digits" in result.issues[0].message
    with ref_db.connect() as connection:  # all or nothing: no document of row 2 either
        count = connection.execute(
            sa.select(sa.func.count()).select_from(metadata.tables["identity_document"])
        )
        assert count.scalar_one() == 0


def test_a_corrected_row_replaces_its_documents(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    mapping = parse_mapping(DEPARTURES, tmp_path / "kanhchana.yaml")
    path = _write(tmp_path / "kanhchana_1.csv", DEPARTURE_HEADER, DEPARTURE_ROWS[:1], ";")
    assert import_file(ref_db, path, mapping=mapping, lookups=lookups).status == "committed"
    corrected = [list(DEPARTURE_ROWS[0])]
    corrected[0][3] = RE_ISSUED
    path = _write(tmp_path / "kanhchana_2.csv", DEPARTURE_HEADER, corrected, ";")

    result = import_file(ref_db, path, mapping=mapping, lookups=lookups)

    assert (result.status, result.rows_updated) == ("committed", 1)
    assert [r.full_name for r in find_person_records_by_document(ref_db, RE_ISSUED, None)] == [  # type: ignore[attr-defined]
        "Sok Dara"
    ]
    assert find_person_records_by_document(ref_db, PASSPORT, None) == []
    with ref_db.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(metadata.tables["identity_document"])
        )
        assert count.scalar_one() == 2  # the new passport and the national id


DOCS = Path(__file__).resolve().parents[2] / "docs"


def _doc_blocks(name: str, language: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_the_documented_departures_mapping_and_document_search_command_work(
    tmp_path: Path,
) -> None:
    """docs/mappings.md's departure list imports; docs/access-control.md's command finds it."""
    from typer.testing import CliRunner

    from tipdata.cli import app

    [mapping_text] = [b for b in _doc_blocks("mappings.md", "yaml") if "passport_number" in b]
    assert parse_mapping(mapping_text, "doc.yaml").source == "kanhchana_departures"
    [command] = [
        line
        for block in _doc_blocks("access-control.md", "sh")
        for line in block.splitlines()
        if "--document" in line
    ]
    mapping_file = tmp_path / "kanhchana.yaml"
    mapping_file.write_text(mapping_text, encoding="utf-8")
    data = _write(tmp_path / "kanhchana_2008.csv", DEPARTURE_HEADER, DEPARTURE_ROWS, ";")
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0
    assert runner.invoke(app, ["codelists", "load", *home]).exit_code == 0
    imported = runner.invoke(app, ["import", str(data), "--mapping", str(mapping_file), *home])
    assert imported.exit_code == 0, imported.output

    found = runner.invoke(app, [*shlex.split(command)[1:], *home])

    assert found.exit_code == 0, found.output
    assert "Sok Dara" in found.output and "1 records" in found.output
    assert "Chan Thida" not in found.output
    neither = runner.invoke(app, ["persons", "find", *home])
    assert neither.exit_code == 2 and "exactly one of --document or --name" in neither.output
