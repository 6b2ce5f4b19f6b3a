"""Consented case hand-over across a border: one victim's case, in HTCDS 2.0 fields.

The only package that carries a person's identity. :func:`send_handover` takes one
referral of this side's, and refuses it (nothing written, nothing logged as sent) unless
consent to it is recorded (``referral.consent_recorded``) and it refers the person to the
agency the agreement names as the other party's receiving agency. The package holds one
HTCDS 2.0 row (name, birth date, gender, citizenship, trafficking status, forms of
exploitation, the referral and the consent), sealed with the exchange's envelope
(:func:`tipdata.exchange.package.seal_document`: Ed25519 signature, X25519 + AES-256-GCM)
under its own format label :data:`HANDOVER_FORMAT`, so an encodings package is never
read as a hand-over nor the reverse. The sender's record gets a dated ``handed_over``
event.

:func:`receive_handover` checks format, agreement, recipient, receiving agency, sender,
signature and decryption, refuses a package accepted before, then imports the row
through the HTCDS mapping machinery (:func:`tipdata.standards.htcds_import.htcds_mapping`,
``csv`` layout, plus a dated ``received`` event) in the ingest's one
transaction, owned by this side's receiving agency. Both sides log the hand-over in the
exchange log and the audit log, with no name in either.

It lives in ``standards`` because it joins the exchange (below ``standards`` in the
layers contract) with the HTCDS export and import (in ``standards``); ``exchange`` may
not import ``standards``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
import yaml

from tipdata.access.policy import Actor
from tipdata.errors import DataFileError, TipdataError
from tipdata.exchange.agreement import Agreement, LocalKeys
from tipdata.exchange.package import ExchangeRefused, open_document, seal_document
from tipdata.exchange.service import LOCAL_OPERATOR, record_exchange
from tipdata.ingest import import_file
from tipdata.ingest.mapping import parse_mapping
from tipdata.linkage.features import load_person_records
from tipdata.model.enums import EventType
from tipdata.standards.htcds import check_rows, load_mapping, load_standard
from tipdata.standards.htcds_import import htcds_mapping
from tipdata.store import (
    Agency,
    CaseExploitation,
    CasePerson,
    CrossBorderExchange,
    Database,
    Event,
    PersonRecord,
    Referral,
    Screening,
)

HANDOVER_FORMAT = "tipdata-case-handover/1"
"""The hand-over package's format label (signed)."""

HANDOVER_SCHEMA = "HTCDS 2.0"
RECEIVED_COLUMN = "received_on"
"""Added on the receiving side to the imported row: the date the case was received."""


class HandoverRefused(TipdataError):
    """A hand-over was refused before anything was written (sending side)."""


@dataclass(frozen=True)
class HandoverSent:
    """What :func:`send_handover` wrote."""

    path: Path
    package_id: str
    recipient: str
    agency: str
    sha256: str


@dataclass(frozen=True)
class HandoverReceived:
    """What :func:`receive_handover` stored."""

    package_id: str
    sender: str
    import_run_id: int
    exchange_id: int


def _other(agreement: Agreement, country: str) -> str:
    return next(party for party in agreement.parties if party != country)


def _htcds_row(session: Any, db: Database, referral: Referral, agency: str) -> dict[str, str]:
    """The referred person's case as one HTCDS 2.0 row (identity included)."""
    frame = load_person_records(db, record_ids=[referral.person_record_id])
    person = frame.iloc[0]
    mapping = load_mapping()
    standard = load_standard()
    status = session.scalar(
        sa.select(sa.cast(Screening.final_determination, sa.String))
        .where(
            Screening.person_record_id == referral.person_record_id,
            Screening.final_determination.is_not(None),
        )
        .order_by(Screening.screening_date.desc().nulls_last(), Screening.id.desc())
        .limit(1)
    )
    forms = session.scalars(
        sa.select(CaseExploitation.exploitation_type)
        .join(CasePerson, CasePerson.case_id == CaseExploitation.case_id)
        .where(CasePerson.person_record_id == referral.person_record_id)
    ).all()
    exploitation = sorted(
        {
            value
            for form in forms
            for field_name, value in mapping.exploitation.get(str(form), {}).items()
            if field_name == "vic_TypeOfExploitation"
        }
    )
    born = person["birth_date"]
    consent_yes = dict(standard.consent.items())["Yes"]
    referred = referral.referral_date or referral.consent_date
    row = {
        "row_id": "1",
        "prs_FirstName": str(person["given_name"] or ""),
        "prs_SecondName": str(person["family_name"] or ""),
        "prs_Gender": mapping.gender.get(str(person["sex"] or "unknown"), "NonSpecifiedUnknown"),
        "prs_Birthdate": born.isoformat() if isinstance(born, date) and not pd.isna(born) else "",
        "vic_TraffickingStatus": mapping.trafficking_status[status] if status else "",
        "vic_TypeOfExploitation": ";".join(exploitation),
        "cas_IncomingReferralDate": referred.isoformat() if referred else "",
        "cas_ReferredOrganisation": agency,
        "cas_OutgoingReferralDate": referred.isoformat() if referred else "",
        "con_Consent": consent_yes,
    }
    check_rows([{k: v for k, v in row.items() if k != "row_id"}], "<hand-over>")
    return row


