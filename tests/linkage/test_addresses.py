"""Tests for tipdata.linkage.addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.errors import CodelistError
from tipdata.linkage.addresses import province_code, province_names


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("Phum Trapeang, Khum X, Srok Y, Kompong Cham", "03"),
        ("Prov. Kg. Cham", "03"),
        ("Kampong Chaam", "03"),  # by romanisation key
        ("Khet Siem Reap", "17"),
        ("Siemreap.", "17"),
        ("Krong Preah Sihanouk", "18"),
        ("Sihanoukville", "18"),
        ("ខេត្តកំពង់ចាម", "03"),
        ("ភូមិត្រពាំង ឃុំក ស្រុកខ ខេត្តកំពង់ចាម", "03"),
        ("Battam bang", "02"),
        ("PHNOM PENH", "12"),
        ("P.Penh", "12"),
        ("Tbong Khmum prov.", "25"),
        ("Kandal Stung district, Kandal", "08"),
        ("Village 3; Takeo", "21"),
        ("Banteay Mean Chey", "01"),
    ],
)
def test_province_code(address: str, code: str) -> None:
    assert province_code(address) == code


@pytest.mark.parametrize("address", ["", "   ", None, "Bangkok, Thailand", "unknown"])
def test_no_province(address: str | None) -> None:
    assert province_code(address) is None


def test_adapter_reads_every_province() -> None:
    codes = {entry.code for entry in province_names()}
    assert codes == {f"{n:02d}" for n in range(1, 26)}


def test_adapter_names_the_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "provinces.csv"
    bad.write_text("code,name_en,name_km,variants\n01,,x,\n", encoding="utf-8")
    with pytest.raises(CodelistError) as error:
        province_names(bad)
    assert "provinces.csv, line 2" in str(error.value)
