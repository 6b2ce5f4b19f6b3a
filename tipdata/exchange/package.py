"""The exchange package: a manifest, encrypted encodings, and the sender's signature.

A package is one JSON file::

    {"manifest": {...}, "ephemeral_key": b64, "nonce": b64, "ciphertext": b64,
     "signature": b64}

The manifest (in clear, so that a package can be refused before anything is decrypted)
names the format, the package id, the agreement, sender and recipient, the period, the
encoding schema version and the record counts. The payload (the partner tokens, roles
and encodings) is encrypted to the recipient: an ephemeral X25519 key agreement with the
recipient's public key, HKDF-SHA256 to an AES-256-GCM key, the manifest as associated
data. The sender signs (Ed25519) the format label, the manifest, the ephemeral key, the
nonce and the ciphertext; the recipient verifies with the sender's key from the
agreement file before it decrypts. Any change to any part, or a signature by any other
key, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tipdata.errors import TipdataError
from tipdata.exchange.agreement import EVENT_QUARTER, Agreement, LocalKeys, public_key_text
from tipdata.exchange.encoding import ENCODING_SCHEMA_VERSION, FILTER_BYTES

PACKAGE_FORMAT = "tipdata-cross-border/1"
"""The package format; a file of another format is refused."""

_QUARTER = re.compile(r"^[0-9]{4}Q[1-4]$")

_KDF_INFO = b"tipdata cross-border package key\x00"


class ExchangeRefused(TipdataError):
    """A package was refused; nothing of it was stored.

    Attributes:
        file: the package file.
        check: what failed: ``format``, ``schema``, ``agreement``, ``recipient``,
            ``sender``, ``signature``, ``decryption``, ``counts``, ``disclosure`` or
            ``replay``.
        reason: what was found.
    """

    def __init__(self, file: str | Path, check: str, reason: str) -> None:
        self.file = str(file)
        self.check = check
        self.reason = reason
        super().__init__(f"{file}: package refused, {check} check failed: {reason}")


@dataclass(frozen=True)
class Manifest:
    """What a package says about itself, in clear (no personal data)."""

    package_id: str
    agreement: str
    sender: str
    recipient: str
    period_start: date
    period_end: date
    schema_version: str
    records: int
    persons: int
    withheld: int
    created_at: str

    def document(self) -> dict[str, Any]:
        """The manifest as written in the file."""
        return {
            "format": PACKAGE_FORMAT,
            "package_id": self.package_id,
            "agreement": self.agreement,
            "sender": self.sender,
            "recipient": self.recipient,
            "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
            "schema_version": self.schema_version,
            "records": self.records,
            "persons": self.persons,
            "withheld": self.withheld,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Payload:
    """The encrypted part: per encoding, the sender's person token and role."""

    tokens: list[str]
    roles: list[str | None]
    encodings: np.ndarray
    quarters: list[str | None] | None = None
    """Per encoding, the quarter of the record's first dated event (``2008Q3``), sent only
    when the agreement discloses it (``event_quarter``); None: not sent."""


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _signed_message(
    manifest: bytes, ephemeral: bytes, nonce: bytes, ciphertext: bytes, label: str = PACKAGE_FORMAT
) -> bytes:
    return b"\x00".join(
        (label.encode(), manifest, ephemeral, nonce, hashlib.sha256(ciphertext).digest())
    )


def _package_key(shared: bytes, ephemeral: bytes, recipient: bytes, agreement: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + recipient,
        info=_KDF_INFO + agreement.encode("utf-8"),
    ).derive(shared)


def seal(manifest: Manifest, payload: Payload, agreement: Agreement, keys: LocalKeys) -> bytes:
    """Encrypt the payload to the recipient and sign the package.

    Args:
        manifest: the manifest (its sender must be this side).
        payload: tokens, roles and encodings.
        agreement: the agreement (gives the recipient's encryption key).
        keys: this side's private keys.

    Returns:
        The package file's bytes.
    """
    body = {
        "tokens": payload.tokens,
        "roles": payload.roles,
        "encodings": base64.b64encode(payload.encodings.tobytes()).decode("ascii"),
    }
    if payload.quarters is not None:
        if EVENT_QUARTER not in agreement.disclosed:
            raise ValueError("the agreement does not disclose event quarters")
        body["quarters"] = payload.quarters
    return seal_document(
        PACKAGE_FORMAT, manifest.document(), body, manifest.recipient, agreement, keys
    )


