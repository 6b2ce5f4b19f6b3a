"""Writing demo files deterministically: CSV and XLSX writers and the ground-truth sink.

Every file the generator writes is byte-identical for the same seed: no wall-clock
time goes into any file (XLSX document properties and ZIP entry times are fixed to
the first day of the reporting year).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook

from tipdata.demo.world import TruePerson

GROUND_TRUTH_DIR = "ground_truth"

PERSON_COLUMNS = (
    "true_person_id",
    "family_name",
    "given_name",
    "name_khmer",
    "sex",
    "birth_date",
    "ethnicity",
    "nationality",
    "home_province_code",
    "is_victim",
    "is_suspect",
    "group",
    "exploitation_type",
    "destination",
    "true_case_id",
)
RECORD_COLUMNS = (
    "file",
    "row",
    "source_record_id",
    "agency",
    "true_person_id",
    "true_case_id",
    "true_victim_person_id",
)
ANOMALY_COLUMNS = ("kind", "file", "row", "source_record_id", "true_person_id", "detail")


def person_row(person: TruePerson) -> list[str]:
    """A person's true attributes as a ``persons.csv`` row."""
    return [
        person.person_id,
        person.name.family.latin,
        person.name.given.latin,
        person.name.khmer or "",
        person.sex,
        person.birth_date.isoformat(),
        person.name.ethnicity,
        person.nationality,
        person.home.code,
        "1" if person.is_victim else "0",
        "1" if person.is_suspect else "0",
        person.group,
        person.exploitation or "",
        person.destination,
        person.case_id,
    ]


class GroundTruth:
    """The open ground-truth files: persons, records and anomalies, written as rows come."""

    def __init__(self, out: Path) -> None:
        self.dir = out / GROUND_TRUTH_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self._handles: list[IO[str]] = []
        self.persons = self._open("persons.csv", PERSON_COLUMNS)
        self.records = self._open("records.csv", RECORD_COLUMNS)
        self.anomalies = self._open("anomalies.csv", ANOMALY_COLUMNS)
        self.person_count = 0
        self.record_count = 0
        self.anomaly_count = 0

    def _open(self, name: str, header: Sequence[str]) -> Any:
        handle = (self.dir / name).open("w", encoding="utf-8", newline="")
        self._handles.append(handle)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        return writer

    def person(self, person: TruePerson) -> None:
        """Write one true person."""
        self.persons.writerow(person_row(person))
        self.person_count += 1

    def record(
        self,
        file: str,
        row: int,
        source_record_id: str,
        agency: str,
        person_id: str = "",
        case_id: str = "",
        victim_id: str = "",
    ) -> None:
        """Write which true person (and case) one data row of an agency file describes."""
        self.records.writerow([file, row, source_record_id, agency, person_id, case_id, victim_id])
        self.record_count += 1

    def anomaly(
        self, kind: str, file: str, row: int, record_id: str, person_id: str, detail: str
    ) -> None:
        """Write one planted anomaly and where it is."""
        self.anomalies.writerow([kind, file, row, record_id, person_id, detail])
        self.anomaly_count += 1

    def close(self) -> None:
        """Close every ground-truth file."""
        for handle in self._handles:
            handle.close()


class CsvFile:
    """An agency CSV file being written, with its own delimiter and encoding habits."""

    def __init__(
        self,
        path: Path,
        header: Sequence[str],
        *,
        delimiter: str = ",",
        encoding: str = "utf-8",
        lineterminator: str = "\n",
    ) -> None:
        self.path = path
        self.name = path.name
        self._handle = path.open("w", encoding=encoding, newline="")
        self._writer = csv.writer(self._handle, delimiter=delimiter, lineterminator=lineterminator)
        self._writer.writerow(header)
        self.rows = 0

    def write(self, row: Sequence[object]) -> int:
        """Write one data row; return its 1-based data-row number."""
        self._writer.writerow(row)
        self.rows += 1
        return self.rows

    def close(self) -> None:
        """Close the file."""
        self._handle.close()


def write_xlsx(
    path: Path,
    sheet_title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    fixed_time: datetime,
) -> int:
    """Write one sheet in openpyxl write-only mode, then make the bytes reproducible.

    Args:
        path: the file to write.
        sheet_title: the worksheet's name.
        header: the header row.
        rows: the data rows (values may be str, int, date or None).
        fixed_time: the time written into document properties and ZIP entries.

    Returns:
        The number of data rows written.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append(list(row))
        count += 1
    workbook.properties.created = fixed_time
    workbook.properties.creator = "tipdata demo"
    workbook.save(path)
    _normalise_zip(path, fixed_time)
    return count


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def _normalise_zip(path: Path, fixed_time: datetime) -> None:
    """Rewrite an XLSX with fixed entry times and a fixed 'modified' property."""
    stamp = fixed_time.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (fixed_time.year, fixed_time.month, fixed_time.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(
                    lambda m: (
                        b"<dcterms:modified" + m.group(1) + b">" + stamp + b"</dcterms:modified>"
                    ),
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    path.write_bytes(buffer.getvalue())


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dmy(value: date | None, sep: str = "/") -> str:
    """A date as day/month/year text, or empty."""
    return "" if value is None else f"{value.day:02d}{sep}{value.month:02d}{sep}{value.year}"
