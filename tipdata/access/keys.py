"""Key management: the master key outside the database, data keys wrapped inside it, rotation.

Envelope encryption: each data key (random 256 bits) is stored in ``data_key``
wrapped (AES-GCM) by the master key, which lives in a key file or the
``TIPDATA_MASTER_KEY`` environment variable and never in the database. Rotating
the master key rewraps the data keys (no data is re-encrypted); rotating the
field data key re-encrypts every protected value under a new key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from tipdata.access.crypto import KEY_BYTES, NONCE_BYTES, BlindIndex, FieldCipher, new_key
from tipdata.access.crypto import new_key_id as _new_key_id
from tipdata.access.errors import ProtectedFieldError
from tipdata.errors import ConfigError
from tipdata.settings import Settings
from tipdata.store.access import DataKey
from tipdata.store.base import utc_now
from tipdata.store.database import Database

log = logging.getLogger(__name__)

WRAP_VERSION = "mk1"
Purpose = Literal["field", "blind_index"]


@dataclass(frozen=True)
class ProtectedColumn:
    """A column holding ciphertext made by :class:`FieldCipher`.

    Attributes:
        table: the table.
        column: the column.
        row_id_column: the column whose value is the row id in the associated data.
    """

    table: str
    column: str
    row_id_column: str = "id"


@dataclass(frozen=True)
class ProtectedPayload:
    """A JSON column of raw rows whose protected cells hold ``{"$protected": ciphertext}``.

    A cell of source column ``C`` is encrypted with table ``source_record``, column
    ``payload.C`` and the *source record* id as associated data, in the current row and
    in every kept version alike, so versions are copied in SQL without re-encryption.

    Attributes:
        table: the table.
        column: the JSON column.
        row_id_column: the column holding the source record id.
    """

    table: str
    column: str
    row_id_column: str


PERSON_RECORD_PROTECTED: tuple[str, ...] = (
    "family_name",
    "given_name",
    "full_name",
    "full_name_khmer",
    "birth_date",
    "contact",
    "village",
)
"""The identifying columns of ``person_record``: ciphertext at rest.

``birth_year``, ``age_years``, ``age_reference_date``, ``sex``, ``nationality``,
``province_code``, ``district`` and ``commune`` stay in clear: statistics need them.
``birth_year`` is filled from the date of birth at import, so statistics that used
the exact date now use the year.
"""

PROTECTED_COLUMNS: tuple[ProtectedColumn, ...] = (
    ProtectedColumn("app_user", "totp_secret"),
    *(ProtectedColumn("person_record", column) for column in PERSON_RECORD_PROTECTED),
    *(
        ProtectedColumn("identity_document", column)
        for column in ("number", "issue_date", "expiry_date")
    ),
    ProtectedColumn("case_note", "body"),
    ProtectedColumn("record_correction", "old_value"),
    ProtectedColumn("record_correction", "new_value"),
)
"""Every column encrypted at rest, in one place; :func:`rotate_data_key` re-encrypts them all.

