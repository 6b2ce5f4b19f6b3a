"""Two tipdata databases on either side of a border, with the agreement, keys and secret.

``border`` builds a Cambodian (KHM, receiving) and a Thai (THA, sending) database from the
SQLite template, fills each with one side of :func:`tipdata.demo.crossborder.border_pair`
(persons already linked, as linkage would leave them; names encrypted as ingestion stores
them), and writes the agreement file, both sides' key folders and the shared secret.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from tests.protected import protect_new_person_records
from tipdata.access.keys import MasterKey
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.demo.crossborder import BorderPair, SideRecord, border_pair
from tipdata.exchange import generate_keys, new_secret
from tipdata.model.enums import EventType
from tipdata.store import (
    Agency,
    Database,
    Event,
    ImportRun,
    Person,
    PersonRecord,
    Source,
    SourceRecord,
)
from tipdata.store.refdata import sync_reference_data

AGREEMENT_CODE = "KHM-THA-MOU-2003"


def store_side(db: Database, records: list[SideRecord], agency_code: str) -> dict[str, int]:
    """Store one side's records, one person per person key; return key -> person id."""
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    persons: dict[str, int] = {}
    with db.session() as session:
        agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == agency_code))
        assert agency_id is not None
        source = Source(code="cases", agency_id=agency_id, name="cases", file_format="csv")
        session.add(source)
        session.flush()
        run = ImportRun(
            owner_agency_id=agency_id,
            source_id=source.id,
            file_name="cases.csv",
            file_sha256="0" * 64,
        )
        session.add(run)
        session.flush()
        source_records = []
        for number, record in enumerate(records, start=1):
            if record.person_key not in persons:
                person = Person(owner_agency_id=agency_id)
                session.add(person)
                persons[record.person_key] = 0
            source_record = SourceRecord(
                source_id=source.id,
                source_key=f"R-{number}",
                import_run_id=run.id,
                first_import_run_id=run.id,
                row_number=number,
                payload={},
                payload_sha256=f"{number:064d}",
            )
            session.add(source_record)
            source_records.append(source_record)
        session.flush()
        people = session.scalars(sa.select(Person).order_by(Person.id)).all()
        persons = dict(zip(persons, (person.id for person in people), strict=True))
        dated: list[tuple[PersonRecord, SideRecord, int]] = []
        for record, source_record in zip(records, source_records, strict=True):
            person_record = PersonRecord(
                owner_agency_id=agency_id,
                source_record_id=source_record.id,
                person_id=persons[record.person_key],
                role=record.role,
                family_name=record.family_name,
                given_name=record.given_name,
                full_name_khmer=record.script_name,
                sex=record.sex,
                birth_date=record.birth_date,
                birth_year=record.birth_year,
            )
            session.add(person_record)
            if record.event and record.event_date:
                dated.append((person_record, record, source_record.id))
        protect_new_person_records(session, db.master_key())
        # the records' dated events (identified there, returned here), once the records
        # are stored as ingestion stores them
        session.add_all(
            Event(
                owner_agency_id=agency_id,
                person_record_id=person_record.id,
                event_type=EventType(str(record.event)),
                event_date=record.event_date,
                agency_id=agency_id,
                source_record_id=source_record_id,
            )
            for person_record, record, source_record_id in dated
        )
    return persons


@dataclass
class Border:
    """Both sides of the border, ready to exchange."""

    pair: BorderPair
    khm: Database
    tha: Database
    khm_persons: dict[str, int]
    tha_persons: dict[str, int]
    agreement: Path
    khm_keys: Path
    tha_keys: Path
    secret: Path
    folder: Path

    def true_links(self) -> set[tuple[str, int]]:
        """(THA person key, KHM person id) of every person both sides hold."""
        return {(tha, self.khm_persons[khm]) for tha, khm in self.pair.true_pairs()}


def write_agreement(path: Path, khm_keys: Path, tha_keys: Path, code: str = AGREEMENT_CODE) -> None:
    """Write an agreement file naming both sides' public keys (made in the key folders)."""
    parties = {}
    for country, folder, agency in (("KHM", khm_keys, "MOSAVY"), ("THA", tha_keys, "MSDHS")):
        signing, encryption = generate_keys(folder)
        parties[country] = {"agency": agency, "signing_key": signing, "encryption_key": encryption}
    document = {
        "code": code,
        "title": "Cambodia-Thailand MOU on trafficking (test)",
        "salt": base64.b64encode(b"khm-tha-2003-salt-v1").decode(),
        "threshold": 0.78,
        "parties": parties,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def make_border(
    sqlite_template: Path, folder: Path, people: int, seed: int = 7, khm: Database | None = None
) -> Border:
    """Build both sides in ``folder`` (the Cambodian side in ``khm`` when given)."""
    databases = []
    for name, key in (("khm.db", bytes(range(32))), ("tha.db", bytes(range(32, 64)))):
        shutil.copyfile(sqlite_template, folder / name)
        databases.append(Database(f"sqlite:///{folder / name}", master_key=MasterKey(key)))
    khm = khm or databases[0]
    tha = databases[1]
    pair = border_pair(people, seed=seed)
    khm_persons = store_side(khm, pair.local, "MOSAVY")
    tha_persons = store_side(tha, pair.partner, "MOI")
    agreement = folder / "agreement.yaml"
    write_agreement(agreement, folder / "keys-khm", folder / "keys-tha")
    secret = folder / "secret.txt"
    new_secret(secret)
    return Border(
        pair, khm, tha, khm_persons, tha_persons, agreement,
        folder / "keys-khm", folder / "keys-tha", secret, folder,
    )  # fmt: skip


@pytest.fixture
def border(sqlite_template: Path, tmp_path: Path) -> Iterator[Border]:
    """Two sides of 120 Cambodian persons (about 40 % also held by Thailand)."""
    built = make_border(sqlite_template, tmp_path, 120)
    yield built
    built.khm.dispose()
    built.tha.dispose()