def seal_document(
    label: str,
    manifest: dict[str, Any],
    body: dict[str, Any],
    recipient: str,
    agreement: Agreement,
    keys: LocalKeys,
) -> bytes:
    """Encrypt ``body`` to ``recipient`` and sign it with ``manifest`` in clear.

    The envelope of every package kind (``label`` names the kind and is signed, so a
    package of one kind is never read as another).

    Returns:
        The package file's bytes.
    """
    recipient_key = agreement.party(recipient).encryption_key
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = base64.b64decode(public_key_text(ephemeral.public_key()))
    recipient_raw = base64.b64decode(public_key_text(recipient_key))
    key = _package_key(
        ephemeral.exchange(recipient_key), ephemeral_public, recipient_raw, agreement.code
    )
    manifest_bytes = _canonical(manifest)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, _canonical(body), manifest_bytes)
    signature = keys.signing.sign(
        _signed_message(manifest_bytes, ephemeral_public, nonce, ciphertext, label)
    )
    document = {
        "manifest": manifest,
        "ephemeral_key": base64.b64encode(ephemeral_public).decode("ascii"),
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return json.dumps(document, sort_keys=True, indent=1).encode("utf-8")


def read_manifest(data: bytes, file: str | Path) -> tuple[Manifest, dict[str, Any]]:
    """The manifest of a package file, checked for shape only (nothing is trusted yet).

    Raises:
        ExchangeRefused: ``format``: not a package of this format.
    """
    try:
        document = json.loads(data)
        raw = document["manifest"]
        if raw.get("format") != PACKAGE_FORMAT:
            raise ExchangeRefused(
                file, "format", f"format {raw.get('format')!r}, expected {PACKAGE_FORMAT!r}"
            )
        manifest = Manifest(
            package_id=str(raw["package_id"]),
            agreement=str(raw["agreement"]),
            sender=str(raw["sender"]),
            recipient=str(raw["recipient"]),
            period_start=date.fromisoformat(raw["period"]["start"]),
            period_end=date.fromisoformat(raw["period"]["end"]),
            schema_version=str(raw["schema_version"]),
            records=int(raw["records"]),
            persons=int(raw["persons"]),
            withheld=int(raw["withheld"]),
            created_at=str(raw["created_at"]),
        )
    except ExchangeRefused:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ExchangeRefused(file, "format", f"not a readable package ({error!r})") from None
    return manifest, document


def open_package(
    data: bytes, file: str | Path, agreement: Agreement, keys: LocalKeys
) -> tuple[Manifest, Payload]:
    """Check a package against the agreement, verify its signature and decrypt it.

    The checks, in order: format, schema version, agreement, recipient (this side),
    sender (the agreement's other party), the sender's signature, decryption, and the
    payload's counts against the manifest.

    Args:
        data: the file's bytes.
        file: its name (for the error).
        agreement: the agreement this side expects.
        keys: this side's private keys.

    Returns:
        The manifest and the decrypted payload.

    Raises:
        ExchangeRefused: naming the check that failed.
    """
    manifest, document = read_manifest(data, file)
    if manifest.schema_version != ENCODING_SCHEMA_VERSION:
        raise ExchangeRefused(
            file,
            "schema",
            f"encoding schema {manifest.schema_version!r}, this side uses "
            f"{ENCODING_SCHEMA_VERSION!r}",
        )
    if manifest.agreement != agreement.code:
        raise ExchangeRefused(
            file,
            "agreement",
            f"made under agreement {manifest.agreement!r}, expected {agreement.code!r}",
        )
    local = keys.country_in(agreement)
    if manifest.recipient != local:
        raise ExchangeRefused(
            file, "recipient", f"addressed to {manifest.recipient!r}, this side is {local!r}"
        )
    if manifest.sender == local or manifest.sender not in agreement.parties:
        raise ExchangeRefused(
            file, "sender", f"sender {manifest.sender!r} is not the agreement's other party"
        )
    body = open_document(PACKAGE_FORMAT, document, file, manifest.sender, agreement, keys)
    raw = base64.b64decode(body["encodings"])
    tokens = [str(token) for token in body["tokens"]]
    roles = [None if role is None else str(role) for role in body["roles"]]
    if len(raw) % FILTER_BYTES or not (
        len(raw) // FILTER_BYTES == len(tokens) == len(roles) == manifest.records
    ):
        raise ExchangeRefused(
            file, "counts", f"the payload does not hold the {manifest.records} records stated"
        )
    if len(set(tokens)) != manifest.persons:
        raise ExchangeRefused(
            file, "counts", f"the payload does not hold the {manifest.persons} persons stated"
        )
    quarters = body.get("quarters")
    if quarters is not None:
        if EVENT_QUARTER not in agreement.disclosed:
            raise ExchangeRefused(
                file,
                "disclosure",
                "the package carries event quarters; the agreement does not list them as disclosed",
            )
        if (
            not isinstance(quarters, list)
            or len(quarters) != len(tokens)
            or not all(
                quarter is None or (isinstance(quarter, str) and _QUARTER.match(quarter))
                for quarter in quarters
            )
        ):
            raise ExchangeRefused(file, "counts", "the event quarters are not one per record")
    encodings = np.frombuffer(raw, dtype=np.uint8).reshape(len(tokens), FILTER_BYTES)
    return manifest, Payload(tokens, roles, encodings, quarters)


def open_document(
    label: str,
    document: dict[str, Any],
    file: str | Path,
    sender: str,
    agreement: Agreement,
    keys: LocalKeys,
) -> dict[str, Any]:
    """Verify ``sender``'s signature of a package of kind ``label`` and decrypt its body.

    The caller has checked the manifest (format, agreement, recipient, sender) first.

    Raises:
        ExchangeRefused: ``format``, ``signature`` or ``decryption``.
    """
    try:
        ephemeral = base64.b64decode(document["ephemeral_key"], validate=True)
        nonce = base64.b64decode(document["nonce"], validate=True)
        ciphertext = base64.b64decode(document["ciphertext"], validate=True)
        signature = base64.b64decode(document["signature"], validate=True)
    except (KeyError, TypeError, binascii.Error, ValueError) as error:
        raise ExchangeRefused(file, "format", f"not a readable package ({error!r})") from None
    manifest_bytes = _canonical(document["manifest"])
    try:
        agreement.party(sender).signing_key.verify(
            signature, _signed_message(manifest_bytes, ephemeral, nonce, ciphertext, label)
        )
    except InvalidSignature:
        raise ExchangeRefused(
            file,
            "signature",
            f"the signature does not verify with {sender}'s signing key of "
            f"agreement {agreement.code} (changed after signing, or signed by another key)",
        ) from None
    try:
        shared = keys.encryption.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        recipient_raw = base64.b64decode(public_key_text(keys.encryption.public_key()))
        key = _package_key(shared, ephemeral, recipient_raw, agreement.code)
        body = json.loads(AESGCM(key).decrypt(nonce, ciphertext, manifest_bytes))
    except (InvalidTag, ValueError) as error:
        raise ExchangeRefused(file, "decryption", f"cannot be decrypted ({error!r})") from None
    if not isinstance(body, dict):
        raise ExchangeRefused(file, "decryption", "the payload is not a JSON object")
    return body


__all__ = [
    "PACKAGE_FORMAT",
    "ExchangeRefused",
    "Manifest",
    "Payload",
    "open_document",
    "open_package",
    "read_manifest",
    "seal",
    "seal_document",
]
