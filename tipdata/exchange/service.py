"""Sending and receiving exchange packages: the two services the fronts call.

:func:`send` encodes this side's linked person records, seals them into a package for
the agreement's other party, and logs (exchange log and audit log) that it was sent.
:func:`receive` checks and opens a package, encodes this side's records with the same
agreement, matches, and stores the links as evidence on this side's persons, with an
``accepted`` log row, all in one transaction. A refused package leaves only a
``refused`` log row and its audit event: no link, nothing of its content.

Names, birth dates and scripts are read (decrypted) in memory through linkage's single
read path and never leave it: neither the package, the exchange log nor the audit log
holds one (``tests/exchange/test_canary.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.audit import record as audit_record
from tipdata.access.policy import LOCAL_OPERATOR, Actor
from tipdata.exchange.agreement import EVENT_QUARTER, Agreement, LocalKeys
from tipdata.exchange.encoding import (
    ENCODING_SCHEMA_VERSION,
    RecordFields,
    WithheldRecord,
    encode,
    record_fields,
)
from tipdata.exchange.matching import Blocking, match
from tipdata.exchange.package import (
    ExchangeRefused,
    Manifest,
    Payload,
    open_package,
    read_manifest,
    seal,
)
from tipdata.linkage.features import load_person_records
from tipdata.store import CrossBorderExchange, CrossBorderLink, Database, Person

log = logging.getLogger(__name__)

EXCHANGE_OBJECT = "cross_border_exchange"


@dataclass(frozen=True)
class SentPackage:
    """What :func:`send` wrote."""

    path: Path
    package_id: str
    recipient: str
    records: int
    persons: int
    withheld: int
    sha256: str


@dataclass(frozen=True)
class ReceivedPackage:
    """What :func:`receive` stored."""

    package_id: str
    sender: str
    records: int
    persons: int
    links: int
    exchange_id: int


def partner_token(secret: bytes, agreement: str, public_id: str) -> str:
    """The opaque token by which the partner names one of this side's persons.

    A keyed hash of the person's random public id: stable across exchanges under one
    agreement (so links accumulate), different under another agreement, and meaningless
    without this side's database.
    """
    message = b"tipdata partner token\x00" + agreement.encode() + b"\x00" + public_id.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def _quarter(seen: object) -> str | None:
    """The calendar quarter (``2008Q3``) of a record's first dated event, or None."""
    if isinstance(seen, str):
        seen = date.fromisoformat(seen[:10])
    if not isinstance(seen, date) or pd.isna(seen):
        return None
    return f"{seen.year}Q{(seen.month - 1) // 3 + 1}"


def _year_from_age(age: object, reference: object) -> int | None:
    """The birth year an age at a date gives (that year or the one before; encoded as is).

    A partner's list often gives only an age at the hand-over (a Thai ``อายุ`` column):
    the importer keeps the age and its date, and the encoding's birth year, compared
    within one year, is then as good as the partner's knowledge.
    """
    if isinstance(reference, str):
        reference = date.fromisoformat(reference[:10])
    if isinstance(reference, datetime):
        reference = reference.date()
    if not isinstance(reference, date) or age is None or pd.isna(age):
        return None
    return reference.year - int(age)  # type: ignore[call-overload]


def _fields(
    frame: pd.DataFrame, owners: Sequence[str], script_names: bool
) -> tuple[list[RecordFields], list[WithheldRecord], list[str | None]]:
    """The records' encoding fields, those withheld, and each encoded record's quarter."""
    encoded: list[RecordFields] = []
    withheld: list[WithheldRecord] = []
    quarters: list[str | None] = []
    for owner, row in zip(owners, frame.itertuples(index=False), strict=True):
        birth = row.birth_date if isinstance(row.birth_date, date) else None
        year = None if pd.isna(row.birth_year) else int(row.birth_year)
        if year is None and birth is None:
            year = _year_from_age(row.age_years, row.age_reference_date)
        fields = record_fields(
            owner,
            role=str(row.role) if row.role else None,
            family_name=row.family_name,
            given_name=row.given_name,
            full_name=row.full_name,
            script_name=row.full_name_khmer if script_names else None,
            sex=str(row.sex) if row.sex else None,
            birth_date=birth,
            birth_year=year,
        )
        if isinstance(fields, RecordFields):
            encoded.append(fields)
            quarters.append(_quarter(row.record_date))
        else:
            withheld.append(fields)
    return encoded, withheld, quarters


