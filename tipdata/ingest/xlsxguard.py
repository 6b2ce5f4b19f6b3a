"""Hostile workbooks refused before they are parsed: zip bombs and huge sparse sheets.

An XLSX is a ZIP of XML parts, and a spreadsheet reader lays a sheet out as a dense
grid from its first to its last cell. So a 1.6 KB file whose only cells are ``A1`` and
``XFD1048576`` asks for 16,384 × 1,048,576 cells (hundreds of GiB), and a few MB of
deflated XML can unpack to GBs. :func:`check_workbook` looks first, within a fixed
memory budget: the members' declared (uncompressed) sizes and compression ratios, each
sheet's declared ``<dimension>``, and then each sheet's cell positions, read as a
stream of tags (a 1 MiB buffer, nothing kept) so that a sheet which lies about its
dimension is measured too. A workbook over a limit is refused with one line naming the
file; nothing is read into memory.

The limits are :class:`XlsxLimits`; :func:`xlsx_limits` reads them from the settings
``TIPDATA_XLSX_MAX_UNCOMPRESSED_MB`` and ``TIPDATA_XLSX_MAX_CELLS``.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tipdata.errors import DataFileError

MAX_MEMBERS = 10_000
"""More parts than this in one workbook is a malformed (or hostile) file."""

RATIO_CHECKED_ABOVE = 1 << 20
"""Members smaller than this (uncompressed) are not checked for their compression ratio."""

_CHUNK = 1 << 20
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_R_ATTR = re.compile(rb'\br="([A-Z]{0,3})([0-9]{0,8})"')
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*\bref="([^"]*)"')
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,8})$")


@dataclass(frozen=True)
class XlsxLimits:
    """How large a workbook may be, unpacked and laid out.

    Attributes:
        max_uncompressed_bytes: the sum of the parts' uncompressed sizes.
        max_ratio: the largest uncompressed/compressed ratio of a part over 1 MiB.
        max_cells: rows × columns of a sheet's area (what a reader allocates).
        max_columns: the widest sheet.
    """

    max_uncompressed_bytes: int = 512 << 20
    max_ratio: int = 200
    max_cells: int = 20_000_000
    max_columns: int = 500


def xlsx_limits() -> XlsxLimits:
    """The limits in force, from the settings (``TIPDATA_XLSX_*``)."""
    from tipdata.settings import load_settings

    settings = load_settings()
    return XlsxLimits(
        max_uncompressed_bytes=settings.xlsx_max_uncompressed_mb << 20,
        max_cells=settings.xlsx_max_cells,
    )


def column_number(letters: str) -> int:
    """The 1-based column of spreadsheet column letters.

    Examples:
        >>> column_number("A"), column_number("Z"), column_number("AA"), column_number("XFD")
        (1, 26, 27, 16384)
    """
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number


def _refuse(path: Path, message: str) -> DataFileError:
    from tipdata.ingest.readers import ImportFileError

    return ImportFileError(path, f"{message} (a malformed or hostile workbook); nothing was read")


def check_workbook(path: Path, limits: XlsxLimits | None = None) -> None:
    """Refuse a workbook that would unpack or lay out beyond the limits.

    Args:
        path: the ``.xlsx`` file.
        limits: the limits (default: :func:`xlsx_limits`).

    Raises:
        ImportFileError: not a ZIP, too many parts, a part or the whole too large
            unpacked or too compressed, or a sheet wider or larger than allowed.
    """
    from tipdata.ingest.readers import ImportFileError

    limits = limits or xlsx_limits()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(path, f"not a readable XLSX workbook: {exc}") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse(path, f"the workbook has {len(members)} parts, more than {MAX_MEMBERS}")
        total = sum(member.file_size for member in members)
        if total > limits.max_uncompressed_bytes:
            raise _refuse(
                path,
                f"the workbook would unpack to {total / (1 << 20):.0f} MB, more than the "
                f"{limits.max_uncompressed_bytes / (1 << 20):.0f} MB allowed "
                "(TIPDATA_XLSX_MAX_UNCOMPRESSED_MB)",
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_CHECKED_ABOVE and ratio > limits.max_ratio:
                raise _refuse(
                    path,
                    f"part {member.filename} would unpack {ratio:.0f} times its packed size, "
                    f"more than {limits.max_ratio} (a zip bomb?)",
                )
        for member in members:
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_sheet(path, archive, member, limits)


def _check_sheet(
    path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: XlsxLimits
) -> None:
    """Stream one sheet's XML: its declared dimension, then every row and cell position."""
    name = member.filename
    max_row = max_col = 0
    row = col = 0
    declared_checked = False
    tail = b""
    with archive.open(member) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk and not tail:
                break
            data = tail + chunk
            if chunk:
                # keep an unfinished tag for the next round (a tag never spans 64 KiB)
                cut = data.rfind(b"<")
                if cut < 0 or len(data) - cut > 65536:
                    cut = len(data)
                data, tail = data[:cut], data[cut:]
            else:
                tail = b""
            if not declared_checked and b"<sheetData" in data:
                declared_checked = True
                found = _DIMENSION.search(data)
                if found:
                    _check_declared(path, name, found.group(1).decode("ascii", "replace"), limits)
            for match in _TAG.finditer(data):
                attributes = match.group(2)
                ref = _R_ATTR.search(attributes)
                if match.group(1) == b"row":
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    col = 0
                else:
                    col = column_number(ref.group(1).decode()) if ref and ref.group(1) else col + 1
                    if ref and ref.group(2):
                        row = max(row, int(ref.group(2)))
                max_row = max(max_row, row)
                if col > max_col:
                    max_col = col
                    if max_col > limits.max_columns:
                        raise _refuse(
                            path,
                            f"sheet {name} has a cell in column {max_col}, more than the "
                            f"{limits.max_columns} columns allowed",
                        )
                if max_row * max_col > limits.max_cells:
                    raise _refuse(
                        path,
                        f"sheet {name} spans {max_row} rows × {max_col} columns, more than "
                        f"the {limits.max_cells} cells allowed (TIPDATA_XLSX_MAX_CELLS)",
                    )
            if not chunk:
                break


def _check_declared(path: Path, name: str, ref: str, limits: XlsxLimits) -> None:
    """The sheet's own ``<dimension ref="A1:XFD1048576">``, before any cell is read."""
    last = ref.split(":")[-1].strip().upper()
    found = _CELL_REF.match(last)
    if not found:
        return
    columns, rows = column_number(found.group(1)), int(found.group(2))
    if columns > limits.max_columns or rows * columns > limits.max_cells:
        raise _refuse(
            path,
            f"sheet {name} declares the area {ref} ({rows} rows × {columns} columns), more "
            f"than the {limits.max_columns} columns or {limits.max_cells} cells allowed",
        )


__all__ = ["XlsxLimits", "check_workbook", "column_number", "xlsx_limits"]
