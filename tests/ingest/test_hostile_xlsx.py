"""Hostile workbooks (issue 15, item 2): refused with one line, before the reader allocates.

A 2-cell sheet with cells in A1 and XFD1048576 made the spreadsheet reader lay out
16,384 × 1,048,576 cells (512 GiB): the process aborted (exit 134). A zip bomb (a few MB
of deflated sheet XML unpacking to GBs) did the same. Both are built here, small, and
imported through the real command line in a child process (with its address space
capped, so that the old code fails by aborting instead of eating the machine's memory).
The bomb is scaled down (24 MB of XML) with the limit lowered to match through the
setting ``TIPDATA_XLSX_MAX_UNCOMPRESSED_MB``, which proves the check is made.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.ingest.conftest import TEST_HEADER, TEST_MAPPING, seed_reference_data
from tipdata.ingest.readers import ImportFileError
from tipdata.store import Database

REPO = Path(__file__).resolve().parents[2]
SHEET = "xl/worksheets/sheet1.xml"
XLSX_MAPPING = TEST_MAPPING.replace("file:\n  type: csv\n", "file:\n  type: xlsx\n").replace(
    "test_register*.csv", "test_register*.xlsx"
)
ADDRESS_SPACE = 3 << 30
"""The child's address space cap (3 GiB): the old reader asks for 512 GiB."""


def _workbook(cells: dict[str, object], title: str = "Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append(TEST_HEADER)
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part replaced (deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            body = content if item.filename == name else old.read(item)
            new.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def sparse_corners(path: Path, *, honest_dimension: bool = True, title: str = "Sheet") -> Path:
    """A1 and XFD1048576 only (the header row too); optionally a dimension that lies."""
    data = _workbook({"XFD1048576": "x"}, title)
    if not honest_dimension:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(SHEET)
        xml = xml.replace(b'ref="A1:XFD1048576"', b'ref="A1:H1"')
        data = _replace_member(data, SHEET, xml)
    path.write_bytes(data)
    return path


def zip_bomb(path: Path, rows: int = 6_000, title: str = "Sheet") -> Path:
    """A header and ``rows`` rows of 4,000-letter cells: ~24 MB of XML packed in ~100 KB."""
    data = _workbook({}, title)
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(TEST_HEADER)
    )
    body = "".join(
        f'<row r="{n}"><c r="C{n}" t="inlineStr"><is><t>{"A" * 4000}</t></is></c></row>'
        for n in range(2, rows + 2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{header}</row>{body}</sheetData></worksheet>'
    ).encode()
    path.write_bytes(_replace_member(data, SHEET, xml))
    assert path.stat().st_size * 200 < len(xml)
    return path


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_cli(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``tipdata ARGS`` in a child process with a capped address space."""
    return subprocess.run(
        [sys.executable, "-c", "from tipdata.cli import main; main()", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "TIPDATA_HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_cap_memory,
    )


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    db = Database(f"sqlite:///{home / 'tipdata.db'}")
    db.upgrade()
    seed_reference_data(db)
    db.dispose()
    (tmp_path / "test_register.yaml").write_text(XLSX_MAPPING, encoding="utf-8")
    return home


@pytest.mark.parametrize("honest", [True, False], ids=["declared", "dimension-lies"])
def test_cli_refuses_a_sheet_spanning_a1_to_xfd1048576(
    tmp_path: Path, cli_home: Path, honest: bool
) -> None:
    hostile = sparse_corners(tmp_path / "test_register_corners.xlsx", honest_dimension=honest)
    assert hostile.stat().st_size < 8_000

    done = run_cli(
        cli_home, "import", str(hostile), "--mapping", str(tmp_path / "test_register.yaml")
    )

    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert str(hostile) in lines[0], lines[0]
    assert "16384" in lines[0] or "XFD1048576" in lines[0], lines[0]
    assert "hostile workbook" in lines[0] and "Traceback" not in done.stderr


def test_cli_refuses_a_zip_bomb_over_the_configured_limit(tmp_path: Path, cli_home: Path) -> None:
    bomb = zip_bomb(tmp_path / "test_register_bomb.xlsx")

    done = run_cli(
        cli_home,
        "import",
        str(bomb),
        "--mapping",
        str(tmp_path / "test_register.yaml"),
        env={"TIPDATA_XLSX_MAX_UNCOMPRESSED_MB": "8"},
    )

    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert str(bomb) in lines[0] and "unpack" in lines[0], lines[0]


def test_the_limits_are_what_refuses(tmp_path: Path) -> None:
    """The same bomb passes under a higher limit: the check, not the file, refuses it."""
    from tipdata.ingest.xlsxguard import XlsxLimits, check_workbook

    bomb = zip_bomb(tmp_path / "bomb.xlsx", rows=1_500)
    check_workbook(bomb, XlsxLimits(max_uncompressed_bytes=64 << 20, max_ratio=10_000))
    with pytest.raises(ImportFileError, match="would unpack to 6 MB, more than the 4 MB"):
        check_workbook(bomb, XlsxLimits(max_uncompressed_bytes=4 << 20, max_ratio=10_000))
    with pytest.raises(ImportFileError, match="times its packed size"):
        check_workbook(bomb, XlsxLimits(max_ratio=20))
    with pytest.raises(
        ImportFileError, match=r"spans 1251 rows × 8 columns, more than the 10000 cells"
    ):
        check_workbook(bomb, XlsxLimits(max_cells=10_000, max_ratio=10_000))