def _linked_records(db: Database, period_start: date, period_end: date) -> pd.DataFrame:
    """Person records that belong to a person, seen in the period (or undated)."""
    frame = load_person_records(db)
    if frame.empty:
        return frame
    frame = frame[frame["person_id"].notna()]

    def in_period(seen: object) -> bool:
        if isinstance(seen, str):
            seen = date.fromisoformat(seen[:10])
        if isinstance(seen, datetime):
            seen = seen.date()
        return not isinstance(seen, date) or period_start <= seen <= period_end

    return frame[[in_period(seen) for seen in frame["record_date"]]]


def record_exchange(
    session: Session,
    actor: Actor | None,
    action: str,
    row: CrossBorderExchange,
    *,
    kind: str | None = None,
) -> int:
    """Write one entry of the exchange log and its audit event; return the entry's id.

    The one writer of the exchange log, for packages of encodings (:func:`send`,
    :func:`receive`) and case hand-overs (:mod:`tipdata.standards.handover`, ``kind``
    "case hand-over"). Not committed here.

    Args:
        session: an open session.
        actor: who acts (None: the local operator).
        action: the audit action, ``export`` or ``import``.
        row: the log entry (sent, accepted or refused).
        kind: what was exchanged, recorded in the audit event when not a package of
            encodings.
    """
    session.add(row)
    session.flush()
    details: dict[str, str | int | None] = {
        "agreement": row.agreement,
        "status": row.status,
        "package": row.package_id,
        "records": row.record_count,
        "links": row.matched_count,
        "reason": row.reason,
    }
    if kind is not None:
        details["kind"] = kind
    audit_record(session, actor, action, EXCHANGE_OBJECT, [row.id], details)
    return row.id


