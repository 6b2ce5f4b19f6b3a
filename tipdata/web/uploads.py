"""Uploaded agency files: accepted types checked by name *and* content, size limited.

The size of the whole request is limited before it is read
(:class:`tipdata.web.security.BodyLimitMiddleware`, ``WebOptions.max_upload_bytes``);
this module checks what arrived: a file name ending the app accepts, and content
that is what the name says (an XLSX is a ZIP container; a CSV is text without NUL
bytes). The original file name is never used as a path on the server.

Routes declare ``file: CheckedUpload``.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import Depends, File, Request, UploadFile

from tipdata.web.context import web_context
from tipdata.web.errors import UploadRejected

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Upload:
    """An accepted upload.

    Attributes:
        suffix: the accepted file name ending, e.g. ``".csv"``.
        display_name: the client's file name without any folder (for messages only).
        content: the bytes of the file.
    """

    suffix: str
    display_name: str
    content: bytes


def sniff_matches(suffix: str, head: bytes) -> bool:
    """Whether the first bytes of a file fit its name's ending.

    Examples:
        >>> sniff_matches(".xlsx", b"PK\\x03\\x04..."), sniff_matches(".csv", b"a,b\\n1,2")
        (True, True)
        >>> sniff_matches(".csv", b"MZ\\x90\\x00")
        False
    """
    if suffix == ".xlsx":
        return head.startswith(ZIP_MAGIC)
    if suffix == ".csv":
        if b"\x00" in head or head.startswith(ZIP_MAGIC):
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the end of the sniffed block is fine
            return exc.start >= len(head) - 3
        return True
    return False


async def checked_upload(request: Request, file: Annotated[UploadFile, File()]) -> Upload:
    """Dependency: read the uploaded ``file`` field and check its type.

    Raises:
        UploadRejected: empty file, unaccepted name ending, or content that does not match it.
    """
    options = web_context(request).options
    display_name = PurePath((file.filename or "").replace("\\", "/")).name
    suffix = PurePath(display_name).suffix.lower()
    if suffix not in options.upload_suffixes:
        accepted = ", ".join(sorted(options.upload_suffixes))
        raise UploadRejected(f"Files ending {suffix or '(none)'} are not accepted; use {accepted}.")
    content = await file.read()
    if not content:
        raise UploadRejected("The file is empty.")
    if not sniff_matches(suffix, content[:SNIFF_BYTES]):
        raise UploadRejected(f"The file's content is not {suffix[1:].upper()}.")
    return Upload(suffix=suffix, display_name=display_name, content=content)


SEALED_SUFFIX = ".sealed"
"""A staged upload waiting for confirmation, encrypted with the app's in-memory key."""


def seal_staged(path: Path, key: bytes, token: str) -> Path:
    """Encrypt a staged file beside itself (AES-GCM, the token as associated data); remove it.

    The key lives only in the app's memory: a file left by a crashed server cannot be
    read by anyone, and is swept at the next start.

    Returns:
        The sealed file.
    """
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    sealed = path.with_name(path.name + SEALED_SUFFIX)
    try:
        nonce = os.urandom(12)
        data = nonce + AESGCM(key).encrypt(nonce, path.read_bytes(), token.encode("ascii"))
        descriptor = os.open(sealed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    finally:
        path.unlink(missing_ok=True)
    return sealed


def unseal_staged(sealed: Path, key: bytes, token: str) -> Path | None:
    """Decrypt a sealed upload back to its file name (for the import only); None if unreadable."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data = sealed.read_bytes()
    try:
        plain = AESGCM(key).decrypt(data[:12], data[12:], token.encode("ascii"))
    except (InvalidTag, ValueError):
        return None  # sealed by an earlier run of the server: its key is gone
    path = sealed.with_name(sealed.name.removesuffix(SEALED_SUFFIX))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(plain)
    return path


def staging_root(home: Path) -> Path:
    """The folder of uploads waiting for confirmation: ``HOME/uploads/<user id>/<token>/``."""
    return home / "uploads"


def sweep_staged(home: Path, max_age_seconds: float, *, now: float | None = None) -> int:
    """Delete staged uploads older than ``max_age_seconds`` (abandoned, or a crashed server's).

    Every entry of ``HOME/uploads/<user>/`` is a token folder made by one upload; one whose
    newest file is older than the limit is removed with its file, and so is anything
    else found there that the app did not make (a stray file, a folder of another shape).

    Args:
        home: the data folder (``TIPDATA_HOME``).
        max_age_seconds: the age limit.
        now: the current time (tests).

    Returns:
        How many staged uploads were removed.
    """
    root = staging_root(home)
    if not root.is_dir():
        return 0
    limit = (time.time() if now is None else now) - max_age_seconds
    removed = 0
    for owner in list(root.iterdir()):
        if not owner.is_dir() or owner.is_symlink():
            owner.unlink(missing_ok=True)
            removed += 1
            continue
        for entry in list(owner.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                stamps = [entry.lstat().st_mtime, *(f.lstat().st_mtime for f in entry.iterdir())]
                if max(stamps) >= limit:
                    continue
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        if not any(owner.iterdir()):
            owner.rmdir()
    if removed:
        log.info("removed %d staged upload(s) older than %.0f s", removed, max_age_seconds)
    return removed


CheckedUpload = Annotated[Upload, Depends(checked_upload)]
"""Declare on routes that accept an agency file: ``upload: CheckedUpload``."""
