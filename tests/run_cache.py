"""What the processes of one test run build once and share (pytest-xdist workers included).

Under pytest-xdist every worker is its own process with its own session fixtures, so a
session fixture that generates the demo or migrates a template database would run once
per worker. :func:`built_once` makes the first worker that asks build it in the run's
base temporary folder while holding a file lock; the others wait for the lock and read
what was built. Without xdist the one process builds it, as before.

PostgreSQL databases shared this way outlive the worker that made them: they are listed
with :func:`drop_at_end` and dropped by the process that started the run once every
worker is done (``pytest_sessionfinish`` in ``tests/conftest.py``).

Nothing is kept from one run to the next: each run has a new base temporary folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SHARED_DATABASES = "postgres-databases.txt"
"""In the shared folder: one ``user database`` per line, dropped when the run ends."""


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every process of this run shares: under xdist, the workers' parent."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if absent) across processes."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict[str, Any]]
) -> tuple[Path, dict[str, Any]]:
    """Build ``name`` once per run, whichever process asks first; the others read it.

    Args:
        tmp_path_factory: the session's factory (it names the shared folder).
        name: what is built, also its folder's name (put a version in it if one matters).
        build: writes into the empty folder it is given; returns what to remember (JSON).

    Returns:
        The folder and what ``build`` returned (read back from ``built.json``).
    """
    root = shared_folder(tmp_path_factory)
    folder = root / name
    done = folder / "built.json"
    with file_lock(root / f"{name}.lock"):
        if not done.exists():
            if folder.exists():  # an earlier attempt failed half way: start again
                shutil.rmtree(folder)
            folder.mkdir()
            done.write_text(json.dumps(build(folder)), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))


def drop_at_end(tmp_path_factory: pytest.TempPathFactory, user: str, database: str) -> None:
    """List a shared PostgreSQL database, to be dropped when the whole run ends."""
    root = shared_folder(tmp_path_factory)
    with (
        file_lock(root / f"{SHARED_DATABASES}.lock"),
        (root / SHARED_DATABASES).open("a", encoding="utf-8") as listed,
    ):
        listed.write(f"{user} {database}\n")


def databases_to_drop(config: pytest.Config) -> list[tuple[str, str]]:
    """``(user, database)`` listed by :func:`drop_at_end`; only in the run's first process.

    Empties the list: each database is returned once.
    """
    factory = getattr(config, "_tmp_path_factory", None)
    if hasattr(config, "workerinput") or factory is None:
        return []
    listed = factory.getbasetemp() / SHARED_DATABASES
    if not listed.exists():
        return []
    lines = listed.read_text(encoding="utf-8").split()
    listed.unlink()
    return list(zip(lines[::2], lines[1::2], strict=True))