def send(
    db: Database,
    agreement: Agreement,
    keys: LocalKeys,
    secret: bytes,
    out: Path,
    *,
    period_start: date,
    period_end: date,
    actor: Actor | None = None,
    acted_by: str = LOCAL_OPERATOR,
    workers: int = 1,
) -> SentPackage:
    """Encode this side's persons and write a sealed package for the other party.

    Args:
        db: this side's database.
        agreement: the agreement.
        keys: this side's private keys (they name this side's party).
        secret: the agreement's linkage secret.
        out: the package file to write (must not exist).
        period_start: first day of the period the package covers.
        period_end: last day of it.
        actor: who sends (None: the local operator).
        acted_by: the name written in the exchange log.
        workers: encoding processes.

    Returns:
        The package written.
    """
    if out.exists():
        raise FileExistsError(f"{out} exists; a package is never overwritten")
    sender = keys.country_in(agreement)
    recipient = next(country for country in agreement.parties if country != sender)
    frame = _linked_records(db, period_start, period_end)
    with db.session() as session:
        public_ids = dict(session.execute(sa.select(Person.id, Person.public_id)).tuples().all())
    owners = [
        partner_token(secret, agreement.code, public_ids[int(person_id)])
        for person_id in frame["person_id"]
    ]
    encoded, withheld, quarters = _fields(frame, owners, agreement.script_names)
    encodings = encode(encoded, secret=secret, salt=agreement.salt, workers=workers)
    manifest = Manifest(
        package_id=uuid.uuid4().hex,
        agreement=agreement.code,
        sender=sender,
        recipient=recipient,
        period_start=period_start,
        period_end=period_end,
        schema_version=ENCODING_SCHEMA_VERSION,
        records=len(encoded),
        persons=len({record.owner for record in encoded}),
        withheld=len(withheld),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    payload = Payload(
        [record.owner for record in encoded],
        [record.role for record in encoded],
        encodings,
        quarters if EVENT_QUARTER in agreement.disclosed else None,
    )
    data = seal(manifest, payload, agreement, keys)
    digest = hashlib.sha256(data).hexdigest()
    with db.session() as session:
        record_exchange(session, actor, "export", _log_row(manifest, "sent", digest, acted_by))
        out.write_bytes(data)
    log.info("package %s: %d records sent", manifest.package_id, manifest.records)
    return SentPackage(
        out,
        manifest.package_id,
        recipient,
        manifest.records,
        manifest.persons,
        manifest.withheld,
        digest,
    )


def _log_row(
    manifest: Manifest | None, status: str, digest: str, acted_by: str, **values: object
) -> CrossBorderExchange:
    row = CrossBorderExchange(status=status, file_sha256=digest, acted_by=acted_by, **values)
    if manifest is not None:
        row.package_id = manifest.package_id
        row.agreement = manifest.agreement
        row.sender = manifest.sender
        row.recipient = manifest.recipient
        row.period_start = manifest.period_start
        row.period_end = manifest.period_end
        row.schema_version = manifest.schema_version
        row.record_count = manifest.records
    return row


def _refuse(
    db: Database,
    data: bytes,
    path: Path,
    agreement: Agreement,
    refusal: ExchangeRefused,
    actor: Actor | None,
    acted_by: str,
) -> None:
    """Log a refused package (and nothing else), then let the refusal go on."""
    try:
        manifest: Manifest | None = read_manifest(data, path)[0]
    except ExchangeRefused:
        manifest = None
    row = _log_row(
        manifest,
        "refused",
        hashlib.sha256(data).hexdigest(),
        acted_by,
        reason=f"{refusal.check}: {refusal.reason}"[:1000],
    )
    if manifest is None:
        row.package_id = "unreadable"
        row.agreement = agreement.code
    else:
        # what the file claims, not what the agreement says: the log shows the claim
        row.agreement = manifest.agreement[:100]
    with db.session() as session:
        record_exchange(session, actor, "import", row)


def receive(
    db: Database,
    path: Path,
    agreement: Agreement,
    keys: LocalKeys,
    secret: bytes,
    *,
    actor: Actor | None = None,
    acted_by: str = LOCAL_OPERATOR,
    blocking: Blocking | None = Blocking(),
    workers: int = 1,
) -> ReceivedPackage:
    """Check, open and match a package; store its links on this side's persons.

    Args:
        db: this side's database.
        path: the package file.
        agreement: the agreement this side expects the package to be under.
        keys: this side's private keys.
        secret: the agreement's linkage secret.
        actor: who receives (None: the local operator).
        acted_by: the name written in the exchange log.
        blocking: the matcher's blocking (None: compare every pair).
        workers: encoding processes.

    Returns:
        What was stored.

    Raises:
        ExchangeRefused: signature, agreement, schema, recipient, sender, counts or a
            package already accepted; only the refusal is logged.
    """
    data = path.read_bytes()
    try:
        manifest, payload = open_package(data, path.name, agreement, keys)
        with db.session() as session:
            earlier = session.scalar(
                sa.select(CrossBorderExchange.id).where(
                    CrossBorderExchange.package_id == manifest.package_id,
                    CrossBorderExchange.status == "accepted",
                )
            )
        if earlier is not None:
            raise ExchangeRefused(
                path.name, "replay", f"package {manifest.package_id} was accepted before"
            )
    except ExchangeRefused as refusal:
        _refuse(db, data, path, agreement, refusal, actor, acted_by)
        raise
    frame = _linked_records(db, date.min, date.max)
    local_owners = [str(int(person_id)) for person_id in frame["person_id"]]
    local, _withheld, _quarters = _fields(frame, local_owners, agreement.script_names)
    local_encodings = encode(local, secret=secret, salt=agreement.salt, workers=workers)
    links = match(
        payload.tokens,
        payload.encodings,
        [record.owner for record in local],
        local_encodings,
        threshold=agreement.threshold,
        blocking=blocking,
    )
    roles = dict(zip(payload.tokens, payload.roles, strict=True))
    latest: dict[str, str] = {}  # per token, the latest quarter of its records
    for token, quarter in zip(payload.tokens, payload.quarters or [], strict=False):
        if quarter is not None and quarter > latest.get(token, ""):
            latest[token] = quarter
    with db.session() as session:
        row = _log_row(
            manifest,
            "accepted",
            hashlib.sha256(data).hexdigest(),
            acted_by,
            matched_count=len(links),
        )
        exchange_id = record_exchange(session, actor, "import", row)
        session.add_all(
            CrossBorderLink(
                exchange_id=exchange_id,
                agreement=manifest.agreement,
                partner_token=link.partner,
                partner_role=roles[link.partner],
                partner_quarter=latest.get(link.partner),
                person_id=int(link.local),
                score=round(link.score, 6),
            )
            for link in links
        )
    log.info("package %s: %d links stored", manifest.package_id, len(links))
    return ReceivedPackage(
        manifest.package_id,
        manifest.sender,
        manifest.records,
        manifest.persons,
        len(links),
        exchange_id,
    )


@dataclass(frozen=True)
class LogEntry:
    """One row of the exchange log, as the fronts show it."""

    logged_at: datetime
    status: str
    agreement: str
    sender: str | None
    recipient: str | None
    records: int | None
    links: int | None
    reason: str | None


def exchange_log(db: Database) -> list[LogEntry]:
    """The exchange log of this side, oldest first."""
    with db.session() as session:
        rows = session.scalars(sa.select(CrossBorderExchange).order_by(CrossBorderExchange.id))
        return [
            LogEntry(
                row.logged_at,
                row.status,
                row.agreement,
                row.sender,
                row.recipient,
                row.record_count,
                row.matched_count,
                row.reason,
            )
            for row in rows
        ]


__all__ = [
    "LogEntry",
    "ReceivedPackage",
    "SentPackage",
    "exchange_log",
    "partner_token",
    "receive",
    "record_exchange",
    "send",
]