``identity_document`` holds passport, national-id and worker-id numbers and their dates
(see :mod:`tipdata.access.documents`). No other table holds victims' identities:
``service_provider`` holds organisations (no victim's shelter address) and ``event.place``
names agencies, sites and countries.
"""

PROTECTED_PAYLOADS: tuple[ProtectedPayload, ...] = (
    ProtectedPayload("source_record", "payload", "id"),
    ProtectedPayload("source_record_version", "payload", "source_record_id"),
)
"""Raw rows whose protected cells are encrypted (see :class:`ProtectedPayload`)."""

PAYLOAD_TABLE = "source_record"
"""The table named in the associated data of every protected payload cell."""

PROTECTED_MARK = "$protected"
"""The key of the one-item object that replaces a protected cell in a stored payload."""


def payload_aad_column(source_column: str) -> str:
    """The column named in the associated data of a payload cell: ``payload.<column>``."""
    return f"payload.{source_column}"


@dataclass(frozen=True)
class MasterKey:
    """The master key; ``repr`` shows only its id.

    Attributes:
        secret: the 32 key bytes.
        key_id: a non-secret fingerprint naming the key in wrapped data keys.
    """

    secret: bytes = field(repr=False)
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ConfigError("the master key must be 32 bytes (base64 of 32 random bytes)")
        fingerprint = hashlib.sha256(b"tipdata master key id\x00" + self.secret).hexdigest()
        object.__setattr__(self, "key_id", fingerprint[:16])

    @classmethod
    def generate(cls) -> MasterKey:
        """A fresh random master key."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_base64(cls, text: str) -> MasterKey:
        """Read a base64 (standard or URL-safe) master key.

        Raises:
            ConfigError: not base64 of 32 bytes (the message never shows the text).
        """
        cleaned = text.strip()
        try:
            secret = base64.b64decode(
                cleaned.replace("-", "+").replace("_", "/") + "=" * (-len(cleaned) % 4),
                validate=True,
            )
        except (binascii.Error, ValueError):
            raise ConfigError("the master key is not valid base64") from None
        return cls(secret)

    def to_base64(self) -> str:
        """The key as standard base64 text (what a key file holds)."""
        return base64.b64encode(self.secret).decode("ascii")

    def wrap(self, data_key: bytes, data_key_id: str) -> str:
        """Encrypt a data key: ``mk1.<master key id>.<base64url(nonce ‖ ct)>``."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.secret).encrypt(nonce, data_key, _wrap_aad(data_key_id))
        blob = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{WRAP_VERSION}.{self.key_id}.{blob}"

    def unwrap(self, wrapped: str, data_key_id: str) -> bytes:
        """Decrypt a data key wrapped by this master key.

        Raises:
            ProtectedFieldError: wrapped by another master key, or altered.
        """
        parts = wrapped.split(".", 2)
        if len(parts) != 3 or parts[0] != WRAP_VERSION:
            raise ProtectedFieldError(f"data key {data_key_id}: unknown wrapping format")
        if parts[1] != self.key_id:
            raise ProtectedFieldError(
                f"data key {data_key_id} is wrapped by master key {parts[1]}, "
                f"not by the configured master key {self.key_id}"
            )
        try:
            blob = base64.urlsafe_b64decode(parts[2])
            return AESGCM(self.secret).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _wrap_aad(data_key_id)
            )
        except (InvalidTag, ValueError, binascii.Error):
            raise ProtectedFieldError(
                f"data key {data_key_id}: wrapping fails authentication"
            ) from None


def _wrap_aad(data_key_id: str) -> bytes:
    return f"tipdata data_key {data_key_id}".encode("ascii")


def master_key_path(settings: Settings) -> Path:
    """Where the master key file is: the setting, or ``TIPDATA_HOME/keys/master.key``."""
    return settings.master_key_file or settings.home / "keys" / "master.key"


def load_master_key(settings: Settings) -> MasterKey:
    """The master key from ``TIPDATA_MASTER_KEY`` or the key file.

    In ``development`` a missing key file is created (mode 0600) and a warning
    logged (without the key); in ``production`` a missing key stops tipdata.

    Args:
        settings: the application settings.

    Returns:
        The master key.

    Raises:
        ConfigError: no key in production, an unreadable or malformed key.
    """
    if settings.master_key is not None:
        return MasterKey.from_base64(settings.master_key.get_secret_value())
    path = master_key_path(settings)
    if path.exists():
        _check_key_apart_from_database(settings, path)
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"master key file {path}: cannot read it ({exc})") from None
        if os.name == "posix" and path.stat().st_mode & 0o077:
            log.warning("master key file %s is readable by other users: chmod 600 it", path)
        return MasterKey.from_base64(text)
    if settings.environment == "production":
        raise ConfigError(
            f"no master key: set TIPDATA_MASTER_KEY or create {path} "
            "(production refuses to generate one)"
        )
    _check_key_apart_from_database(settings, path)
    key = MasterKey.generate()
    write_key_file(path, key)
    log.warning(
        "generated a development master key in %s (id %s); keep it, or encrypted data "
        "becomes unreadable",
        path,
        key.key_id,
    )
    return key


def _check_key_apart_from_database(settings: Settings, path: Path) -> None:
    """Refuse (production) or warn (development) about a key file in the database's folder.

    Raises:
        ConfigError: production, the key file is in (or below) the SQLite database's
            folder, and ``TIPDATA_ALLOW_KEY_BESIDE_DATABASE`` is off.
    """
    url = sa.make_url(settings.effective_database_url)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    folder = Path(database).expanduser().resolve().parent
    if not path.expanduser().resolve().is_relative_to(folder):
        return
    if settings.allow_key_beside_database:
        return
    message = (
        f"master key file {path} is in the database's folder {folder}: a copy of that "
        "folder (or its backup) would hold the encrypted data and its key. Set "
        "TIPDATA_MASTER_KEY_FILE to a file elsewhere (see docs/settings.md)"
    )
    if settings.environment == "production":
        raise ConfigError(message + ", or TIPDATA_ALLOW_KEY_BESIDE_DATABASE=true")
    log.warning("%s", message)


def write_key_file(path: Path, key: MasterKey) -> None:
    """Write `key` in base64 to a new file readable by its owner only (mode 0600)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.to_base64() + "\n")
    except OSError as exc:
        raise ConfigError(f"master key file {path}: cannot create it ({exc})") from None


