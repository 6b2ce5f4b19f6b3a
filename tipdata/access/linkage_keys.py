"""Keyed hashes of linkage keys, stored so that linkage need not decrypt every record.

An incremental linkage run compares new records with the existing records that share
a blocking key with them, and needs how common each name key is (term frequencies).
Both need only *equality* of keys, so each person record keeps, next to its encrypted
names, a keyed HMAC of its name keys (``person_record_link_key``): like the ``*_bidx``
blind indexes, a hash reveals which records share a key, nothing more, and cannot be
computed or confirmed without the key.

The key is derived from the blind-index data key (HMAC with a fixed label), so it is
wrapped by the master key like every data key and never stored. Each value is hashed
with its column name (equal words in two columns do not show), and cut to a signed
64-bit integer: a collision among a few million values has a chance of about 1 in
10^6, and costs nothing but one more candidate pair or a term frequency off by one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import sqlalchemy as sa

from tipdata.access.keys import ensure_data_keys
from tipdata.store.access import DataKey
from tipdata.store.database import Database

DERIVATION_LABEL = b"tipdata linkage keys\x00"
"""Label of the derivation from the blind-index key (domain separation)."""


class LinkageKeyHasher:
    """Keyed HMAC-SHA256 of linkage keys, as signed 64-bit integers.

    Args:
        key: the linkage-key key (see :func:`linkage_key_hasher`), at least 32 bytes.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the linkage-key key must be at least 32 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "LinkageKeyHasher()"

    def hash(self, column: str, value: str | None) -> int | None:
        """The keyed hash of one value of ``column``, or None for a missing or empty value."""
        if value is None or value == "":
            return None
        message = column.encode("utf-8") + b"\x00" + value.encode("utf-8")
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def hash_many(self, column: str, values: Iterable[str]) -> dict[str, int]:
        """The hash of each distinct non-empty value (names repeat: hash each once)."""
        return {
            value: hashed
            for value in set(values)
            if (hashed := self.hash(column, value)) is not None
        }

    def fingerprint(self, label: str) -> int:
        """A positive 31-bit number naming this key and ``label`` (a format version).

        Stored with every row of hashes: rows made with another key or another version
        of the linkage keys have another fingerprint, so they are recomputed.
        """
        digest = hmac.new(self._key, b"fingerprint\x00" + label.encode(), hashlib.sha256)
        return int.from_bytes(digest.digest()[:4], "big") & 0x7FFF_FFFF


def linkage_key_hasher(db: Database) -> LinkageKeyHasher:
    """The hasher of a database's linkage keys (its key derived from the blind-index key).

    Args:
        db: the database (opened with its master key).

    Returns:
        The hasher; its key lives in memory only.

    Raises:
        ConfigError: the database was opened without a master key.
        ProtectedFieldError: the blind-index key is wrapped by another master key.
    """
    master = db.master_key()
    with db.session() as session:
        ensure_data_keys(session, master)
        row = session.scalars(
            sa.select(DataKey)
            .where(DataKey.purpose == "blind_index", DataKey.retired_at.is_(None))
            .order_by(DataKey.id.desc())
            .limit(1)
        ).one()
        secret = master.unwrap(row.wrapped, row.key_id)
    return LinkageKeyHasher(hmac.new(secret, DERIVATION_LABEL, hashlib.sha256).digest())


__all__ = ["LinkageKeyHasher", "linkage_key_hasher"]
