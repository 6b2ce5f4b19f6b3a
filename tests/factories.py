"""Shared test-data factories: the rows most tests need, written as the services write them.

Each factory adds rows to an open session, flushes, and returns what it made; the caller
commits (or its ``db.session()`` block does). Values a test does not care about get
plain defaults; pass what the test is about.

* :func:`agency` — an agency by code, made if absent.
* :func:`source_record` — one source record of a source (made if absent) in an import run
  of its own: every fact in the store names the row it came from.
* :func:`person_record` — a person record with its protected values encrypted as
  ingestion stores them (ciphertext bound to the row id, blind indexes).

The package fixtures build on these: ``tests/store/rows.py``, the ``Rows`` builder of
``tests/legal/conftest.py``, ``tests/web/casefiles_world.py``; ``tests/protected.py``
encrypts the person records a test made in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.keys import Keyring
from tipdata.access.protected import protect_person_record
from tipdata.model import AgencyKind, ImportStatus
from tipdata.store import Agency, ImportRun, PersonRecord, Source, SourceRecord


def agency(
    session: Session,
    code: str,
    *,
    name: str | None = None,
    kind: AgencyKind = AgencyKind.GOVERNMENT,
) -> Agency:
    """The agency ``code``, added (named ``name`` or its code) if the session has none."""
    found = session.scalar(sa.select(Agency).where(Agency.code == code))
    if found is not None:
        return found
    made = Agency(code=code, name=name or code, kind=kind)
    session.add(made)
    session.flush()
    return made


def source_record(
    session: Session,
    agency_id: int,
    key: str,
    *,
    source_code: str = "test",
    source_name: str | None = None,
    payload: dict[str, Any] | None = None,
    row_number: int = 1,
    file_name: str | None = None,
    file_sha256: str = "0" * 64,
    payload_sha256: str = "0" * 64,
    imported_at: datetime | None = None,
) -> SourceRecord:
    """One source record, in a committed import run of its own, of source ``source_code``.

    Args:
        session: the open session.
        agency_id: the agency that owns the source and the run.
        key: the record's key in its source (unique per source).
        source_code: the source, made (CSV, named ``source_name``) if absent.
        source_name: the new source's name (default: its code).
        payload: the raw row as read (default: empty).
        row_number: the row's line in its file.
        file_name: the run's file (default: ``<source_code>.csv``).
        file_sha256: the run's file digest.
        payload_sha256: the row's digest.
        imported_at: when the run started and finished (default: the column default, now).

    Returns:
        The flushed source record (its ``id`` set).
    """
    # only the id: a test of an older migration has a ``source`` table of fewer columns
    source_id = session.scalar(sa.select(Source.id).where(Source.code == source_code))
    if source_id is None:
        source = Source(
            code=source_code,
            agency_id=agency_id,
            name=source_name or source_code,
            file_format="csv",
        )
        session.add(source)
        session.flush()
        source_id = source.id
    times = {} if imported_at is None else {"started_at": imported_at, "finished_at": imported_at}
    run = ImportRun(
        source_id=source_id,
        owner_agency_id=agency_id,
        file_name=file_name or f"{source_code}.csv",
        file_sha256=file_sha256,
        status=ImportStatus.COMMITTED,
        rows_read=1,
        rows_stored=1,
        **times,
    )
    session.add(run)
    session.flush()
    record = SourceRecord(
        source_id=source_id,
        source_key=key,
        import_run_id=run.id,
        first_import_run_id=run.id,
        row_number=row_number,
        payload=payload or {},
        payload_sha256=payload_sha256,
    )
    session.add(record)
    session.flush()
    return record


def person_record(
    session: Session, keyring: Keyring, *, protected: dict[str, Any], **columns: Any
) -> PersonRecord:
    """A person record whose ``protected`` values are stored encrypted, as ingestion does.

    Args:
        session: the open session.
        keyring: the database's keyring (``load_keyring(session, db.master_key())``).
        protected: values of the protected columns (``full_name``, ``birth_date``, ...).
        **columns: the other columns (``owner_agency_id``, ``source_record_id``, ``role``...).

    Returns:
        The flushed record, its protected columns holding ciphertext and blind indexes.
    """
    record = PersonRecord(**columns)
    session.add(record)
    session.flush()
    values = dict(protected)
    protect_person_record(keyring, record.id, values)
    for column, value in values.items():
        setattr(record, column, value)
    session.flush()
    return record
