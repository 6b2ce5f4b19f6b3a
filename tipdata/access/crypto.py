"""Protected fields at rest: AES-GCM with the row's place as associated data, and blind indexes.

A ciphertext is the text ``v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``:
the version lets the format change later, the key id names the data key (kept
wrapped in the ``data_key`` table, see :mod:`tipdata.access.keys`). The
associated data binds a ciphertext to its table, column and row id, so a value
copied to another row or column no longer decrypts.

Exact-match search on protected names uses a blind index: HMAC-SHA256 of the
normalised name under a separate key, stored in ``*_bidx`` columns.
"""

from __future__ import annotations

import binascii
import hmac
import os
import secrets
import unicodedata
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tipdata.access.errors import ProtectedFieldError
from tipdata.text import normalise

FORMAT_VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


def new_key_id() -> str:
    """A fresh random key id: 16 hexadecimal characters."""
    return secrets.token_hex(8)


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64encode(data: bytes) -> str:
    """base64url without padding (``binascii`` directly: this runs per encrypted value)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


_STANDARD = bytes.maketrans(b"-_", b"+/")


def _b64decode(text: str) -> bytes:
    """base64url, padding optional (``binascii`` directly: this runs per decrypted value)."""
    data = text.encode("ascii").translate(_STANDARD) + b"=" * (-len(text) % 4)
    return binascii.a2b_base64(data, strict_mode=True)


def associated_data(key_id: str, table: str, column: str, row_id: int | str) -> bytes:
    """The AES-GCM associated data binding a ciphertext to its key, table, column and row."""
    return "\x1f".join([FORMAT_VERSION, key_id, table, column, str(row_id)]).encode("utf-8")


class FieldCipher:
    """Encrypts and decrypts protected field values.

    Args:
        keys: data key id → 32-byte key; every key that may still be in use.
        active_key_id: the key new values are encrypted with.

    Examples:
        >>> cipher = FieldCipher({"k1": new_key()}, "k1")
        >>> token = cipher.encrypt("person_record", "full_name", 7, "សុខ ដារ៉ា")
        >>> cipher.decrypt("person_record", "full_name", 7, token)
        'សុខ ដារ៉ា'
    """

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise ProtectedFieldError(f"active data key {active_key_id} is not loaded")
        if any(len(key) != KEY_BYTES for key in keys.values()):
            raise ProtectedFieldError("data keys must be 32 bytes")
        self._keys = dict(keys)
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active_key_id = active_key_id
        self._places: dict[tuple[str, str], tuple[bytes, str]] = {}
        """(table, column) -> the associated data before the row id, and the token prefix
        (active key): worked out once, since an import encrypts millions of values."""

    def with_active_key(self, key_id: str, key: bytes) -> FieldCipher:
        """A cipher that also holds ``key`` and encrypts with it (old keys still decrypt)."""
        return FieldCipher({**self._keys, key_id: key}, key_id)

    def __repr__(self) -> str:
        return f"FieldCipher(active_key_id={self.active_key_id!r}, keys={len(self._aead)})"

    def encrypt(self, table: str, column: str, row_id: int | str, plaintext: str) -> str:
        """Encrypt one value for one place (table, column, row id).

        Args:
            table: table name, e.g. ``"person_record"``.
            column: column name, e.g. ``"full_name"``.
            row_id: the row's primary key (flush the row first to get it).
            plaintext: the value; any Unicode text.

        Returns:
            ``v1.<key id>.<base64url>``, ASCII, fit for a ``Text`` column.
        """
        key_id = self.active_key_id
        place = self._places.get((table, column))
        if place is None:
            stem = associated_data(key_id, table, column, "")
            place = self._places[(table, column)] = (stem, f"{FORMAT_VERSION}.{key_id}.")
        stem, prefix = place
        nonce = os.urandom(NONCE_BYTES)  # what secrets.token_bytes returns, without the call
        sealed = self._aead[key_id].encrypt(
            nonce, plaintext.encode("utf-8"), stem + str(row_id).encode()
        )
        return prefix + _b64encode(nonce + sealed)

    def decrypt(self, table: str, column: str, row_id: int | str, token: str) -> str:
        """Decrypt one value, checking it belongs to this place and was not altered.

        Raises:
            ProtectedFieldError: malformed, unknown key, tampered, or moved to another
                table, column or row. The message never contains the value.
        """
        key_id = self.key_id_of(token)
        aead = self._aead.get(key_id)
        if aead is None:
            raise ProtectedFieldError(f"{table}.{column} row {row_id}: unknown data key {key_id}")
        try:
            blob = _b64decode(token.split(".", 2)[2])
            plain = aead.decrypt(
                blob[:NONCE_BYTES],
                blob[NONCE_BYTES:],
                associated_data(key_id, table, column, row_id),
            )
            return plain.decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error):
            raise ProtectedFieldError(
                f"{table}.{column} row {row_id}: ciphertext fails authentication "
                "(tampered, moved or wrong key)"
            ) from None

    @staticmethod
    def key_id_of(token: str) -> str:
        """The data key id a ciphertext was made with.

        Raises:
            ProtectedFieldError: not a ciphertext of a known format version.
        """
        parts = token.split(".", 2)
        if len(parts) != 3 or parts[0] != FORMAT_VERSION or not parts[1]:
            raise ProtectedFieldError("not a protected-field ciphertext of format v1")
        return parts[1]


def normalise_name(name: str) -> str:
    """A name in the form the blind index hashes: NFKC, case-folded, single spaces.

    The same normalisation as ``tipdata.linkage.names.clean(name, ascii_latin=False)``
    (both call ``tipdata.text.normalise``), so the index and linkage cannot drift.

    Examples:
        >>> normalise_name("  SOK   Dara ")
        'sok dara'
    """
    return normalise(name, ascii_latin=False)


_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d")


def normalise_document_number(number: str) -> str:
    """A document number in the form stored and indexed: NFKC, upper case, ASCII digits,
    no spaces or hyphens.

    Sources write the same passport as ``n 0123-456``, ``N0123456`` or with Khmer
    digits; all become ``N0123456``. Other characters are kept (validation rejects them).

    Examples:
        >>> normalise_document_number(" n 0123-456 ")
        'N0123456'
        >>> normalise_document_number("N\u17e0\u17e1\u17e2")
        'N012'
    """
    text = unicodedata.normalize("NFKC", number)
    kept: list[str] = []
    for char in text:
        if char.isspace() or char in _DASHES:
            continue
        if char.isdecimal() and not char.isascii():
            char = str(unicodedata.decimal(char))
        kept.append(char.upper())
    return "".join(kept)


class BlindIndex:
    """Keyed HMAC-SHA256 of normalised names, for exact-match search on encrypted names.

    The key is separate from the encryption keys: the index reveals equality of
    names to whoever reads the table, nothing more, and cannot be computed
    without the key.

    Args:
        key: the blind-index key (at least 32 bytes).
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ProtectedFieldError("blind-index key must be at least 32 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "BlindIndex()"

    def index(self, name: str | None) -> str | None:
        """The 64-hex-character index of a name, or None for an empty or missing name."""
        if name is None:
            return None
        normalised = normalise_name(name)
        if not normalised:
            return None
        return hmac.digest(self._key, normalised.encode("utf-8"), "sha256").hex()

    def document_index(self, number: str | None) -> str | None:
        """The 64-hex-character index of an identity-document number, or None if empty.

        The number is normalised first (:func:`normalise_document_number`: upper case, no
        spaces or hyphens), and domain-separated from the name index, so a number never
        shares an index with a name.
        """
        if number is None:
            return None
        normalised = normalise_document_number(number)
        if not normalised:
            return None
        message = b"tipdata document\x00" + normalised.encode("utf-8")
        return hmac.digest(self._key, message, "sha256").hex()

    def source_key_digest(self, key: str) -> str:
        """Keyed HMAC-SHA256 of a record id that holds a name (64 hex characters)."""
        message = b"tipdata source key\x00" + key.encode("utf-8")
        return hmac.digest(self._key, message, "sha256").hex()

    def payload_digest(self, canonical_json: str) -> str:
        """Keyed HMAC-SHA256 of a raw row's canonical JSON (64 hex characters).

        Stored as ``payload_sha256`` so that re-import stays idempotent (the key does
        not change) while a guessed row cannot be confirmed against the table without
        the key. Domain-separated from the name index.
        """
        message = b"tipdata payload\x00" + canonical_json.encode("utf-8")
        return hmac.digest(self._key, message, "sha256").hex()
