"""Protected fields end to end: rotation of every encrypted value, search by name, tampering."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.access.test_canaries import HEADER, KHMER, LATIN, MAPPING, ROWS, _user
from tests.ingest.conftest import load_reference_data
from tipdata.access import AccessDenied
from tipdata.access.errors import ProtectedFieldError
from tipdata.access.keys import PROTECTED_MARK, rotate_data_key
from tipdata.access.protected import keyring_for, reveal_payload, reveal_person_record
from tipdata.access.search import find_person_records_by_name
from tipdata.ingest import import_file, parse_mapping, provenance
from tipdata.store import Agency, AuditEvent, Database, metadata


def _import(db: Database, folder: Path, rows: list[list[str]], name: str) -> None:
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    result = import_file(db, path, mapping=parse_mapping(MAPPING, folder / "canary.yaml"))
    assert result.status == "committed", [str(i) for i in result.issues]


def _tokens(db: Database) -> list[str]:
    """Every ciphertext stored: person-record columns and protected payload cells."""
    t = metadata.tables
    found: list[str] = []
    with db.connect() as connection:
        for row in connection.execute(sa.select(t["person_record"])).mappings():
            found += [v for k, v in row.items() if k in ("full_name", "contact") and v]
        for table in ("source_record", "source_record_version"):
            for (payload,) in connection.execute(sa.select(t[table].c.payload)):
                found += [v[PROTECTED_MARK] for v in payload.values() if isinstance(v, dict)]
    return found


def test_rotating_the_data_key_re_encrypts_person_records_and_raw_rows(
    db: Database, tmp_path: Path
) -> None:
    load_reference_data(db)
    _import(db, tmp_path, ROWS, "canary_1.csv")
    changed = [list(row) for row in ROWS]
    changed[2][HEADER.index("Notes")] = "second note"  # C-3 changes: its first version is kept
    _import(db, tmp_path, changed, "canary_2.csv")
    old_key = keyring_for(db).cipher.active_key_id

    rotation = rotate_data_key(db, db.master_key())

    # person records: 5 values for each canary row, a name for C-3 and C-4 (12); the two
    # canary passports (2); raw rows: 9 + 6 + 3 + 2 protected cells (20: every column but
    # the id, sex and province, which are in clear by default), and C-3's first version (3)
    assert rotation.values_reencrypted == 12 + 2 + 20 + 3
    assert rotation.retired_key_ids == [old_key]
    assert {token.split(".")[1] for token in _tokens(db)} == {rotation.new_key_id}
    cipher = keyring_for(db).cipher
    t = metadata.tables
    with db.connect() as connection:
        first = (
            connection.execute(
                sa.select(t["person_record"]).order_by(t["person_record"].c.id).limit(1)
            )
            .mappings()
            .one()
        )
    shown = reveal_person_record(cipher, first["id"], first)
    assert (shown["full_name"], shown["full_name_khmer"]) == (LATIN, KHMER)
    trace = provenance(db, "source_record", 3, actor=None)
    assert [(v.version, v.payload["Notes"]) for v in trace.history] == [
        (1, "no note"),
        (2, "second note"),
    ]


def test_a_protected_cell_moved_to_another_row_does_not_decrypt(
    db: Database, tmp_path: Path
) -> None:
    load_reference_data(db)
    _import(db, tmp_path, ROWS, "canary_1.csv")
    source_record = metadata.tables["source_record"]
    with db.connect() as connection:
        payload = connection.execute(
            sa.select(source_record.c.payload).where(source_record.c.id == 1)
        ).scalar_one()

    cipher = keyring_for(db).cipher
    assert reveal_payload(cipher, 1, payload)["Name"] == LATIN
    with pytest.raises(ProtectedFieldError, match=r"source_record\.payload\.Name row 2"):
        reveal_payload(cipher, 2, payload)


def test_exact_name_search_uses_the_blind_index_within_scope_and_is_audited(
    db: Database, tmp_path: Path
) -> None:
    load_reference_data(db)
    _import(db, tmp_path, ROWS, "canary_1.csv")
    with db.session() as session:
        police = session.scalar(sa.select(Agency.id).where(Agency.code == "MOI"))
        other = session.scalar(sa.select(Agency.id).where(Agency.code == "MOJ"))
    assert police is not None and other is not None
    analyst = _user(db, "moi", "police_analyst", police)
    outsider = _user(db, "moj", "police_analyst", other)
    clerk = _user(db, "clerk", "court_clerk", police)

    found = find_person_records_by_name(db, "sok  DARA", analyst)
    elsewhere = find_person_records_by_name(db, "Sok Dara", outsider)
    misspelt = find_person_records_by_name(db, "Sok Darra", analyst)
    with pytest.raises(AccessDenied, match="persons:read_identity"):
        find_person_records_by_name(db, "Sok Dara", clerk)

    assert [(r.full_name, r.province_code) for r in found] == [("Sok Dara", "08")]  # type: ignore[attr-defined]
    assert (elsewhere, misspelt) == ([], [])
    with db.session() as session:
        events = session.execute(
            sa.select(AuditEvent.user_id, AuditEvent.action, AuditEvent.object_ids).order_by(
                AuditEvent.id
            )
        ).all()
        details = session.scalars(sa.select(AuditEvent.detail)).all()
    assert [tuple(e) for e in events] == [
        (analyst.user_id, "read_protected", "3"),
        (outsider.user_id, "read_protected", None),
        (analyst.user_id, "read_protected", None),
        (clerk.user_id, "access.denied", None),
    ]
    assert not any("Sok" in (detail or "") or "sok" in (detail or "") for detail in details)
