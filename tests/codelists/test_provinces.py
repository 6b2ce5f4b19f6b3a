"""Provinces: the 2008 and current lists, and resolution of written names."""

from __future__ import annotations

from datetime import date

import pytest

from tipdata.codelists import Codelists, resolve_province


def test_2008_has_24_units_and_today_25(codelists: Codelists) -> None:
    assert [p.code for p in codelists.provinces_2008] == [f"{i:02d}" for i in range(1, 25)]
    assert [p.code for p in codelists.provinces] == [f"{i:02d}" for i in range(1, 26)]
    assert codelists.province("25").created == date(2013, 12, 31)
    assert [p.code for p in codelists.provinces if p.kind == "capital"] == ["12"]


def test_tboung_khmum_appears_from_its_creation(codelists: Codelists) -> None:
    assert len(codelists.provinces_on(date(2013, 12, 30))) == 24
    assert len(codelists.provinces_on(date(2013, 12, 31))) == 25


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Phnom Penh", "12"),
        ("PHNOM  PENH", "12"),
        ("phnom-penh", "12"),
        ("ភ្នំពេញ", "12"),
        ("រាជធានីភ្នំពេញ", "12"),
        ("Phnom Penh Municipality", "12"),
        ("PP", "12"),
        ("12", "12"),
        ("Kompong Cham", "03"),
        ("Kg. Cham", "03"),
        ("kampong cham province", "03"),
        ("Battambang", "02"),
        ("Battam Bang", "02"),
        ("Bat Dambang", "02"),
        ("Kratié", "10"),
        ("KRATIE", "10"),
        ("Sihanoukville", "18"),
        ("Kampong Som", "18"),
        ("Preah Sihanouk", "18"),
        ("Mondulkiri", "11"),
        ("Ratanakiri", "16"),
        ("Otdar Meanchey", "22"),
        ("Svay Rieng", "20"),
        ("Krong Kep", "23"),
        ("Kep City", "23"),
        ("Pailin", "24"),
        ("ខេត្តកំពត", "07"),
        ("Kampot Province", "07"),
        ("1", "01"),
        ("01", "01"),
        ("Tbong Khmum", "25"),
    ],
)
def test_resolve_province(written: str, code: str) -> None:
    province = resolve_province(written)
    assert province is not None, written
    assert province.code == code


@pytest.mark.parametrize("written", ["", "  ", "Bangkok", "99", "Kampong", None])
def test_unknown_names_resolve_to_none(written: str | None) -> None:
    assert resolve_province(written) is None


def test_no_variant_repeats_its_province_name(codelists: Codelists) -> None:
    from tipdata.codelists import name_key

    for province in codelists.all_provinces:
        keys = [name_key(n) for n in (province.name_en, province.name_km, *province.variants)]
        assert len(keys) == len(set(keys)), province.code
