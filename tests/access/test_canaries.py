"""Planted canary identities never reach the disk in clear: database files, dumps, logs, exports.

A small export with unique canary names (Latin and Khmer script), contact, village,
date of birth, a passport number and a free-text note is imported and linked, on SQLite and on
PostgreSQL. Then the SQLite file with its ``-wal`` and ``-shm``, a ``pg_dump`` of the
PostgreSQL database, the exports (the TIP report's HTML, XLSX and CSV, the HTCDS victim
export and the DHIS2 files), every file written under the test's folder and the captured
log records are searched, byte for byte, for each canary: none may be found. The
same values must come back from the services for a reader allowed to see them, so
the test fails if nothing was stored at all.
"""

from __future__ import annotations

import csv
import logging
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import load_reference_data
from tipdata.access import sync_roles
from tipdata.access.documents import find_person_records_by_document, read_documents
from tipdata.access.policy import Actor
from tipdata.access.protected import MASKED
from tipdata.access.search import find_person_records_by_name
from tipdata.ingest import import_file, parse_mapping, provenance
from tipdata.ingest.mapping import MappingError
from tipdata.linkage.service import link, person_details, review_queue
from tipdata.reporting.render import write_report
from tipdata.reporting.tip import tip_report
from tipdata.standards.files import write_standard_files
from tipdata.store import Agency, AppUser, Database, Person, PersonRecord, Role, backup, metadata

LATIN = "Zzcanaryqx Vutheary"
KHMER = "ហ្សកាណារីគ្យូ វុធារី"
PHONE = "+855 12 938 471"
VILLAGE = "Zzvillageqx"
NOTE = "Zznoteqx met her at the border"
REFERRED = "Zzreferrerqx Bopha"
EXIT = "Zzexitqx transferred"
BIRTH = "1993-07-14"
PASSPORT = "ZQ 987-6543"
PASSPORT_NUMBER = "ZQ9876543"
CANARIES = [LATIN, KHMER, PHONE, VILLAGE, NOTE, "Zzcanaryqx", "Vutheary", "zzcanaryqx",
            PASSPORT, PASSPORT_NUMBER, "9876543", "zq9876543", REFERRED, EXIT,
            "Zzreferrerqx", "Zzexitqx"]  # fmt: skip
"""Every planted value, and the name's parts and case-folded form; the passport number as
written and normalised."""

MAPPING = """\
source: canary_register
name: Canary register
agency: MOI
file:
  type: csv
recognise:
  pattern: "canary*.csv"
  required_columns: [ID, Name, Khmer Name, Sex, DOB, Phone, Village, Province, Notes, Passport]
record_id: ID
value_maps:
  sex: {F: female, M: male}
records:
  - kind: person_record
    fields:
      role: {const: victim}
      full_name: Name
      full_name_khmer: Khmer Name
      sex: {column: Sex, map: sex}
      birth: {birth: DOB}
      contact: Phone
      village: Village
      province_code: Province
      passport_number: Passport
      passport_country: {const: KHM}
  - kind: event
    when: {column: Exit Reason, empty: false}
    fields:
      person_record_id: {ref: person_record}
      event_type: {const: referred}
      event_date: {const: "2026-01-02"}
"""

HEADER = ["ID", "Name", "Khmer Name", "Sex", "DOB", "Phone", "Village", "Province", "Notes",
          "Passport", "Referred By", "Exit Reason"]  # fmt: skip
ROWS = [
    ["C-1", LATIN, KHMER, "F", BIRTH, PHONE, VILLAGE, "Battambang", NOTE, PASSPORT, REFERRED,
     EXIT],
    ["C-2", LATIN, KHMER, "F", BIRTH, PHONE, VILLAGE, "Battambang", "", PASSPORT_NUMBER, "", ""],
    ["C-3", "Sok Dara", "", "F", "1990", "", "", "Kandal", "no note", "", "", ""],
    ["C-4", "Chan Vuthy", "", "M", "1985", "", "", "Takeo", "", "", "", ""],
]  # fmt: skip
"""No mapping line protects Notes, Referred By or Exit Reason: they are free text, so they
are encrypted by default (issue 15, item 6)."""


