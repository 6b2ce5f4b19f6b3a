"""Writing an import's validated rows: raw rows, their versions and the records derived from them.

:class:`_Writer` writes chunks of validated rows inside the import's one transaction
(:mod:`tipdata.ingest.pipeline` decides when): new and changed source rows with their
versions, the person records, cases, charges and events derived from them, identity
documents. Protected values are encrypted here, on their way to the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tipdata.access.documents import protect_document
from tipdata.access.keys import Keyring
from tipdata.access.protected import protect_payload, protect_person_record
from tipdata.ingest.dialect import (
    IdAllocator,
    TableWriter,
    chunked,
)
from tipdata.ingest.documents import take_documents
from tipdata.ingest.validate import RowOutcome, StagedRecord


def _tables() -> dict[str, sa.Table]:
    from tipdata.store import metadata

    return dict(metadata.tables)


class _Writer:
    """Writes chunks of validated rows inside the import's transaction.

    Protected values are encrypted here, on their way to the database: person-record
    identities with the record's (pre-allocated) id, protected raw-row cells with the
    source record's id (see :mod:`tipdata.access.protected`).
    """

    def __init__(
        self,
        connection: sa.Connection,
        *,
        source_id: int | None,
        run_id: int | None,
        agency_id: int,
        write: bool,
        keyring: Keyring,
        protected_columns: frozenset[str] = frozenset(),
    ) -> None:
        self.connection = connection
        self.source_id = source_id
        self.run_id = run_id
        self.agency_id = agency_id
        self.write = write
        self.keyring = keyring
        self.protected_columns = protected_columns
        self.hash_keys = False
        """The record id holds a name: store it as a keyed hash (see ``ingest.privacy``)."""
        self.tables = _tables()
        self.ids = IdAllocator(connection) if write else None
        self._writers: dict[str, TableWriter] = {}
        self.case_ids: dict[str, tuple[int, int | None]] = {}
        """case number -> (case id, source record that created it)."""
        self._cases_made: set[tuple[int, int]] = set()
        """(case id, source record id): the cases each row of the chunk being written makes."""
        self.chunk_rows: list[RowOutcome] = []
        """The rows being written (named when the database refuses one)."""

    def writer(self, table: str) -> TableWriter:
        """The bulk writer of one table (made once per import)."""
        found = self._writers.get(table)
        if found is None:
            found = self._writers[table] = TableWriter(self.connection, self.tables[table])
        return found

    def existing(self, keys: list[str]) -> dict[str, tuple[int, str, int]]:
        """Stored source records of this source by key: (id, payload hash, version)."""
        if self.source_id is None or not keys:
            return {}
        table = self.tables["source_record"]
        found: dict[str, tuple[int, str, int]] = {}
        for batch in chunked(keys):
            rows = self.connection.execute(
                sa.select(
                    table.c.source_key, table.c.id, table.c.payload_sha256, table.c.version
                ).where(table.c.source_id == self.source_id, table.c.source_key.in_(batch))
            )
            for key, record_id, digest, version in rows:
                found[key] = (record_id, digest, version)
        return found

    def adopt_plain_keys(
        self, plain: dict[str, str], found: dict[str, tuple[int, str, int]]
    ) -> dict[str, tuple[int, str, int]]:
        """Rows stored before their name-bearing keys were hashed: re-keyed, then found.

        Args:
            plain: hashed key -> the record id as read.
            found: the hashed keys already stored.

        Returns:
            Hashed key -> (id, payload hash, version) of each row stored under its plain key,
            whose key is now replaced by the hash (in the import's transaction).
        """
        wanted = {key: hashed for hashed, key in plain.items() if hashed not in found}
        legacy = self.existing(list(wanted))
        table = self.tables["source_record"]
        adopted: dict[str, tuple[int, str, int]] = {}
        for key, stored in legacy.items():
            self.connection.execute(
                table.update().where(table.c.id == stored[0]).values(source_key=wanted[key])
            )
            adopted[wanted[key]] = stored
        return adopted

    def stored_payloads(self, record_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The stored raw rows of source records (protected cells still encrypted)."""
        table = self.tables["source_record"]
        found: dict[int, dict[str, Any]] = {}
        for batch in chunked(record_ids):
            for record_id, payload in self.connection.execute(
                sa.select(table.c.id, table.c.payload).where(table.c.id.in_(batch))
            ):
                found[record_id] = payload if isinstance(payload, dict) else json.loads(payload)
        return found

    def payload_digest(self, outcome: RowOutcome) -> str:
        """The keyed digest of a row's raw values (what ``payload_sha256`` stores)."""
        text = outcome.payload_json
        if text is None:
            from tipdata.ingest.validate import canonical_json

            text = canonical_json(outcome.payload)
        return self.keyring.blind_index.payload_digest(text)

    def _stored_payload(self, source_record_id: int, outcome: RowOutcome) -> object:
        """A new raw row for the bulk writer: protected cells encrypted, else its JSON text."""
        if not any(outcome.payload.get(column) for column in self.protected_columns):
            return outcome.payload_json or outcome.payload
        return protect_payload(
            self.keyring.cipher, source_record_id, outcome.payload, self.protected_columns
        )

    def _take(self, table: str, count: int) -> list[int]:
        assert self.ids is not None
        return self.ids.take(self.tables[table], count)

    def write_chunk(
        self, new: list[RowOutcome], updated: list[tuple[RowOutcome, tuple[int, str, int]]]
    ) -> None:
        """Store new rows and replace updated ones, with all their derived records."""
        if not self.write or (not new and not updated):
            return
        self.chunk_rows = [*new, *(outcome for outcome, _existing in updated)]
        # Only this chunk's pairs are ever asked about (a row is in one chunk of a file):
        # cleared per chunk, so memory does not grow with the file.
        self._cases_made.clear()
        source_record = self.tables["source_record"]
        owned: list[tuple[RowOutcome, int]] = []
        if updated:
            updated_ids = [existing[0] for _outcome, existing in updated]
            self._keep_old_versions(updated_ids)
            self._delete_derived(updated_ids)
            for outcome, (record_id, _digest, version) in updated:
                self.connection.execute(
                    source_record.update()
                    .where(source_record.c.id == record_id)
                    .values(
                        import_run_id=self.run_id,
                        row_number=outcome.row_number,
                        payload=protect_payload(
                            self.keyring.cipher,
                            record_id,
                            outcome.payload,
                            self.protected_columns,
                        ),
                        payload_sha256=outcome.payload_sha256,
                        version=version + 1,
                    )
                )
                owned.append((outcome, record_id))
        if new:
            records = self.writer("source_record")
            for record_id, outcome in zip(self._take("source_record", len(new)), new, strict=True):
                records.add(
                    {
                        "id": record_id,
                        "source_id": self.source_id,
                        "source_key": outcome.source_key,
                        "import_run_id": self.run_id,
                        "first_import_run_id": self.run_id,
                        "row_number": outcome.row_number,
                        "payload": self._stored_payload(record_id, outcome),
                        "payload_sha256": outcome.payload_sha256,
                        "version": 1,
                    }
                )
                owned.append((outcome, record_id))
            records.flush()
        self._write_records(owned)
        if updated:
            self._retire_cases(updated_ids)

    def _keep_old_versions(self, source_record_ids: list[int]) -> None:
        """Copy the stored payloads about to be replaced into the version history."""
        sr = self.tables["source_record"]
        version = self.tables["source_record_version"]
        now = datetime.now(UTC)
        for batch in chunked(source_record_ids):
            self.connection.execute(
                version.insert().from_select(
                    [
                        "source_record_id",
                        "version",
                        "import_run_id",
                        "row_number",
                        "payload",
                        "payload_sha256",
                        "recorded_at",
                    ],
                    sa.select(
                        sr.c.id,
                        sr.c.version,
                        sr.c.import_run_id,
                        sr.c.row_number,
                        sr.c.payload,
                        sr.c.payload_sha256,
                        sa.literal(now, version.c.recorded_at.type),
                    ).where(sr.c.id.in_(batch)),
                )
            )

    def _delete_derived(self, source_record_ids: list[int]) -> None:
        """Remove every record derived from these source records (cases are kept)."""
        t = self.tables
        for batch in chunked(source_record_ids):
            screenings = sa.select(t["screening"].c.id).where(
                t["screening"].c.source_record_id.in_(batch)
            )
            self.connection.execute(
                t["screening_answer"]
                .delete()
                .where(t["screening_answer"].c.screening_id.in_(screenings))
            )
            for name in ("screening", "referral", "event", "charge", "case_exploitation"):
                self.connection.execute(
                    t[name].delete().where(t[name].c.source_record_id.in_(batch))
                )
            people = sa.select(t["person_record"].c.id).where(
                t["person_record"].c.source_record_id.in_(batch)
            )
            self.connection.execute(
                t["case_person"].delete().where(t["case_person"].c.person_record_id.in_(people))
            )
            self.connection.execute(
                t["person_record"].delete().where(t["person_record"].c.source_record_id.in_(batch))
            )

    def _known_cases(self, numbers: set[str]) -> None:
        """Load the stored cases among ``numbers`` (id and creating source record)."""
        unknown = [n for n in numbers if n not in self.case_ids]
        case = self.tables["case"]
        for batch in chunked(unknown):
            rows = self.connection.execute(
                sa.select(case.c.case_number, case.c.id, case.c.source_record_id).where(
                    case.c.owner_agency_id == self.agency_id, case.c.case_number.in_(batch)
                )
            ).all()
            for number, case_id, owner_record in rows:
                self.case_ids[number] = (case_id, owner_record)

    def _retire_cases(self, source_record_ids: list[int]) -> None:
        """Cases created by corrected rows that no longer make them: hand over or delete.

        A corrected row whose case number changed leaves its old case behind. If other
        source records still refer to that case (people, charges, events, forms of
        exploitation), the lowest of them becomes the case's source record; otherwise
        the case is deleted.
        """
        t = self.tables
        case = t["case"]
        stale: list[tuple[int, str]] = []
        for batch in chunked(source_record_ids):
            stale += [
                (case_id, number)
                for case_id, number, creator in self.connection.execute(
                    sa.select(case.c.id, case.c.case_number, case.c.source_record_id).where(
                        case.c.source_record_id.in_(batch)
                    )
                )
                if (case_id, creator) not in self._cases_made
            ]
        if not stale:
            return
        person, link = t["person_record"], t["case_person"]
        for case_id, number in stale:
            referring = sa.union(
                *(
                    sa.select(t[name].c.source_record_id).where(t[name].c.case_id == case_id)
                    for name in ("event", "charge", "case_exploitation")
                ),
                sa.select(person.c.source_record_id)
                .join(link, link.c.person_record_id == person.c.id)
                .where(link.c.case_id == case_id),
            ).subquery()
            heir = self.connection.execute(
                sa.select(sa.func.min(referring.c.source_record_id))
            ).scalar()
            if heir is None:
                for name in ("case_exploitation", "case_person"):
                    self.connection.execute(t[name].delete().where(t[name].c.case_id == case_id))
                self.connection.execute(case.delete().where(case.c.id == case_id))
                self.case_ids.pop(number, None)
            else:
                self.connection.execute(
                    case.update().where(case.c.id == case_id).values(source_record_id=heir)
                )
                self.case_ids[number] = (case_id, heir)

    def _write_records(self, owned: list[tuple[RowOutcome, int]]) -> None:
        """Write the derived records of a chunk: cases first, then what refers to them."""
        counts: dict[str, int] = {}
        numbers: set[str] = set()
        for outcome, _sr in owned:
            for record in outcome.records:
                if record.kind == "case":
                    numbers.add(record.values["case_number"])
                else:
                    counts[record.kind] = counts.get(record.kind, 0) + 1
        self._known_cases(numbers)
        new_numbers = [n for n in numbers if n not in self.case_ids]
        case_pool = iter(self._take("case", len(new_numbers)))
        pools = {kind: iter(self._take(kind, n)) for kind, n in counts.items()}
        case_table = self.tables["case"]
        cases = self.writer("case")
        exploitations: list[tuple[int, str, int]] = []
        case_people: list[tuple[int, int, str]] = []
        answers: list[tuple[int, str, str]] = []
        created_here: set[int] = set()
        documents: list[tuple[int, dict[str, Any]]] = []
        for outcome, source_record_id in owned:
            ids: dict[str, int] = {}
            for record in outcome.records:
                if record.kind != "case":
                    continue
                number = record.values["case_number"]
                known = self.case_ids.get(number)
                if known is None:
                    case_id = next(case_pool)
                    self.case_ids[number] = (case_id, source_record_id)
                    created_here.add(case_id)
                    cases.add(
                        {
                            **record.values,
                            "id": case_id,
                            "owner_agency_id": self.agency_id,
                            "source_record_id": source_record_id,
                        }
                    )
                else:
                    case_id, creator = known
                    if creator == source_record_id and case_id not in created_here:
                        # the row that created the case changed: update the case in place
                        self.connection.execute(
                            case_table.update()
                            .where(case_table.c.id == case_id)
                            .values(**record.values)
                        )
                ids[record.name] = case_id
                self._cases_made.add((case_id, source_record_id))
                # one row per form this source record states (it has none stored yet)
                for code in dict.fromkeys(record.exploitation_types):
                    exploitations.append((case_id, code, source_record_id))
            for record in outcome.records:
                if record.kind != "case":
                    ids[record.name] = next(pools[record.kind])
            for record in outcome.records:
                if record.kind == "case":
                    continue
                values = record.values
                for field_name, ref_name in record.refs:
                    values[field_name] = ids.get(ref_name)
                record_id = values["id"] = ids[record.name]
                values["owner_agency_id"] = self.agency_id
                values["source_record_id"] = source_record_id
                if record.kind == "person_record":
                    keep_age_at_first_event(record, outcome.records)
                    documents.extend((record_id, d) for d in take_documents(values))
                    protect_person_record(self.keyring, record_id, values)
                self.writer(record.kind).add(values)
                if record.case_ref is not None and record.case_ref.name in ids:
                    case_people.append(
                        (
                            ids[record.case_ref.name],
                            record_id,
                            record.case_role or values["role"],
                        )
                    )
                for code, answer in record.answers.items():
                    answers.append((record_id, code, answer))
        cases.flush()
        for kind in ("person_record", "screening", "charge", "event", "referral"):
            if kind in counts:
                self.writer(kind).flush()
        if documents:
            self._write_documents(documents)
        for name, rows, columns in (
            (
                "case_exploitation",
                exploitations,
                ("case_id", "exploitation_type", "source_record_id"),
            ),
            ("case_person", case_people, ("case_id", "person_record_id", "role")),
            ("screening_answer", answers, ("screening_id", "indicator_code", "answer")),
        ):
            if rows:
                writer = self.writer(name)
                row_ids = self._take(name, len(rows))
                writer.add_tuples(
                    ("id", *columns),
                    [(row_id, *row) for row_id, row in zip(row_ids, rows, strict=True)],
                )
                writer.flush()

    def _write_documents(self, documents: list[tuple[int, dict[str, Any]]]) -> None:
        """Write identity documents (person record id, values): encrypted, blind-indexed."""
        writer = self.writer("identity_document")
        for row_id, (person_record_id, values) in zip(
            self._take("identity_document", len(documents)), documents, strict=True
        ):
            row = {
                **values,
                "id": row_id,
                "person_record_id": person_record_id,
                "owner_agency_id": self.agency_id,
            }
            protect_document(self.keyring, row_id, row)
            writer.add(row)
        writer.flush()


def keep_age_at_first_event(person: StagedRecord, records: Iterable[StagedRecord]) -> None:
    """Keep a person's exact age at the row's first event in clear, before the birth date is
    encrypted.

    The date of birth is a protected field; statistics and legal checks only need the
    age at an event (child or adult at identification, at the offence). The birth year
    alone (kept in clear) makes an age up to a year high, which moves 17-year-olds
    among the adults. So when a row gives a date of birth and no age, the exact age at
    the earliest dated event of the same row about this person is stored as
    ``age_years`` at ``age_reference_date``.

    Args:
        person: the staged person record (its values are completed in place).
        records: every staged record of the same row.
    """
    values = person.values
    birth = values.get("birth_date")
    if not isinstance(birth, date) or values.get("age_years") is not None:
        return
    days = [
        day
        for record in records
        if record.kind == "event" and any(ref == person.name for _field, ref in record.refs)
        for day in (record.values.get("event_date"),)
        if isinstance(day, date) and day >= birth
    ]
    if not days:
        return
    day = min(days)
    values["age_years"] = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    values["age_reference_date"] = day
