"""The agreement between two countries, each side's keys, and the shared linkage secret.

An agreement file (YAML, the same on both sides) names the agreement, the salt of its
encodings, the match threshold and, per party (ISO 3166 alpha-3 code), the agency that
receives hand-overs and its two public keys: Ed25519 (verifies its packages) and X25519
(encrypts packages to it). Each side keeps its two private keys in files of its own
(:func:`generate_keys`), and the linkage secret in a file that both sides hold and no
database ever stores (:func:`read_secret`). Which party this installation is follows
from its private keys: the party whose public keys they match.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from tipdata.errors import ConfigError, DataFileError
from tipdata.exchange.matching import DEFAULT_THRESHOLD

SECRET_BYTES = 32
"""Least length of the linkage secret."""

SIGNING_KEY_FILE = "signing.key"
ENCRYPTION_KEY_FILE = "encryption.key"

_COUNTRY = re.compile(r"^[A-Z]{3}$")

EVENT_QUARTER = "event_quarter"
"""A disclosure an agreement may list: each encoded record carries the calendar quarter
of its first dated event (``2008Q3``), so the receiver can count victims re-trafficked
after their repatriation. Nothing beside the encodings is sent unless listed."""

DISCLOSURES = frozenset({EVENT_QUARTER})


@dataclass(frozen=True)
class Party:
    """One country of an agreement: its receiving agency and its public keys."""

    country: str
    agency: str
    signing_key: Ed25519PublicKey
    encryption_key: X25519PublicKey


@dataclass(frozen=True)
class Agreement:
    """A bilateral agreement as both sides hold it (no secret in it)."""

    code: str
    title: str
    salt: bytes
    threshold: float
    script_names: bool
    parties: dict[str, Party]
    disclosed: frozenset[str] = frozenset()
    """What the packages carry beside tokens, roles and encodings (:data:`DISCLOSURES`)."""

    def party(self, country: str) -> Party:
        """The party of ``country``; ConfigError when the agreement has none."""
        if country not in self.parties:
            raise ConfigError(f"agreement {self.code} has no party {country}")
        return self.parties[country]


@dataclass(frozen=True)
class LocalKeys:
    """This side's private keys (in memory only)."""

    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    def __repr__(self) -> str:
        return "LocalKeys()"

    def country_in(self, agreement: Agreement) -> str:
        """The party of ``agreement`` whose public keys these private keys match."""
        signing = _raw(self.signing.public_key())
        encryption = _raw(self.encryption.public_key())
        for country, party in agreement.parties.items():
            if _raw(party.signing_key) == signing and _raw(party.encryption_key) == encryption:
                return country
        raise ConfigError(f"these keys are not the keys of any party of agreement {agreement.code}")


def _raw(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: Ed25519PublicKey | X25519PublicKey) -> str:
    """A public key as written in an agreement file (base64 of its 32 raw bytes)."""
    return base64.b64encode(_raw(key)).decode("ascii")


