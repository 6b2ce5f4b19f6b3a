"""Killing the import process half way leaves no partial import (a real subprocess, SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ingest.conftest import TEST_MAPPING, count, seed_reference_data, write_csv
from tipdata.store import Database, table_fingerprints

REPO = Path(__file__).resolve().parents[2]

CHILD = """
import sys
from pathlib import Path
from tipdata.ingest import import_file
from tipdata.access.keys import MasterKey
from tipdata.store import Database

db = Database(sys.argv[1], master_key=MasterKey(bytes(range(32))))  # tests.conftest's key
marker = Path(sys.argv[4])

def progress(step, done, total):
    # rows are being written inside the import transaction: tell the test, go on
    if done and not marker.exists():
        partial = marker.with_suffix(".tmp")
        partial.write_text(f"{step} {done} {total}")
        partial.replace(marker)  # atomic: the test never sees a half-written marker

import_file(db, sys.argv[2], mapping=sys.argv[3], progress=progress)
Path(sys.argv[5]).write_text("finished")
"""


@pytest.mark.slow
def test_sigkill_half_way_leaves_no_partial_import(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'kill.db'}")
    db.upgrade()
    seed_reference_data(db)
    mapping = tmp_path / "test_register.yaml"
    mapping.write_text(TEST_MAPPING, encoding="utf-8")
    rows = [
        [
            f"R{n}",
            "V" if n % 3 else "S",
            f"Person {n}",
            "F" if n % 2 else "M",
            str(n % 90),
            "Kandal",
            f"C-{n // 4}",
            "03/04/2019",
        ]
        for n in range(1, 80_001)
    ]
    big = write_csv(tmp_path / "test_register_big.csv", rows)
    before = table_fingerprints(db)
    marker, finished = tmp_path / "writing.marker", tmp_path / "finished.marker"

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            db.url.render_as_string(hide_password=False),
            str(big),
            str(mapping),
            str(marker),
            str(finished),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    if child.stderr:
        child.stderr.close()

    assert child.returncode == -signal.SIGKILL
    assert not finished.exists(), "the import finished before it could be killed"
    assert marker.read_text().startswith("importing ")
    db.dispose()
    reopened = Database(db.url)
    # Nothing at all: no source record, no person record, no import run marker.
    assert table_fingerprints(reopened) == before
    assert count(reopened, "source_record") == 0
    assert count(reopened, "import_run") == 0
    reopened.dispose()
