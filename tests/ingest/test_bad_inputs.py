"""A table of bad inputs: each gives its documented error and leaves the database as it was."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.ingest.conftest import GOOD_ROWS, TEST_HEADER, TEST_MAPPING, fingerprints, write_csv
from tipdata.errors import DataFileError
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import Mapping, parse_mapping
from tipdata.ingest.pipeline import import_file
from tipdata.store import Database


def _rows_with(index: int, column: str, value: str) -> list[list[str]]:
    rows = [list(r) for r in GOOD_ROWS]
    rows[index][TEST_HEADER.index(column)] = value
    return rows


def _xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Register"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_MAPPING = TEST_MAPPING.replace(
    "file:\n  type: csv\n", "file:\n  type: xlsx\n  sheet: Register\n"
).replace("test_register*.csv", "test_register*.xlsx")


@dataclass(frozen=True)
class Bad:
    """A bad input: how to write it, and what the error must say."""

    name: str
    write: Callable[[Path], None]
    expected: str
    row: int | None = None
    column: str | None = None
    xlsx: bool = False
    file_error: bool = True


def _csv(rows: list[list[str]], header: list[str] = TEST_HEADER) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        write_csv(path, rows, header)

    return write


def _bytes(data: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(data)

    return write


def _bomb(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(["a"] * 1_000_000))  # ~2 MB header, a million columns
        handle.write("\n1\n")


def _truncated_xlsx(path: Path) -> None:
    data = _xlsx_bytes([TEST_HEADER, GOOD_ROWS[0]])
    path.write_bytes(data[: len(data) // 2])


def _duplicate_zip_junk(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    path.write_bytes(buffer.getvalue())


def _rename_sheet(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Other"
    sheet.append(TEST_HEADER)
    workbook.save(path)


BAD_INPUTS: list[Bad] = [
    # --- malformed files: one-line error, nothing stored ------------------------
    Bad("empty file", _bytes(b""), "the file is empty"),
    Bad("header only", _csv([]), "has a header but no data rows", row=2),
    Bad(
        "wrong encoding",
        _bytes(",".join(TEST_HEADER).encode() + b"\nR1,V,Sok D\xe9ra,F,16,Kandal,C-1,03/04/2019\n"),
        "not valid utf-8 at byte 50",
        row=2,
    ),
    Bad(
        "binary junk",
        _bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4),
        "binary content",
    ),
    Bad("utf-16 file", _bytes(",".join(TEST_HEADER).encode("utf-16")), "binary content"),
    Bad(
        "workbook given as csv", _bytes(_xlsx_bytes([TEST_HEADER])), "looks like an Excel workbook"
    ),
    Bad("truncated xlsx", _truncated_xlsx, "not a readable XLSX workbook", xlsx=True),
    Bad("csv given as xlsx", _csv([GOOD_ROWS[0]]), "not an XLSX workbook", xlsx=True),
    Bad(
        "zip that is not a workbook", _duplicate_zip_junk, "not a readable XLSX workbook", xlsx=True
    ),
    Bad(
        "missing sheet",
        _rename_sheet,
        "sheet 'Register' not found",
        xlsx=True,
    ),
    Bad(
        "missing required columns",
        _csv([["R1", "V", "Sok", "16"]], ["ID", "Role", "Name", "Age"]),
        "missing required column(s): 'Sex', 'Province', 'Case', 'Date'",
        row=1,
    ),
    Bad("csv bomb: a million columns", _bomb, "more than 500 columns", row=1),
    Bad(
        "duplicate headers",
        _csv([[*GOOD_ROWS[0], "x"]], [*TEST_HEADER, "Name"]),
        "duplicate column name(s) in the header: 'Name'",
        row=1,
    ),
    Bad(
        "blank header name",
        _csv(
            [[*GOOD_ROWS[0][:2], "", *GOOD_ROWS[0][2:]]], [*TEST_HEADER[:2], "", *TEST_HEADER[2:]]
        ),
        "header column(s) 3 have no name",
        row=1,
    ),
    Bad(
        "row wider than header",
        _csv([[*GOOD_ROWS[0], "extra"]]),
        "the row has 9 cells but the header has 8",
        row=2,
    ),
    Bad(
        "a cell over the size limit",
        _csv([[*GOOD_ROWS[0][:2], "x" * 200_000, *GOOD_ROWS[0][3:]]]),
        "not a readable CSV file",
    ),
    # --- bad rows: the whole file is rejected ----------------------------------
    Bad(
        "unknown province",
        _csv(_rows_with(1, "Province", "Kampong Xyz")),
        "unknown province 'Kampong Xyz'; expected a province name or code "
        "(see tipdata codelists provinces)",
        row=3,
        column="Province",
        file_error=False,
    ),
    Bad(
        "unparseable date",
        _csv(_rows_with(0, "Date", "2019/13/45")),
        "date '2019/13/45' not understood; tried formats %d/%m/%Y, %Y-%m-%d",
        row=2,
        column="Date",
        file_error=False,
    ),
    Bad(
        "impossible date",
        _csv(_rows_with(2, "Date", "31/02/2019")),
        "date '31/02/2019' not understood",
        row=4,
        column="Date",
        file_error=False,
    ),
    Bad(
        "age 240",
        _csv(_rows_with(0, "Age", "240")),
        "age 240 is out of range 0–110",
        row=2,
        column="Age",
        file_error=False,
    ),
    Bad(
        "age not a number",
        _csv(_rows_with(1, "Age", "about 30")),
        "'about 30' is neither a date of birth",
        row=3,
        column="Age",
        file_error=False,
    ),
    Bad(
        "birth year in the future",
        _csv(_rows_with(2, "Age", "2999")),
        "birth year 2999 is in the future",
        row=4,
        column="Age",
        file_error=False,
    ),
    Bad(
        "sex code not in the value map",
        _csv(_rows_with(0, "Sex", "X")),
        "code 'X' is not in value map 'sex'; allowed codes: 'F', 'M', 'ស្រី'",
        row=2,
        column="Sex",
        file_error=False,
    ),
    Bad(
        "role code not in the value map",
        _csv(_rows_with(1, "Role", "W")),
        "code 'W' is not in value map 'role'",
        row=3,
        column="Role",
        file_error=False,
    ),
    Bad(
        "required field empty",
        _csv(_rows_with(1, "Role", "")),
        "person_record field 'role' is required but empty",
        row=3,
        column="Role",
        file_error=False,
    ),
    Bad(
        "duplicate source id",
        _csv(_rows_with(2, "ID", "R1")),
        "duplicate record id 'R1': already on row 2",
        row=4,
        column="ID",
        file_error=False,
    ),
    Bad(
        "empty source id",
        _csv(_rows_with(1, "ID", "")),
        "the record id is empty",
        row=3,
        column="ID",
        file_error=False,
    ),
    Bad(
        "name too long",
        _csv(_rows_with(0, "Name", "N" * 500)),
        "text longer than 400 characters",
        row=2,
        column="Name",
        file_error=False,
    ),
    Bad(
        "date of birth in the future",
        _csv(_rows_with(0, "Age", "01/01/2999")),
        "date of birth 2999-01-01 is in the future",
        row=2,
        column="Age",
        file_error=False,
    ),
]


def test_the_table_is_long_enough() -> None:
    assert len(BAD_INPUTS) >= 25


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[b.name for b in BAD_INPUTS])
def test_bad_input_is_reported_and_stores_nothing(
    bad: Bad, ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    mapping: Mapping = parse_mapping(
        XLSX_MAPPING if bad.xlsx else TEST_MAPPING, tmp_path / "test_register.yaml"
    )
    path = tmp_path / ("test_register_bad.xlsx" if bad.xlsx else "test_register_bad.csv")
    bad.write(path)
    before = fingerprints(ref_db)

    if bad.file_error:
        with pytest.raises(DataFileError) as caught:
            import_file(ref_db, path, mapping=mapping, lookups=lookups)
        error = caught.value
        message = str(error)
        assert "\n" not in message
        assert message.startswith(str(path)), message
        assert bad.expected in message, message
        if bad.row is not None:
            assert error.line == bad.row, message
    else:
        result = import_file(ref_db, path, mapping=mapping, lookups=lookups)
        assert result.status == "rejected"
        assert result.rows_rejected >= 1
        issue = result.issues[0]
        text = str(issue)
        assert issue.file == path.name
        assert issue.row == bad.row, text
        assert issue.column == bad.column, text
        assert bad.expected in issue.message, text
        assert text.startswith(f"{path.name}, row {bad.row}, column {bad.column!r}: "), text
        assert result.import_run_id is None

    assert fingerprints(ref_db) == before


def test_row_errors_report_every_bad_row(
    ref_db: Database, lookups: Lookups, tmp_path: Path, test_mapping: Mapping
) -> None:
    rows = _rows_with(0, "Sex", "X")
    rows[2][TEST_HEADER.index("Age")] = "240"
    path = write_csv(tmp_path / "test_register_two.csv", rows)
    result = import_file(ref_db, path, mapping=test_mapping, lookups=lookups)
    assert result.status == "rejected"
    assert [(i.row, i.column, i.value) for i in result.issues] == [
        (2, "Sex", "X"),
        (4, "Age", "240"),
    ]
    assert result.rows_rejected == 2
    assert result.error_count == 2


@pytest.mark.parametrize("accept_valid_rows", [False, True])
def test_duplicate_ids_are_found_across_chunks(
    ref_db: Database,
    lookups: Lookups,
    tmp_path: Path,
    test_mapping: Mapping,
    monkeypatch: pytest.MonkeyPatch,
    accept_valid_rows: bool,
) -> None:
    """Ids are remembered on disk batch by batch: a repeat many chunks later is still caught,
    naming the row that first had it, whether rows are being written or only checked."""
    from tipdata.ingest import pipeline

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)  # 5 batches for 9 data rows
    template = GOOD_ROWS[1]
    rows = [[f"R{n}", *template[1:]] for n in range(1, 8)]
    rows.append(["R2", *template[1:]])  # row 9 repeats row 3, three batches later
    rows.append(["R7", *template[1:]])  # row 10 repeats row 8, of the batch before
    path = write_csv(tmp_path / "test_register_long.csv", rows)
    before = fingerprints(ref_db)
    result = import_file(
        ref_db, path, mapping=test_mapping, lookups=lookups, accept_valid_rows=accept_valid_rows
    )
    duplicates = [(i.row, i.message) for i in result.issues]
    assert duplicates == [
        (9, "duplicate record id 'R2': already on row 3"),
        (10, "duplicate record id 'R7': already on row 8"),
    ]
    if accept_valid_rows:
        assert (result.status, result.rows_stored, result.rows_rejected) == ("committed", 7, 2)
    else:
        assert (result.status, result.rows_rejected) == ("rejected", 2)
        assert fingerprints(ref_db) == before