def _b64(file: Path, field: str, value: Any, length: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise DataFileError(file, "is not base64", field=field) from None
    if length is not None and len(raw) != length:
        raise DataFileError(file, f"must be {length} bytes, base64-encoded", field=field)
    return raw


def load_agreement(path: Path) -> Agreement:
    """Read and validate an agreement file.

    Args:
        path: the YAML file.

    Returns:
        The agreement.

    Raises:
        DataFileError: naming the file and the field at fault.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(path, f"cannot be read as YAML: {error}") from None
    if not isinstance(document, dict):
        raise DataFileError(path, "must be a mapping")
    for field in ("code", "salt", "parties"):
        if not document.get(field):
            raise DataFileError(path, "is missing", field=field)
    salt = _b64(path, "salt", document["salt"])
    if len(salt) < 16:
        raise DataFileError(path, "must be at least 16 bytes", field="salt")
    threshold = document.get("threshold", DEFAULT_THRESHOLD)
    if not isinstance(threshold, int | float) or not 0.5 <= threshold <= 1:
        raise DataFileError(path, "must be a number from 0.5 to 1", field="threshold")
    disclosed = document.get("disclosed") or []
    if not isinstance(disclosed, list) or not set(disclosed) <= DISCLOSURES:
        raise DataFileError(
            path, f"must be a list of {', '.join(sorted(DISCLOSURES))}", field="disclosed"
        )
    parties: dict[str, Party] = {}
    raw_parties = document["parties"]
    if not isinstance(raw_parties, dict) or len(raw_parties) != 2:
        raise DataFileError(path, "must name exactly two countries", field="parties")
    for country, entry in raw_parties.items():
        where = f"parties.{country}"
        if not isinstance(country, str) or not _COUNTRY.match(country):
            raise DataFileError(path, "must be an ISO 3166 alpha-3 code", field=where)
        if not isinstance(entry, dict):
            raise DataFileError(path, "must be a mapping", field=where)
        for field in ("agency", "signing_key", "encryption_key"):
            if not entry.get(field):
                raise DataFileError(path, "is missing", field=f"{where}.{field}")
        parties[country] = Party(
            country=country,
            agency=str(entry["agency"]),
            signing_key=Ed25519PublicKey.from_public_bytes(
                _b64(path, f"{where}.signing_key", entry["signing_key"], 32)
            ),
            encryption_key=X25519PublicKey.from_public_bytes(
                _b64(path, f"{where}.encryption_key", entry["encryption_key"], 32)
            ),
        )
    return Agreement(
        code=str(document["code"]),
        title=str(document.get("title", "")),
        salt=salt,
        threshold=float(threshold),
        script_names=bool(document.get("script_names", False)),
        parties=parties,
        disclosed=frozenset(disclosed),
    )


def _private_file(path: Path, what: str) -> bytes:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{what} {path} cannot be read: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{what} {path} is readable by others: chmod 600 it")
    return data


def read_secret(path: Path) -> bytes:
    """The agreement's linkage secret, from a file only its owner can read.

    Args:
        path: the secret file (given at run time; never stored in a database).

    Returns:
        The secret's bytes (surrounding white space removed).

    Raises:
        ConfigError: unreadable, readable by others, or shorter than 32 bytes.
    """
    secret = _private_file(path, "secret file").strip()
    if len(secret) < SECRET_BYTES:
        raise ConfigError(f"secret file {path} holds fewer than {SECRET_BYTES} bytes")
    return secret


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (created with mode 600, never overwritten)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def new_secret(path: Path) -> None:
    """Write a fresh random linkage secret (64 hex characters) to a new private file."""
    write_private(path, secrets.token_hex(SECRET_BYTES).encode("ascii") + b"\n")


def generate_keys(folder: Path) -> tuple[str, str]:
    """Make this side's key pair files in ``folder``; return the public keys as text.

    Args:
        folder: where ``signing.key`` and ``encryption.key`` are written (mode 600).

    Returns:
        (signing public key, encryption public key), as the agreement file writes them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    signing = Ed25519PrivateKey.generate()
    encryption = X25519PrivateKey.generate()
    no_encryption = serialization.NoEncryption()
    for name, key in ((SIGNING_KEY_FILE, signing), (ENCRYPTION_KEY_FILE, encryption)):
        write_private(
            folder / name,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, no_encryption
            ),
        )
    return public_key_text(signing.public_key()), public_key_text(encryption.public_key())


def load_keys(folder: Path) -> LocalKeys:
    """This side's private keys from ``folder`` (files of :func:`generate_keys`).

    Raises:
        ConfigError: a file is missing, readable by others or not a key of its kind.
    """
    keys: list[Any] = []
    for name, kind in (
        (SIGNING_KEY_FILE, Ed25519PrivateKey),
        (ENCRYPTION_KEY_FILE, X25519PrivateKey),
    ):
        data = _private_file(folder / name, "key file")
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except ValueError:
            raise ConfigError(f"key file {folder / name} is not a PEM private key") from None
        if not isinstance(key, kind):
            raise ConfigError(f"key file {folder / name} is not an {kind.__name__[:-10]} key")
        keys.append(key)
    return LocalKeys(signing=keys[0], encryption=keys[1])


__all__ = [
    "Agreement",
    "LocalKeys",
    "Party",
    "generate_keys",
    "load_agreement",
    "load_keys",
    "new_secret",
    "public_key_text",
    "read_secret",
]
