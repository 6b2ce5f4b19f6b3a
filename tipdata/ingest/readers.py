"""Readers for agency export files: streaming CSV and XLSX, rows as a person sees them.

Every reader yields ``(row_number, values)`` where ``row_number`` is the row a person
sees in a spreadsheet (the header is row 1, the first data row is row 2) and
``values`` maps each header name to the cell's text. A malformed file raises
:class:`ImportFileError` with a one-line message naming the file; nothing is
yielded before the header has been checked.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from tipdata.errors import DataFileError
from tipdata.ingest.mapping import CsvFormat, XlsxFormat
from tipdata.ingest.xlsxguard import check_workbook
from tipdata.text import BIDI_CONTROLS, without_bidi_controls

MAX_COLUMNS = 500
"""More header columns than this is a malformed (or hostile) file."""

MAX_HEADER_CHARS = 200_000
"""A header line longer than this is a malformed (or hostile) file."""

MAX_FIELD_CHARS = 131_072
"""The longest cell accepted (the csv module's default field limit)."""

_SNIFF_BYTES = 8192
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(DataFileError):
    """A file to import is malformed: it cannot be read at all, so nothing is stored."""


@dataclass(frozen=True)
class TableFile:
    """An open export file: its header and a one-pass iterator over its rows."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]


def _check_header(
    path: Path, header: list[str], header_row: int, unnamed: str = "refuse"
) -> list[str]:
    """Strip names, drop trailing blanks, refuse duplicates, blanks and too many columns
    (``unnamed="letter"``: a blank name becomes ``column A``, ``column B``, ...)."""
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            path,
            f"the header has {len(header)} columns, more than the {MAX_COLUMNS} allowed "
            "(a malformed or hostile file)",
            line=header_row,
        )
    names = [name.strip() for name in header]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError(path, "the header row is empty", line=header_row)
    if unnamed == "letter":
        from openpyxl.utils import get_column_letter

        names = [name or unnamed_column(get_column_letter(i + 1)) for i, name in enumerate(names)]
    blank = [str(position + 1) for position, name in enumerate(names) if not name]
    if blank:
        raise ImportFileError(
            path, f"header column(s) {', '.join(blank)} have no name", line=header_row
        )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ImportFileError(
            path,
            f"duplicate column name(s) in the header: {', '.join(repr(d) for d in duplicates)}",
            line=header_row,
        )
    return names


def unnamed_column(letter: str) -> str:
    """The name given to a column whose header cell is empty (``unnamed_columns: letter``)."""
    return f"column {letter}"


def check_required_columns(path: Path, header: list[str], required: list[str]) -> None:
    """Raise if any required column is missing from the header.

    Args:
        path: the file (for the message).
        header: the file's column names.
        required: the columns the mapping needs.

    Raises:
        ImportFileError: listing every missing column and the columns found.
    """
    present = set(header)
    missing = [name for name in required if name not in present]
    if missing:
        shown = ", ".join(repr(name) for name in header[:30])
        more = f" and {len(header) - 30} more" if len(header) > 30 else ""
        raise ImportFileError(
            path,
            f"missing required column(s): {', '.join(repr(m) for m in missing)}; "
            f"the header has {shown}{more}",
            line=1,
        )


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def _sniff_binary(path: Path, head: bytes, expected: str) -> None:
    if not head:
        raise ImportFileError(path, "the file is empty")
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        raise ImportFileError(
            path, f"this looks like an Excel workbook, but the mapping says {expected}"
        )
    nul = head.find(b"\x00")
    if nul >= 0 and not expected.lower().startswith("utf-16"):
        raise ImportFileError(
            path, f"binary content (a NUL byte at byte {nul}); expected a {expected} text file"
        )


def _decode_error_position(path: Path, encoding: str) -> tuple[int, int]:
    """Byte offset and 1-based line of the first undecodable byte (error path only)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    line = 1
    with path.open("rb") as raw:
        while chunk := raw.read(65536):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.start is relative to the undecoded buffer: pending bytes + chunk
                pending = len(exc.object) - len(chunk)
                bad = offset - pending + exc.start
                with path.open("rb") as again:
                    line += again.read(bad).count(b"\n")
                return bad, line
            offset += len(chunk)
    return offset, line


@contextmanager
def open_csv(path: Path, fmt: CsvFormat) -> Iterator[TableFile]:
    """Open a CSV export for streaming.

    Args:
        path: the file.
        fmt: the mapping's CSV settings (encoding, delimiter, quote character).

    Yields:
        The header and a lazy row iterator; the file is closed on exit.

    Raises:
        ImportFileError: empty file, binary content, wrong encoding, a header with too
            many columns, duplicate or blank column names, a cell over the size limit.
    """
    encoding = fmt.encoding
    raw: BinaryIO = path.open("rb")
    try:
        head = raw.read(_SNIFF_BYTES)
        _sniff_binary(path, head, f"CSV ({encoding})")
        if codecs.lookup(encoding).name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        try:
            first = text.readline(MAX_HEADER_CHARS)
            if len(first) >= MAX_HEADER_CHARS and not first.endswith(("\n", "\r")):
                columns = first.count(fmt.delimiter) + 1
                if columns > MAX_COLUMNS:
                    raise ImportFileError(
                        path,
                        f"the header has more than {MAX_COLUMNS} columns "
                        f"({columns} in its first {MAX_HEADER_CHARS} characters alone; "
                        "a malformed or hostile file)",
                        line=1,
                    )
                raise ImportFileError(
                    path,
                    f"the header line is longer than {MAX_HEADER_CHARS} characters",
                    line=1,
                )
            if not first.strip():
                raise ImportFileError(path, "the file has no header row (first line empty)", line=1)
            reader = csv.reader(
                itertools.chain([first], text),
                delimiter=fmt.delimiter,
                quotechar=fmt.quotechar,
                strict=False,
            )
            names = next(reader)
            _refuse_nul(path, names, names, 1)
            header = _check_header(path, names, 1)
            yield TableFile(path, header, _csv_rows(path, reader, header, fmt.delimiter))
        except UnicodeDecodeError as exc:
            byte, line = _decode_error_position(path, encoding)
            raise ImportFileError(
                path,
                f"not valid {fmt.encoding} at byte {byte} ({exc.reason}); "
                f"the mapping says {fmt.encoding}: re-export the file as {fmt.encoding} "
                "or set file.encoding in the mapping",
                line=line,
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(path, f"not a readable CSV file: {exc}") from exc
    finally:
        raw.close()


MAX_LINES_PER_ROW = 50
"""A row spanning more physical lines than this is a broken quote, not a long note."""


def _row_shaped(text: str, delimiter: str, width: int) -> bool:
    """Whether a line inside a cell looks like a whole row of the file (its delimiters)."""
    return text.count(delimiter) >= max(width - 1, 1)


def _check_line_breaks(
    path: Path, cells: list[str], header: list[str], row_number: int, delimiter: str, lines: int
) -> None:
    """Refuse a row whose cells swallowed later rows (an unterminated quote).

    The csv reader keeps reading a quoted cell until its closing quote: one stray quote
    turns the rest of the file into one cell, and the next rows vanish. A cell whose text
    holds a line break followed by a line shaped like a row of this file (as many
    delimiters as the header), or a row spanning more than ``MAX_LINES_PER_ROW`` physical
    lines, is refused with the file, the row and the column.
    """
    width = len(header)
    for position, cell in enumerate(cells):
        if "\n" not in cell and "\r" not in cell:
            continue
        column = header[position] if position < width else f"column {position + 1}"
        after = cell.splitlines()[1:]
        shaped = next((line for line in after if _row_shaped(line, delimiter, width)), None)
        if shaped is not None or lines > MAX_LINES_PER_ROW:
            why = (
                f"holds a line break followed by what looks like another row ({shaped[:60]!r})"
                if shaped is not None
                else f"spans {lines} lines"
            )
            raise ImportFileError(
                path,
                f'the cell {why}: an unterminated quote (") swallows the rows after it; '
                "correct the quote and import the file again (nothing was stored)",
                line=row_number,
                field=column,
            )


def _csv_rows(
    path: Path, reader: Any, header: list[str], delimiter: str
) -> Iterator[tuple[int, dict[str, str]]]:
    width = len(header)
    row_number = 1
    last_line = reader.line_num
    for cells in reader:
        row_number += 1
        lines, last_line = reader.line_num - last_line, reader.line_num
        if lines > 1:
            _check_line_breaks(path, cells, header, row_number, delimiter, lines)
        if not cells or not any(cells):
            continue
        if len(cells) > MAX_COLUMNS:
            raise ImportFileError(
                path, f"the row has {len(cells)} cells, more than {MAX_COLUMNS}", line=row_number
            )
        _refuse_nul(path, header, cells, row_number)
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        elif len(cells) > width and any(cells[width:]):
            raise ImportFileError(
                path,
                f"the row has {len(cells)} cells but the header has {width} columns "
                "(a delimiter inside an unquoted value?)",
                line=row_number,
            )
        yield row_number, dict(zip(header, cells, strict=False))


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """The text of a spreadsheet cell: dates as ISO 8601, whole numbers without ``.0``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


@contextmanager
def open_xlsx(path: Path, fmt: XlsxFormat) -> Iterator[TableFile]:
    """Open an XLSX export with python-calamine.

    Args:
        path: the workbook.
        fmt: the mapping's sheet and header row.

    Yields:
        The header and a row iterator; cells are turned into text with :func:`cell_text`.

    Raises:
        ImportFileError: empty, truncated or non-XLSX file, missing sheet, bad header.
    """
    import python_calamine as calamine

    with path.open("rb") as probe:
        head = probe.read(8)
    if not head:
        raise ImportFileError(path, "the file is empty")
    if not head.startswith(_ZIP_MAGIC):
        raise ImportFileError(
            path, "not an XLSX workbook (it does not start like one); the mapping says xlsx"
        )
    # sizes, ratios, declared and actual sheet areas: before the reader allocates anything
    check_workbook(path)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for broken zips
        raise ImportFileError(
            path, f"not a readable XLSX workbook (truncated or damaged?): {_one_line(exc)}"
        ) from exc
    try:
        try:
            if isinstance(fmt.sheet, int):
                sheet = workbook.get_sheet_by_index(fmt.sheet)
            else:
                sheet = workbook.get_sheet_by_name(fmt.sheet)
        except Exception as exc:
            raise ImportFileError(
                path,
                f"sheet {fmt.sheet!r} not found or not readable ({_one_line(exc)}); "
                f"the workbook has sheets {workbook.sheet_names}",
            ) from exc
        if sheet.total_width > MAX_COLUMNS:
            raise ImportFileError(
                path,
                f"the sheet has {sheet.total_width} columns, more than the {MAX_COLUMNS} allowed",
            )
        rows = iter(sheet.iter_rows())
        # calamine starts at the first non-empty row; translate to sheet row numbers
        first_row = sheet.start[0] + 1 if sheet.start else 1
        row_number = first_row - 1
        header_cells: list[object] | None = None
        for cells in rows:
            row_number += 1
            if row_number == fmt.header_row:
                header_cells = list(cells)
                break
        if header_cells is None:
            raise ImportFileError(
                path, f"the sheet has no row {fmt.header_row} (the header row)", line=fmt.header_row
            )
        header = _check_header(
            path, [cell_text(c) for c in header_cells], fmt.header_row, fmt.unnamed_columns
        )
        named = [bool(cell_text(c).strip()) for c in header_cells[: len(header)]]
        yield TableFile(
            path, header, _xlsx_rows(rows, header, row_number, fmt.first_data_row, named)
        )
    finally:
        workbook.close()


def _xlsx_rows(
    rows: Iterator[Sequence[object]],
    header: list[str],
    header_row: int,
    first_data_row: int | None = None,
    named: Sequence[bool] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    width = len(header)
    row_number = header_row
    for cells in rows:
        row_number += 1
        if first_data_row is not None and row_number < first_data_row:
            continue
        texts = [cell_text(c) for c in cells[:width]]
        if not any(t for i, t in enumerate(texts) if named is None or named[i]):
            continue
        if len(texts) < width:
            texts += [""] * (width - len(texts))
        yield row_number, dict(zip(header, texts, strict=True))


def _refuse_nul(path: Path, header: list[str], cells: Sequence[str], row_number: int) -> None:
    """Refuse a row with a NUL character anywhere (only the first bytes are sniffed).

    A NUL is binary content, never text an agency typed; PostgreSQL cannot store it.
    """
    for index, cell in enumerate(cells):
        if "\x00" in cell:
            column = header[index] if index < len(header) else f"column {index + 1}"
            raise ImportFileError(
                path,
                "a NUL character (binary content): re-export the file as text",
                line=row_number,
                field=column,
            )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@contextmanager
def open_table(path: Path, fmt: CsvFormat | XlsxFormat) -> Iterator[TableFile]:
    """Open an export file according to the mapping's file settings.

    Args:
        path: the file.
        fmt: the mapping's ``file:`` section.

    Yields:
        The open :class:`TableFile`.

    Raises:
        ImportFileError: the file does not exist or is malformed.
    """
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    if isinstance(fmt, CsvFormat):
        with open_csv(path, fmt) as table:
            yield _neutralised(table)
    else:
        with open_xlsx(path, fmt) as table:
            yield _neutralised(table)


def _neutralised(table: TableFile) -> TableFile:
    """The table with bidi controls removed from every cell (review finding 19)."""
    return TableFile(table.path, table.header, _without_bidi_controls(table.rows))


def _without_bidi_controls(
    rows: Iterator[tuple[int, dict[str, str]]],
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows with bidi controls removed from every cell (they only ever disguise text)."""
    for row_number, row in rows:
        yield (
            row_number,
            {
                column: without_bidi_controls(text) if BIDI_CONTROLS.search(text) else text
                for column, text in row.items()
            },
        )