def _log(
    session: Any,
    actor: Actor | None,
    action: str,
    *,
    package_id: str,
    agreement: str,
    status: str,
    sender: str | None,
    recipient: str | None,
    digest: str,
    acted_by: str,
    reason: str | None = None,
) -> int:
    row = CrossBorderExchange(
        package_id=package_id[:64],
        agreement=agreement[:100],
        status=status,
        sender=sender,
        recipient=recipient,
        schema_version=HANDOVER_SCHEMA,
        record_count=1,
        file_sha256=digest,
        acted_by=acted_by,
        reason=reason,
    )
    return record_exchange(session, actor, action, row, kind="case hand-over")


def send_handover(
    db: Database,
    agreement: Agreement,
    keys: LocalKeys,
    referral_id: int,
    out: Path,
    *,
    handed_over_on: date,
    actor: Actor | None = None,
    acted_by: str = LOCAL_OPERATOR,
) -> HandoverSent:
    """Seal one consented referral as a hand-over package for the agreement's other party.

    Raises:
        HandoverRefused: no such referral, no consent recorded, or the referral is not to
            the agreement's named receiving agency; nothing is written.
        FileExistsError: ``out`` exists.
    """
    if out.exists():
        raise FileExistsError(f"{out} exists; a package is never overwritten")
    sender = keys.country_in(agreement)
    recipient = _other(agreement, sender)
    agency = agreement.party(recipient).agency
    with db.session() as session:
        referral = session.get(Referral, referral_id)
        if referral is None:
            raise HandoverRefused(f"referral {referral_id}: no such referral")
        if not referral.consent_recorded:
            raise HandoverRefused(
                f"referral {referral_id}: no consent recorded; a case is handed over only "
                "with the person's recorded consent"
            )
        to_agency = session.scalar(sa.select(Agency.code).where(Agency.id == referral.to_agency_id))
        if to_agency != agency:
            raise HandoverRefused(
                f"referral {referral_id}: refers to {to_agency or 'a service provider'}, "
                f"not to {agency}, the receiving agency agreement {agreement.code} names "
                f"for {recipient}"
            )
        row = _htcds_row(session, db, referral, agency)
        package_id = uuid.uuid4().hex
        manifest = {
            "format": HANDOVER_FORMAT,
            "package_id": package_id,
            "agreement": agreement.code,
            "sender": sender,
            "recipient": recipient,
            "recipient_agency": agency,
            "schema_version": HANDOVER_SCHEMA,
            "consent_date": referral.consent_date.isoformat() if referral.consent_date else None,
            "handed_over_on": handed_over_on.isoformat(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        data = seal_document(HANDOVER_FORMAT, manifest, {"rows": [row]}, recipient, agreement, keys)
        digest = hashlib.sha256(data).hexdigest()
        record = session.get(PersonRecord, referral.person_record_id)
        assert record is not None
        session.add(
            Event(
                person_record_id=record.id,
                event_type=EventType.HANDED_OVER,
                event_date=handed_over_on,
                agency_id=referral.from_agency_id,
                source_record_id=record.source_record_id,
                owner_agency_id=referral.from_agency_id,
            )
        )
        _log(session, actor, "export", package_id=package_id,
             agreement=agreement.code, status="sent", sender=sender, recipient=recipient,
             digest=digest, acted_by=acted_by)  # fmt: skip
        out.write_bytes(data)
    return HandoverSent(out, package_id, recipient, agency, digest)


def _check_manifest(data: bytes, file: str, agreement: Agreement, local: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
        manifest = document["manifest"]
        label = manifest.get("format")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ExchangeRefused(file, "format", f"not a readable package ({error!r})") from None
    if label != HANDOVER_FORMAT:
        raise ExchangeRefused(file, "format", f"format {label!r}, expected {HANDOVER_FORMAT!r}")
    if manifest.get("agreement") != agreement.code:
        raise ExchangeRefused(
            file,
            "agreement",
            f"made under agreement {manifest.get('agreement')!r}, expected {agreement.code!r}",
        )
    if manifest.get("recipient") != local:
        raise ExchangeRefused(
            file, "recipient", f"addressed to {manifest.get('recipient')!r}, this side is {local!r}"
        )
    agency = agreement.party(local).agency
    if manifest.get("recipient_agency") != agency:
        raise ExchangeRefused(
            file,
            "agency",
            f"addressed to agency {manifest.get('recipient_agency')!r}, the agreement names "
            f"{agency!r}",
        )
    if manifest.get("sender") == local or manifest.get("sender") not in agreement.parties:
        raise ExchangeRefused(
            file, "sender", f"sender {manifest.get('sender')!r} is not the agreement's other party"
        )
    return dict(document)


def receive_handover(
    db: Database,
    path: Path,
    agreement: Agreement,
    keys: LocalKeys,
    *,
    actor: Actor | None = None,
    acted_by: str = LOCAL_OPERATOR,
) -> HandoverReceived:
    """Check and open a hand-over package and import its case through the HTCDS mapping.

    Raises:
        ExchangeRefused: naming the check that failed (``format``, ``agreement``,
            ``recipient``, ``agency``, ``sender``, ``signature``, ``decryption``,
            ``replay`` or ``import``); only the refusal is logged.
    """
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    local = keys.country_in(agreement)
    agency = agreement.party(local).agency
    claimed: dict[str, Any] = {}
    try:
        document = _check_manifest(data, path.name, agreement, local)
        claimed = document["manifest"]
        body = open_document(
            HANDOVER_FORMAT, document, path.name, claimed["sender"], agreement, keys
        )
        with db.session() as session:
            earlier = session.scalar(
                sa.select(CrossBorderExchange.id).where(
                    CrossBorderExchange.package_id == str(claimed["package_id"]),
                    CrossBorderExchange.status == "accepted",
                )
            )
        if earlier is not None:
            raise ExchangeRefused(
                path.name, "replay", f"package {claimed['package_id']} was accepted before"
            )
        try:
            result = _import(db, body, claimed, agency)
        except DataFileError as error:
            raise ExchangeRefused(path.name, "import", str(error)) from None
        if result.status != "committed" or result.import_run_id is None:
            issues = "; ".join(f"{i.column}: {i.message}" for i in result.issues[:3])
            raise ExchangeRefused(path.name, "import", f"the case was not imported ({issues})")
    except ExchangeRefused as refusal:
        with db.session() as session:
            _log(session, actor, "import", package_id=str(claimed.get("package_id", "unreadable")),
                 agreement=str(claimed.get("agreement", agreement.code)), status="refused",
                 sender=None, recipient=local, digest=digest, acted_by=acted_by,
                 reason=f"{refusal.check}: {refusal.reason}"[:1000])  # fmt: skip
        raise
    with db.session() as session:
        exchange_id = _log(session, actor, "import", package_id=str(claimed["package_id"]),
                           agreement=agreement.code, status="accepted", sender=claimed["sender"],
                           recipient=local, digest=digest, acted_by=acted_by)  # fmt: skip
    return HandoverReceived(
        str(claimed["package_id"]), str(claimed["sender"]), result.import_run_id, exchange_id
    )


def _import(db: Database, body: dict[str, Any], manifest: dict[str, Any], agency: str) -> Any:
    """Import the package's rows with the HTCDS mapping; a ``received`` event dates receipt."""
    document = htcds_mapping(agency, layout="csv", source=f"handover_{agency.lower()}")
    document["recognise"]["pattern"] = "handover_*.csv"
    document["records"].append(
        {
            "kind": "event",
            "name": "received",
            "fields": {
                "person_record_id": {"ref": "victim"},
                "case_id": {"ref": "case"},
                "event_type": {"const": EventType.RECEIVED.value},
                "event_date": {"date": RECEIVED_COLUMN},
            },
        }
    )
    mapping = parse_mapping(yaml.safe_dump(document), "<hand-over mapping>")
    rows = [dict(row) for row in body.get("rows", [])]
    package_id = str(manifest["package_id"])
    for row in rows:
        row["row_id"] = f"{package_id}-{row.get('row_id', '1')}"
        row[RECEIVED_COLUMN] = str(manifest.get("handed_over_on") or "")
    with tempfile.TemporaryDirectory(prefix="tipdata-handover-") as folder:
        file = Path(folder) / f"handover_{package_id}.csv"
        # the columns the mapping reads and the package leaves out are written blank
        columns = sorted({column for row in rows for column in row} | mapping.columns_used())
        with file.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(rows)
        return import_file(db, file, mapping=mapping, imported_by="cross-border hand-over")


__all__ = [
    "HANDOVER_FORMAT",
    "HandoverReceived",
    "HandoverRefused",
    "HandoverSent",
    "receive_handover",
    "send_handover",
]