@dataclass(frozen=True)
class Keyring:
    """The unwrapped data keys in memory: the field cipher and the blind index."""

    cipher: FieldCipher
    blind_index: BlindIndex


def ensure_data_keys(session: Session, master: MasterKey) -> None:
    """Create the field key and the blind-index key if the database has none yet."""
    for purpose in ("field", "blind_index"):
        active = session.scalar(
            sa.select(DataKey.id).where(DataKey.purpose == purpose, DataKey.retired_at.is_(None))
        )
        if active is None:
            _add_data_key(session, master, purpose)
    session.flush()


def _add_data_key(session: Session, master: MasterKey, purpose: Purpose) -> DataKey:
    key_id = _new_key_id()
    row = DataKey(key_id=key_id, purpose=purpose, wrapped=master.wrap(new_key(), key_id))
    session.add(row)
    session.flush()
    return row


def load_keyring(session: Session, master: MasterKey) -> Keyring:
    """Unwrap every data key and build the cipher and blind index.

    Creates the data keys on first use (see :func:`ensure_data_keys`).

    Raises:
        ProtectedFieldError: a data key is wrapped by another master key or altered.
    """
    ensure_data_keys(session, master)
    rows = session.scalars(sa.select(DataKey).order_by(DataKey.id)).all()
    field_keys = {
        r.key_id: master.unwrap(r.wrapped, r.key_id) for r in rows if r.purpose == "field"
    }
    active_field = [r for r in rows if r.purpose == "field" and r.retired_at is None][-1]
    active_index = [r for r in rows if r.purpose == "blind_index" and r.retired_at is None][-1]
    return Keyring(
        cipher=FieldCipher(field_keys, active_field.key_id),
        blind_index=BlindIndex(master.unwrap(active_index.wrapped, active_index.key_id)),
    )


def rotate_master_key(db: Database, old: MasterKey, new: MasterKey) -> int:
    """Rewrap every data key from the old master key to the new one, in one transaction.

    No protected value is re-encrypted. Keys already wrapped by ``new`` are left
    alone, so an interrupted rotation can simply be run again.

    Args:
        db: the database.
        old: the master key in use.
        new: the replacement; install it (key file / env) once this returns.

    Returns:
        The number of data keys rewrapped.

    Raises:
        ProtectedFieldError: a data key is wrapped by neither key, or altered; nothing
            is changed then.
    """
    rewrapped = 0
    with db.session() as session:
        for row in session.scalars(sa.select(DataKey).order_by(DataKey.id)):
            if row.wrapped.split(".", 2)[1:2] == [new.key_id]:
                new.unwrap(row.wrapped, row.key_id)  # proves it is intact
                continue
            row.wrapped = new.wrap(old.unwrap(row.wrapped, row.key_id), row.key_id)
            rewrapped += 1
    log.info("master key rotated from %s to %s: %d data keys", old.key_id, new.key_id, rewrapped)
    return rewrapped


