"""A partner's own export of its victims, in the partner's layout (synthetic, known truth).

Thailand's MSDHS and Viet Nam's MOLISA keep their own lists of the victims they hand
over at the border; tipdata reads them with the built-in mappings ``th_msdhs_export`` and
``vn_molisa_handover``. This module writes such files from a partner side drawn by
:func:`tipdata.demo.crossborder.region`: Thai headers, Buddhist-Era dates (every fifth in
Thai digits), titles and ages; Vietnamese headers, ``dd/mm/yyyy`` or ``dd-mm-yyyy``, a
year alone where only it is known; provinces in the partner's script. A ground-truth file
beside them names each row's true person (for scoring only; a real partner sends none).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from tipdata.demo.crossborder import SideRecord, region

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
THAI_PROVINCES = ["บันทายมีชัย", "พระตะบอง", "เสียมราฐ", "ไพรแวง", "กำปงจาม", "ตาแก้ว"]
VIETNAMESE_PROVINCES = ["Svây Riêng", "Prây Veng", "Ta-keo", "Kan-đan", "Phnôm Pênh"]
THAI_HEADER = [
    "ลำดับ", "ชื่อ", "นามสกุล", "เพศ", "วันเกิด", "อายุ", "ภูมิลำเนา", "วันที่พบตัว",
    "สถานที่พบตัว", "วันที่ส่งมอบ", "จุดส่งมอบ", "หน่วยงานที่รับตัว", "หมายเหตุ",
]  # fmt: skip
VIETNAMESE_HEADER = [
    "STT", "Họ và tên", "Giới tính", "Ngày sinh", "Quốc tịch", "Quê quán", "Hình thức",
    "Ngày bàn giao", "Cửa khẩu", "Ghi chú",
]  # fmt: skip


def victims_of(records: list[SideRecord]) -> list[SideRecord]:
    return [record for record in records if record.role == "victim"]


def handed_over_day(record: SideRecord, number: int) -> date:
    """The hand-over day of a partner record: some weeks after it was found, in 2008."""
    found = record.event_date or date(2008, 3, 1)
    return min(found + timedelta(days=10 + number % 40), date(2008, 12, 20))


def _buddhist(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"


def thai_rows(records: list[SideRecord]) -> list[list[str]]:
    """The Thai ministry's rows: BE dates (every fifth in Thai digits), titles, ages."""
    rows = []
    for number, record in enumerate(records, start=1):
        handed = handed_over_day(record, number)
        handed_text = _buddhist(handed)
        if number % 5 == 0:
            handed_text = handed_text.translate(THAI_DIGITS)
        title = ("นางสาว " if record.sex == "female" else "นาย ") if number % 3 == 0 else ""
        known_year = record.birth_year if not record.birth_date else None
        age = "" if known_year is None else f"{handed.year - known_year} ปี"
        rows.append(
            [
                str(number),
                title + record.given_name,
                record.family_name,
                "หญิง" if record.sex == "female" else "ชาย",
                _buddhist(record.birth_date) if record.birth_date else "-",
                age,
                THAI_PROVINCES[number % len(THAI_PROVINCES)],
                _buddhist(record.event_date) if record.event_date else "",
                "จ.สงขลา",
                handed_text,
                "ด่านอรัญประเทศ-ปอยเปต",
                "กระทรวงกิจการสังคมฯ กัมพูชา",
                "-",
            ]
        )
    return rows


def vietnamese_rows(records: list[SideRecord]) -> list[list[str]]:
    """Viet Nam's rows: dd/mm/yyyy (every fourth dd-mm-yyyy), a year alone when only it is known."""
    rows = []
    for number, record in enumerate(records, start=1):
        handed = handed_over_day(record, number)
        separator = "-" if number % 4 == 0 else "/"
        title = ("Bà " if record.sex == "female" else "Ông ") if number % 3 == 0 else ""
        if record.birth_date:
            born = record.birth_date.strftime(f"%d{separator}%m{separator}%Y")
        else:
            born = str(record.birth_year) if record.birth_year else "không rõ"
        rows.append(
            [
                str(number),
                f"{title}{record.family_name} {record.given_name}",
                "Nữ" if record.sex == "female" else "Nam",
                born,
                "Campuchia",
                VIETNAMESE_PROVINCES[number % len(VIETNAMESE_PROVINCES)],
                "Bàn giao",
                handed.strftime(f"%d{separator}%m{separator}%Y"),
                "Mộc Bài - Bavet",
                "",
            ]
        )
    return rows


@dataclass(frozen=True)
class Layout:
    """One partner's layout: its country, agency, file name, header and rows."""

    country: str
    agency: str
    agency_code: str
    source: str
    file_name: str
    header: list[str]
    rows: Callable[[list[SideRecord]], list[list[str]]]


LAYOUTS = {
    "THA": Layout(
        "THA", "MSDHS", "THA-MSDHS", "th_msdhs_export", "th_msdhs_export_2008.csv",
        THAI_HEADER, thai_rows,
    ),
    "VNM": Layout(
        "VNM", "MOLISA", "VNM-MOLISA", "vn_molisa_handover", "vn_molisa_handover_2008.csv",
        VIETNAMESE_HEADER, vietnamese_rows,
    ),
}  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_partner_files(
    out: Path, *, people: int = 150, seed: int = 1, partners: tuple[str, ...] = ("THA", "VNM")
) -> dict[str, int]:
    """Write each partner's victims in its own layout, and their truth, under ``out``.

    Args:
        out: the folder (made if missing).
        people: persons on the Cambodian side of :func:`~tipdata.demo.crossborder.region`.
        seed: same seed, same files.
        partners: ``THA`` and/or ``VNM``.

    Returns:
        Rows written per file name.
    """
    out.mkdir(parents=True, exist_ok=True)
    sides = region(people, partners=partners, seed=seed)
    written: dict[str, int] = {}
    truth_rows: list[list[str]] = []
    for country in partners:
        layout = LAYOUTS[country]
        victims = victims_of(sides.partners[country])
        write_csv(out / layout.file_name, layout.header, layout.rows(victims))
        written[layout.file_name] = len(victims)
        truth_rows += [
            [layout.file_name, str(row), str(record.truth)]
            for row, record in enumerate(victims, start=2)
        ]
    truth = out / "ground_truth"
    truth.mkdir(exist_ok=True)
    write_csv(truth / "partner_rows.csv", ["file", "row", "true_person"], truth_rows)
    return written
