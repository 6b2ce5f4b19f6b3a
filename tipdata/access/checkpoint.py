"""The audit log's signed head, kept outside the database.

The hash chain shows an edited, deleted or reordered event, but not the newest events
removed, nor the tail rewritten with recomputed hashes: whoever can write the database
can do both. So after every commit that appended events, the id and hash of the newest
event are written to a small JSON file (the *checkpoint*), signed with HMAC-SHA256 under
the audit key. The audit key is not a data key and not the master key: it lives in its own
file (``TIPDATA_AUDIT_KEY_FILE``, default ``TIPDATA_HOME/keys/audit.key``) or in
``TIPDATA_AUDIT_KEY``. :func:`tipdata.access.audit.verify` then checks that the
checkpointed event is still in the database with the same hash.

A checkpoint only ever moves forward (a lower event id never overwrites a higher one;
writers take an exclusive file lock), and it is written after the commit: a lagging
checkpoint leaves the last few events unguarded, one ahead of the database would be a
false alarm.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from tipdata.access.errors import AuditError
from tipdata.errors import ConfigError
from tipdata.settings import Settings

log = logging.getLogger(__name__)

AUDIT_KEY_BYTES = 32
CHECKPOINT_VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    """A signed head: the newest event known to have been committed.

    Attributes:
        event_id: its id.
        event_hash: its hash.
        written_at: when the checkpoint was written (UTC, ISO 8601).
    """

    event_id: int
    event_hash: str
    written_at: str


def audit_key_path(settings: Settings) -> Path:
    """Where the audit key file is: the setting, or ``TIPDATA_HOME/keys/audit.key``."""
    return settings.audit_key_file or settings.home / "keys" / "audit.key"


def checkpoint_path(settings: Settings) -> Path:
    """Where the checkpoint is: the setting, or ``TIPDATA_HOME/keys/audit-head.json``."""
    return settings.audit_checkpoint_file or settings.home / "keys" / "audit-head.json"


def load_audit_key(settings: Settings) -> bytes:
    """The HMAC key of the checkpoint, from ``TIPDATA_AUDIT_KEY`` or its key file.

    In ``development`` a missing key file is created (mode 0600); in ``production``
    a missing key stops tipdata.

    Raises:
        ConfigError: no key in production, or an unreadable or malformed key.
    """
    if settings.audit_key is not None:
        return _decode_key(settings.audit_key.get_secret_value(), "TIPDATA_AUDIT_KEY")
    path = audit_key_path(settings)
    if path.exists():
        try:
            return _decode_key(path.read_text(encoding="ascii"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"audit key file {path}: cannot read it ({exc})") from None
    if settings.environment == "production":
        raise ConfigError(
            f"no audit key: set TIPDATA_AUDIT_KEY or create {path} "
            "(production refuses to generate one)"
        )
    key = secrets.token_bytes(AUDIT_KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(key).decode("ascii") + "\n")
    except FileExistsError:  # another process made it first: use theirs
        return load_audit_key(settings)
    except OSError as exc:
        raise ConfigError(f"audit key file {path}: cannot create it ({exc})") from None
    log.warning("generated a development audit key in %s", path)
    return key


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where}: the audit key is not base64") from None
    if len(key) < 16:
        raise ConfigError(f"{where}: the audit key must have at least 16 bytes")
    return key


class HeadCheckpoint:
    """Reads and advances the signed checkpoint file.

    Args:
        path: the checkpoint file.
        key: the HMAC key, or a function loading it on first use.
    """

    def __init__(self, path: Path, key: bytes | Callable[[], bytes]) -> None:
        self.path = path
        self._key = key
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> HeadCheckpoint:
        """The checkpoint the settings name, its key loaded on first use."""
        return cls(checkpoint_path(settings), lambda: load_audit_key(settings))

    def key(self) -> bytes:
        """The HMAC key (loaded once)."""
        if callable(self._key):
            self._key = self._key()
        return self._key

    def _signature(self, event_id: int, event_hash: str, written_at: str) -> str:
        message = f"tipdata audit head v{CHECKPOINT_VERSION}|{event_id}|{event_hash}|{written_at}"
        return hmac.new(self.key(), message.encode("utf-8"), hashlib.sha256).hexdigest()

    def read(self) -> Checkpoint | None:
        """The checkpoint, or None if none was written yet.

        Raises:
            AuditError: the file is unreadable, malformed or its signature is wrong.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AuditError(f"audit checkpoint {self.path}: cannot read it ({exc})") from None
        try:
            data = json.loads(text)
            checkpoint = Checkpoint(
                int(data["event_id"]), str(data["hash"]), str(data["written_at"])
            )
            signature = str(data["signature"])
        except (ValueError, KeyError, TypeError):
            raise AuditError(f"audit checkpoint {self.path} is malformed") from None
        expected = self._signature(
            checkpoint.event_id, checkpoint.event_hash, checkpoint.written_at
        )
        if not hmac.compare_digest(signature, expected):
            raise AuditError(
                f"audit checkpoint {self.path}: the signature is wrong (forged or another key)"
            )
        return checkpoint

    def advance(self, event_id: int, event_hash: str) -> bool:
        """Record a newer head; a checkpoint never moves back.

        Returns:
            Whether the file was written (False: it already names this or a newer event).
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                current = self._current_id()
                if current is not None and current >= event_id:
                    return False
                written_at = datetime.now(UTC).isoformat(timespec="microseconds")
                body = {
                    "version": CHECKPOINT_VERSION,
                    "event_id": event_id,
                    "hash": event_hash,
                    "written_at": written_at,
                    "signature": self._signature(event_id, event_hash, written_at),
                }
                partial = self.path.with_name(self.path.name + ".tmp")
                handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(json.dumps(body, sort_keys=True) + "\n")
                os.replace(partial, self.path)
                return True
            finally:
                os.close(descriptor)

    def _current_id(self) -> int | None:
        try:
            return int(json.loads(self.path.read_text(encoding="utf-8"))["event_id"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # unreadable: overwrite it with a good one


_CHECKPOINTS: weakref.WeakKeyDictionary[sa.Engine, HeadCheckpoint] = weakref.WeakKeyDictionary()
"""The checkpoint of each database engine (set by :meth:`tipdata.system.System.db`)."""


def attach_checkpoint(engine: sa.Engine, checkpoint: HeadCheckpoint) -> None:
    """Keep this checkpoint up to date after every commit on this engine that appended events."""
    _CHECKPOINTS[engine] = checkpoint


def detach_checkpoint(engine: sa.Engine) -> None:
    """Stop writing a checkpoint for this engine (tests that share an engine)."""
    _CHECKPOINTS.pop(engine, None)


def checkpoint_of(engine: sa.Engine | sa.Connection) -> HeadCheckpoint | None:
    """The checkpoint attached to an engine (or a connection's engine), if any."""
    if isinstance(engine, sa.Connection):
        engine = engine.engine
    return _CHECKPOINTS.get(engine)
