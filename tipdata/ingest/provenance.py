"""Provenance: from any stored fact back to the file, row and import run it came from.

Every person record, case, charge, event, referral and screening refers to the
:class:`~tipdata.store.SourceRecord` (one row of one agency file) that produced it;
the source record keeps the row's raw values, its payload hash and every earlier
version with the import run that brought it.

Identifying cells of a raw row are stored encrypted (see
:mod:`tipdata.access.protected`): :func:`provenance` decrypts them, in memory, only
for a reader who may see identities, shows ``[protected]`` to others, and audits
the read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.policy import Acting, Actor, Policy, authorize, can
from tipdata.access.protected import (
    has_protected_cells,
    keyring_for,
    mask_payload,
    reveal_payload,
)
from tipdata.errors import TipdataError

if TYPE_CHECKING:
    from tipdata.store import Database

FactKind = Literal[
    "person_record", "case", "charge", "event", "referral", "screening", "source_record"
]

FACT_KINDS: tuple[FactKind, ...] = (
    "person_record",
    "case",
    "charge",
    "event",
    "referral",
    "screening",
    "source_record",
)


class ProvenanceError(TipdataError):
    """A record id does not exist, or the record has no source record."""


@dataclass(frozen=True)
class ImportRunSummary:
    """One import run, as listed by ``tipdata imports``."""

    id: int
    source: str
    file_name: str
    file_sha256: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    imported_by: str | None
    rows_read: int
    rows_stored: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    message: str | None


@dataclass(frozen=True)
class PayloadVersion:
    """One version of a source record's raw row."""

    version: int
    import_run_id: int
    file_name: str
    row_number: int
    payload: dict[str, Any]
    payload_sha256: str
    recorded_at: datetime | None


@dataclass(frozen=True)
class Provenance:
    """Where a stored fact came from.

    Attributes:
        kind: the kind of the fact asked about.
        record_id: its id.
        source: the source code (the mapping's ``source``).
        source_key: the agency's own record id.
        source_record_id: the source record's id.
        file_name: the file the current version came from.
        file_sha256: that file's SHA-256.
        row_number: the spreadsheet row (header = 1) in that file.
        import_run_id: the import run of the current version.
        first_import_run_id: the import run that first stored the row.
        version: the current version number.
        payload: the row's raw values, current version.
        history: every version, oldest first, the current one last (earlier versions
            come from ``source_record_version``, which holds replaced payloads only).
    """

    kind: FactKind
    record_id: int
    source: str
    source_key: str
    source_record_id: int
    file_name: str
    file_sha256: str
    row_number: int
    import_run_id: int
    first_import_run_id: int
    version: int
    payload: dict[str, Any]
    history: list[PayloadVersion]


def _tables() -> dict[str, sa.Table]:
    from tipdata.store import metadata

    return dict(metadata.tables)


def provenance(db: Database, kind: FactKind, record_id: int, *, actor: Actor | None) -> Provenance:
    """Trace a stored fact back to its file, row and import run.

    Protected cells of the raw rows are decrypted only when the reader may see
    identities (``persons:read_identity``; the local operator may), else shown as
    ``[protected]``. A row holding protected cells is audited (``read_protected`` or
    ``read``, the source record id only).

    Args:
        db: the database.
        kind: ``person_record``, ``case``, ``charge``, ``event``, ``referral``,
            ``screening`` or ``source_record``.
        record_id: the fact's id.
        actor: the reader; None for the local operator (full access, still audited).

    Returns:
        The provenance, with the full payload history.

    Raises:
        ProvenanceError: unknown kind, no such record, or a case with no source record.
    """
    if kind not in FACT_KINDS:
        raise ProvenanceError(f"unknown record kind {kind!r}; one of {', '.join(FACT_KINDS)}")
    t = _tables()
    with db.connect() as connection:
        if kind == "source_record":
            source_record_id: int | None = record_id
        else:
            row = connection.execute(
                sa.select(t[kind].c.source_record_id).where(t[kind].c.id == record_id)
            ).first()
            if row is None:
                raise ProvenanceError(f"no {kind} with id {record_id}")
            source_record_id = row[0]
            if source_record_id is None:
                raise ProvenanceError(f"{kind} {record_id} has no source record")
        sr, run, src = t["source_record"], t["import_run"], t["source"]
        record = connection.execute(
            sa.select(
                sr.c.id,
                sr.c.source_key,
                sr.c.row_number,
                sr.c.import_run_id,
                sr.c.first_import_run_id,
                sr.c.version,
                sr.c.payload,
                sr.c.payload_sha256,
                run.c.started_at,
                run.c.file_name,
                run.c.file_sha256,
                src.c.code,
            )
            .join(run, run.c.id == sr.c.import_run_id)
            .join(src, src.c.id == sr.c.source_id)
            .where(sr.c.id == source_record_id)
        ).first()
        if record is None:
            raise ProvenanceError(f"no source record with id {source_record_id}")
        version = t["source_record_version"]
        history = [
            PayloadVersion(
                version=v.version,
                import_run_id=v.import_run_id,
                file_name=v.file_name,
                row_number=v.row_number,
                payload=v.payload,
                payload_sha256=v.payload_sha256,
                recorded_at=v.recorded_at,
            )
            for v in connection.execute(
                sa.select(
                    version.c.version,
                    version.c.import_run_id,
                    run.c.file_name,
                    version.c.row_number,
                    version.c.payload,
                    version.c.payload_sha256,
                    version.c.recorded_at,
                )
                .join(run, run.c.id == version.c.import_run_id)
                .where(version.c.source_record_id == source_record_id)
                .order_by(version.c.version)
            )
        ]
    history.append(
        PayloadVersion(
            version=record.version,
            import_run_id=record.import_run_id,
            file_name=record.file_name,
            row_number=record.row_number,
            payload=record.payload,
            payload_sha256=record.payload_sha256,
            recorded_at=record.started_at,
        )
    )
    history, current = _shown_payloads(db, actor, record.id, history)
    return Provenance(
        kind=kind,
        record_id=record_id,
        source=record.code,
        source_key=record.source_key,
        source_record_id=record.id,
        file_name=record.file_name,
        file_sha256=record.file_sha256,
        row_number=record.row_number,
        import_run_id=record.import_run_id,
        first_import_run_id=record.first_import_run_id,
        version=record.version,
        payload=current,
        history=history,
    )


