"""Readers: rows numbered as in a spreadsheet, encodings, delimiters, XLSX cells as text."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from tipdata.ingest.mapping import CsvFormat, XlsxFormat
from tipdata.ingest.readers import ImportFileError, cell_text, open_table


def _rows(
    path: Path, fmt: CsvFormat | XlsxFormat
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    with open_table(path, fmt) as table:
        return table.header, list(table.rows)


def test_csv_rows_are_numbered_like_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('ID,Note\n1,"two\nlines"\n\n2,x\n3\n', encoding="utf-8")
    header, rows = _rows(path, CsvFormat(type="csv"))
    assert header == ["ID", "Note"]
    # a quoted newline stays in its row; blank rows are skipped but counted; short rows padded
    assert rows == [(2, {"ID": "1", "Note": "two\nlines"}), (4, {"ID": "2", "Note": "x"}),
                    (5, {"ID": "3", "Note": ""})]  # fmt: skip


def test_bom_semicolons_crlf_and_other_encodings(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes("Client ID;Name\r\nW-1;Srei Leak\r\n".encode("utf-8-sig"))
    assert _rows(path, CsvFormat(type="csv", delimiter=";"))[1] == [
        (2, {"Client ID": "W-1", "Name": "Srei Leak"})
    ]
    latin = tmp_path / "c.csv"
    latin.write_bytes("ID,Name\n1,Dèra\n".encode("cp1252"))
    assert _rows(latin, CsvFormat(type="csv", encoding="cp1252"))[1] == [
        (2, {"ID": "1", "Name": "Dèra"})
    ]
    with pytest.raises(ImportFileError, match="not valid utf-8 at byte 11"):
        _rows(latin, CsvFormat(type="csv"))


def test_xlsx_header_row_and_cell_text(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Register"
    sheet.append(["Kampot DOSAVY register, 2019"])
    sheet.append([])
    sheet.append(["Ref", "Age", "Intake", "Fine"])
    sheet.append(["K-1", 19, datetime(2019, 4, 3), 1_000_000])
    sheet.append([None, None, None, None])
    sheet.append(["K-2", 7.5, date(2019, 5, 1), None])
    path = tmp_path / "k.xlsx"
    workbook.save(path)

    header, rows = _rows(path, XlsxFormat(type="xlsx", sheet="Register", header_row=3))

    assert header == ["Ref", "Age", "Intake", "Fine"]
    assert rows == [
        (4, {"Ref": "K-1", "Age": "19", "Intake": "2019-04-03", "Fine": "1000000"}),
        (6, {"Ref": "K-2", "Age": "7.5", "Intake": "2019-05-01", "Fine": ""}),
    ]


def test_cell_text() -> None:
    assert cell_text(None) == ""
    assert cell_text(12.0) == "12"
    assert cell_text(True) == "TRUE"
    assert cell_text(datetime(2019, 4, 3, 10, 30)) == "2019-04-03 10:30:00"