@dataclass(frozen=True)
class DataKeyRotation:
    """Outcome of :func:`rotate_data_key`."""

    new_key_id: str
    retired_key_ids: list[str]
    values_reencrypted: int


def rotate_data_key(
    db: Database,
    master: MasterKey,
    columns: tuple[ProtectedColumn, ...] = PROTECTED_COLUMNS,
    payloads: tuple[ProtectedPayload, ...] = PROTECTED_PAYLOADS,
    *,
    now: datetime | None = None,
) -> DataKeyRotation:
    """Make a new field data key and re-encrypt every protected value with it.

    One transaction: either every value is re-encrypted and the old keys are
    retired, or nothing changes. Retired keys stay in ``data_key`` (old backups
    still need them) until an operator deletes them.

    Args:
        db: the database.
        master: the master key.
        columns: the protected columns to re-encrypt.
        payloads: the raw-row columns whose protected cells are re-encrypted.
        now: the retirement time (tests).

    Returns:
        The new key id, the retired key ids and the count of values re-encrypted.

    Raises:
        ProtectedFieldError: a value cannot be decrypted; nothing is changed.
    """
    with db.session() as session:
        old = load_keyring(session, master).cipher
        retired = session.scalars(
            sa.select(DataKey).where(DataKey.purpose == "field", DataKey.retired_at.is_(None))
        ).all()
        for row in retired:
            row.retired_at = now or utc_now()
        new_row = _add_data_key(session, master, "field")
        new = old.with_active_key(new_row.key_id, master.unwrap(new_row.wrapped, new_row.key_id))
        count = 0
        for place in columns:
            count += _reencrypt_column(session, place, old, new)
        for payload in payloads:
            count += _reencrypt_payloads(session, payload, old, new)
    return DataKeyRotation(new_row.key_id, [r.key_id for r in retired], count)


def _reencrypt_column(
    session: Session, place: ProtectedColumn, old: FieldCipher, new: FieldCipher
) -> int:
    """Re-encrypt every value of one protected column; return how many."""
    table = sa.table(
        place.table, sa.column("id"), sa.column(place.row_id_column), sa.column(place.column)
    )
    rows = session.execute(
        sa.select(table.c.id, table.c[place.row_id_column], table.c[place.column]).where(
            table.c[place.column].is_not(None)
        )
    ).all()
    for key, row_id, token in rows:
        plain = old.decrypt(place.table, place.column, row_id, token)
        session.execute(
            table.update()
            .where(table.c.id == key)
            .values({place.column: new.encrypt(place.table, place.column, row_id, plain)})
        )
    return len(rows)


def _reencrypt_payloads(
    session: Session, place: ProtectedPayload, old: FieldCipher, new: FieldCipher
) -> int:
    """Re-encrypt the protected cells of every stored raw row; return how many cells."""
    table = sa.table(
        place.table,
        sa.column("id"),
        sa.column(place.row_id_column),
        sa.column(place.column, sa.JSON()),
    )
    count = 0
    rows = session.execute(
        sa.select(table.c.id, table.c[place.row_id_column], table.c[place.column])
    ).all()
    for key, row_id, payload in rows:
        if not isinstance(payload, dict):
            continue
        changed = dict(payload)
        for name, value in payload.items():
            if isinstance(value, dict) and PROTECTED_MARK in value:
                aad_column = payload_aad_column(name)
                plain = old.decrypt(PAYLOAD_TABLE, aad_column, row_id, value[PROTECTED_MARK])
                token = new.encrypt(PAYLOAD_TABLE, aad_column, row_id, plain)
                changed[name] = {PROTECTED_MARK: token}
                count += 1
        if changed != payload:
            session.execute(table.update().where(table.c.id == key).values({place.column: changed}))
    return count