def _shown_payloads(
    db: Database, actor: Actor | None, source_record_id: int, history: list[PayloadVersion]
) -> tuple[list[PayloadVersion], dict[str, Any]]:
    """The versions as the reader may see them (decrypted or masked), and the current one."""
    if not any(has_protected_cells(v.payload) for v in history):
        return history, history[-1].payload
    identity = actor is None or can(actor, "persons:read_identity")
    cipher = keyring_for(db).cipher if identity else None
    shown = [
        dataclasses.replace(
            v,
            payload=(
                reveal_payload(cipher, source_record_id, v.payload)
                if cipher is not None
                else mask_payload(v.payload)
            ),
        )
        for v in history
    ]
    with db.session() as session:
        audit.record(
            session,
            actor,
            "read_protected" if identity else "read",
            "source_record",
            [source_record_id],
            {"versions": len(history)},
        )
    return shown, shown[-1].payload


LATEST_IMPORT_RUNS = 10
"""How many of the newest import runs the dashboard lists."""


def latest_import_runs(
    db: Database, *, actor: Acting, policy: Policy | None = None, count: int = LATEST_IMPORT_RUNS
) -> list[ImportRunSummary] | None:
    """The newest import runs for a page that lists them to those who manage imports.

    Args:
        db: the database.
        actor: who reads the page.
        policy: the roles and permissions (default: the shipped policy).
        count: at most this many runs.

    Returns:
        None when the actor lacks ``imports:run`` (the page leaves the list out), else the
        newest runs, newest first.
    """
    if isinstance(actor, Actor) and not can(actor, "imports:run", policy):
        return None
    return list_import_runs(db, actor=actor, policy=policy, limit=count)


def list_import_runs(
    db: Database,
    *,
    actor: Acting,
    source: str | None = None,
    policy: Policy | None = None,
    limit: int | None = None,
) -> list[ImportRunSummary]:
    """Every import run, newest first, with its row counts, for those who manage imports.

    Args:
        db: the database.
        actor: who asks: needs ``imports:run`` (the local operator always may).
        source: only the runs of this source code.
        policy: the roles and permissions (default: the shipped policy).
        limit: at most this many of the newest runs (None: all).

    Returns:
        The runs (read, stored, updated, unchanged and rejected row counts).

    Raises:
        AccessDenied: the actor lacks ``imports:run``.
    """
    authorize(actor, "imports:run", policy=policy)
    t = _tables()
    run, src = t["import_run"], t["source"]
    query = (
        sa.select(run, src.c.code.label("source_code"))
        .join(src, src.c.id == run.c.source_id)
        .order_by(run.c.id.desc())
    )
    if source is not None:
        query = query.where(src.c.code == source)
    if limit is not None:
        query = query.limit(limit)
    with db.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        ImportRunSummary(
            id=row["id"],
            source=row["source_code"],
            file_name=row["file_name"],
            file_sha256=row["file_sha256"],
            status=str(getattr(row["status"], "value", row["status"])),
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            imported_by=row["imported_by"],
            rows_read=row["rows_read"],
            rows_stored=row["rows_stored"],
            rows_updated=row["rows_updated"],
            rows_unchanged=row["rows_unchanged"],
            rows_rejected=row["rows_rejected"],
            message=row["message"],
        )
        for row in rows
    ]


def parse_fact_id(text: str) -> tuple[FactKind, int]:
    """Read a record reference as people write it: ``event:42``, ``person_record/7``, ``case 3``.

    Args:
        text: ``<kind>:<id>`` (``/`` or a space also separate them).

    Returns:
        The kind and the id.

    Raises:
        ProvenanceError: the text is not a known kind followed by a whole number.
    """
    cleaned = text.strip().replace("/", ":").replace(" ", ":")
    kind, _, number = cleaned.partition(":")
    if kind not in FACT_KINDS or not number.isdigit():
        raise ProvenanceError(
            f"record reference {text!r} not understood; write KIND:ID with KIND one of "
            f"{', '.join(FACT_KINDS)} (e.g. event:42)"
        )
    return kind, int(number)