def _export(folder: Path) -> Path:
    path = folder / "input" / "canary_2026.csv"
    path.parent.mkdir()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def _found(data: bytes) -> list[str]:
    """The canaries present in ``data`` (UTF-8 bytes)."""
    return [canary for canary in CANARIES if canary.encode("utf-8") in data]


def _stored_bytes(db: Database, folder: Path, export: Path) -> dict[str, bytes]:
    """What the database left on disk: SQLite files (with WAL) or a pg_dump, plus other files."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path != export:
            found[str(path)] = path.read_bytes()
    if db.dialect == "postgresql":
        url = db.url
        dump = subprocess.run(
            ["pg_dump", "-h", str(url.host), "-p", str(url.port), "-U", str(url.username),
             "--no-owner", str(url.database)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        found["pg_dump"] = dump.stdout
    return found


def _user(db: Database, username: str, role: str, agency_id: int) -> Actor:
    """A stored user (audit events refer to it) and its actor."""
    with db.session() as session:
        sync_roles(session)
        role_id = session.scalar(sa.select(Role.id).where(Role.code == role))
        assert role_id is not None
        user = AppUser(
            username=username, display_name=username, role_id=role_id, agency_id=agency_id
        )
        session.add(user)
        session.flush()
        session.refresh(user)
        return Actor.of(user)


def test_canaries_are_nowhere_in_clear_but_readable_by_the_service(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    load_reference_data(db)
    export = _export(tmp_path)
    mapping = parse_mapping(MAPPING, tmp_path / "input" / "canary.yaml")

    result = import_file(db, export, mapping=mapping, imported_by="test")
    # every scored pair goes to the review queue, whose evidence holds the cleaned names
    run = link(db, mode="full", threshold=0.999999, review_lower=0.000001, actor=None)

    assert result.status == "committed", [str(issue) for issue in result.issues]
    assert (result.rows_stored, run.records) == (4, 4)
    assert run.review_pairs_added >= 1

    # documents are read back (audited) and searched before the disk is searched, so
    # that the audit log and a backup file are searched too
    found_by_passport = find_person_records_by_document(db, PASSPORT.lower(), None)
    assert [r.full_name for r in found_by_passport] == [LATIN, LATIN]  # type: ignore[attr-defined]
    documents = read_documents(db, [r.id for r in found_by_passport], actor=None)  # type: ignore[attr-defined]
    assert [d.number for views in documents.values() for d in views] == [PASSPORT_NUMBER] * 2
    # the exports: the TIP report (HTML, XLSX, CSV) and the files written beside it (the
    # HTCDS victim-level export, DHIS2), written under the folder searched below
    exports = tmp_path / "exports"
    report = tip_report(db, date(2026, 1, 1), date(2026, 12, 31))
    written = [*write_report(report, exports).values()]
    written += write_standard_files(db, 2026, exports).values()
    with (exports / "htcds-victims-2026.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) >= 1, "the victim-level export has the victims"
    assert all(path.stat().st_size > 0 for path in written)
    if db.dialect == "sqlite":  # (a PostgreSQL backup is a compressed archive)
        (tmp_path / "backups").mkdir()
        backup(db, tmp_path / "backups" / "canary.backup")

    # -- nothing in clear on disk or in the logs (the SQLite connections are still open,
    #    so the newest pages are in the -wal file, which is searched too)
    stored = _stored_bytes(db, tmp_path, export)
    if db.dialect == "sqlite":
        database = Path(str(db.url.database))
        assert {database.name, database.name + "-wal", database.name + "-shm"} <= {
            Path(name).name for name in stored
        }
        assert len(stored[str(database) + "-wal"]) > 0
    else:
        assert b"CREATE TABLE public.person_record" in stored["pg_dump"]
    leaks = {name: _found(data) for name, data in stored.items() if _found(data)}
    assert leaks == {}
    logged = "\n".join(record.getMessage() for record in caplog.records).encode("utf-8")
    assert caplog.records, "the import and the linkage log what they do"
    assert _found(logged) == []

    # -- ... and yet the values are there, for a reader who may see them
    with db.session() as session:
        canary_record_id, public_id = session.execute(
            sa.select(PersonRecord.id, Person.public_id)
            .join(Person, Person.id == PersonRecord.person_id)
            .order_by(PersonRecord.id)
            .limit(1)
        ).one()
        police = session.scalar(sa.select(Agency.id).where(Agency.code == "MOI"))
        assert police is not None
    view = person_details(db, public_id, actor=None)
    assert {(record.name, record.birth) for record in view.records} == {(f"{LATIN} {KHMER}", BIRTH)}
    names = {
        name
        for item in review_queue(db, actor=None, status=None)
        for name in item.evidence["name"]["name_clean"]  # type: ignore[index]
    }
    assert "zzcanaryqx vutheary" in names

    found = find_person_records_by_name(db, "  zzCANARYqx   vutheary ", None)
    assert [(r.full_name, r.contact, r.village) for r in found] == [(LATIN, PHONE, VILLAGE)] * 2

    trace = provenance(db, "person_record", canary_record_id, actor=None)
    assert (trace.payload["Name"], trace.payload["Notes"], trace.payload["DOB"]) == (
        LATIN,
        NOTE,
        BIRTH,
    )
    assert (trace.payload["Referred By"], trace.payload["Exit Reason"]) == (REFERRED, EXIT)
    assert trace.payload["Province"] == "Battambang"  # not protected: readable in SQL

    clerk = _user(db, "clerk", "court_clerk", police)
    masked = provenance(db, "person_record", canary_record_id, actor=clerk)
    assert (masked.payload["Name"], masked.payload["Notes"], masked.payload["Sex"]) == (
        MASKED,
        MASKED,
        "F",
    )


def test_payload_cells_not_protected_stay_queryable_in_sql(db: Database, tmp_path: Path) -> None:
    load_reference_data(db)
    export = _export(tmp_path)
    import_file(db, export, mapping=parse_mapping(MAPPING, tmp_path / "input" / "canary.yaml"))
    source_record = metadata.tables["source_record"]

    with db.connect() as connection:
        provinces = connection.execute(
            sa.select(source_record.c.payload["Province"].as_string()).order_by(source_record.c.id)
        ).scalars()
        assert list(provinces) == ["Battambang", "Battambang", "Kandal", "Takeo"]


def test_a_record_id_built_from_a_name_is_stored_as_a_keyed_hash(
    db: Database, tmp_path: Path
) -> None:
    """A layout without a row id whose key is ``{ID}/{Name}``: no name in the key column."""
    load_reference_data(db)
    export = _export(tmp_path)
    keyed = MAPPING.replace("record_id: ID\n", 'record_id: {template: "{ID}/{Name}"}\n')
    mapping = parse_mapping(keyed, tmp_path / "input" / "canary.yaml")

    first = import_file(db, export, mapping=mapping, imported_by="test")
    again = import_file(db, export, mapping=mapping, imported_by="test")

    assert (first.status, first.rows_stored, again.status) == ("committed", 4, "unchanged")
    source_record = metadata.tables["source_record"]
    with db.connect() as connection:
        keys = list(connection.execute(sa.select(source_record.c.source_key)).scalars())
    assert len(keys) == 4 and all(k.startswith("k:") and len(k) == 42 for k in keys)
    leaks = {name: _found(data) for name, data in _stored_bytes(db, tmp_path, export).items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_free_text_copied_into_a_clear_column_must_be_declared(tmp_path: Path) -> None:
    """Deny by default for derived columns too: `place: Exit Reason` needs `open_columns`."""
    copying = MAPPING + (
        "  - kind: event\n"
        "    name: transferred\n"
        "    fields:\n"
        "      person_record_id: {ref: person_record}\n"
        "      event_type: {const: referred}\n"
        '      event_date: {const: "2026-01-02"}\n'
        "      place: Exit Reason\n"
    )
    with pytest.raises(MappingError, match=r"copies the free text of column\(s\) 'Exit Reason'"):
        parse_mapping(copying, tmp_path / "canary.yaml")
    declared = copying.replace("record_id: ID\n", "record_id: ID\nopen_columns: [Exit Reason]\n")
    assert parse_mapping(declared, tmp_path / "canary.yaml").open_columns == ["Exit Reason"]


CWCC_HEADER = ["Case No", "Full Name", "Sex", "DOB", "Age", "Home Province", "Admission Date",
               "Case Type", "Cross-border", "Referred By", "Exit Date", "Exit Reason"]  # fmt: skip


def test_the_cwcc_register_keeps_referred_by_and_exit_reason_out_of_clear(
    db: Database, tmp_path: Path
) -> None:
    """The built-in shelter mapping: the reviewer's canaries are encrypted or refused."""
    if db.dialect != "sqlite":
        pytest.skip("the database file is searched on SQLite")
    load_reference_data(db)
    export = tmp_path / "input" / "ngo_cwcc_intake_2026.csv"
    export.parent.mkdir()
    rows = [
        ["CWCC/26/001", LATIN, "F", BIRTH, "", "Kandal", "2026-01-05", "Trafficking - sex", "Y",
         REFERRED, "2026-02-01", "transferred to AFESIP"],
    ]  # fmt: skip
    with export.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([CWCC_HEADER, *rows])

    result = import_file(db, export, source="ngo_cwcc_intake", imported_by="test")

    assert result.status == "committed", [str(i) for i in result.issues]
    leaks = {name: _found(data) for name, data in _stored_bytes(db, tmp_path, export).items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    event = metadata.tables["event"]
    with db.connect() as connection:
        places = set(connection.execute(sa.select(event.c.place)).scalars())
    assert places == {"CWCC", "AFESIP"}

    rows[0][-1] = EXIT  # free text where a transfer is expected: refused, nothing stored
    with export.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([CWCC_HEADER, *rows])
    refused = import_file(db, export, source="ngo_cwcc_intake", imported_by="test")
    assert refused.status == "rejected"
    assert [(i.row, i.column) for i in refused.issues] == [(2, "Exit Reason")]


def test_rows_stored_under_a_plain_name_key_are_re_keyed_not_duplicated(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that stored ``{ID}/{Name}`` keys in clear (before keys were hashed)."""
    import tipdata.ingest.pipeline as pipeline

    load_reference_data(db)
    export = _export(tmp_path)
    keyed = MAPPING.replace("record_id: ID\n", 'record_id: {template: "{ID}/{Name}"}\n')
    mapping = parse_mapping(keyed, tmp_path / "input" / "canary.yaml")
    with monkeypatch.context() as old_code:
        old_code.setattr(pipeline, "key_is_identifying", lambda _mapping: False)
        assert import_file(db, export, mapping=mapping).rows_stored == 4
    rows = [list(row) for row in ROWS]
    rows[2][3] = "M"  # a corrected row
    with export.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])

    again = import_file(db, export, mapping=mapping)

    assert (again.status, again.rows_stored, again.rows_updated) == ("committed", 0, 1)
    source_record = metadata.tables["source_record"]
    with db.connect() as connection:
        keys = list(connection.execute(sa.select(source_record.c.source_key)).scalars())
    assert len(keys) == 4 and all(key.startswith("k:") for key in keys)
