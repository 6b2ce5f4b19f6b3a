"""Agencies: the codes other packages rely on, parents and generated provincial units."""

from __future__ import annotations

import pytest

from tipdata.codelists import Codelists, resolve_agency

REQUIRED = {
    "NTF": "working_group",
    "MOI": "government",
    "MOSAVY": "government",
    "MOJ": "government",
    "PPMC": "court",
    "MOWA": "government",
    "MOLVT": "government",
    "IOM": "international",
    "UNICEF": "international",
    "CWCC": "ngo",
    "AFESIP": "ngo",
    "WHI": "ngo",
    "HCC": "ngo",
    "IJM": "ngo",
    "APLE": "ngo",
    "SKK": "government",
}


def test_required_codes_exist_with_their_kind(codelists: Codelists) -> None:
    kinds = {code: codelists.agencies[code].kind for code in REQUIRED}
    assert kinds == REQUIRED


def test_parents(codelists: Codelists) -> None:
    agencies = codelists.agencies
    assert agencies["SKK"].parent == "MOSAVY"
    assert agencies["MOI-AHTJP"].parent == "MOI"
    assert agencies["PPMC"].province == "12"
    for agency in agencies.by_code.values():
        assert agency.parent is None or agency.parent in agencies


def test_every_agency_cites_a_source(codelists: Codelists) -> None:
    assert all(a.source for a in codelists.agencies.by_code.values())


def test_provincial_units_are_generated_for_every_province(codelists: Codelists) -> None:
    agencies = codelists.agencies
    for province in codelists.all_provinces:
        code = province.code
        assert agencies[f"DOSAVY-{code}"].parent == "MOSAVY"
        assert agencies[f"DOSAVY-{code}"].province == code
        assert agencies[f"PWG-{code}"].kind == "working_group"
        assert agencies[f"POLICE-{code}"].parent == "MOI"
        court = agencies.provincial_unit("COURT", code)
        assert court is not None and court.kind == "court"
    assert "COURT-12" not in agencies
    assert agencies.provincial_unit("COURT", "12") == agencies["PPMC"]
    assert agencies["DOSAVY-02"].name.endswith("Battambang")
    assert agencies["POLICE-25"].created == codelists.province("25").created


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Cambodian Women's Crisis Center", "CWCC"),
        ("cwcc", "CWCC"),
        ("World Hope International", "WHI"),
        ("Healthcare Center for Children", "HCC"),
        ("Seva Kahpia Komar", "SKK"),
        ("Phnom Penh Municipal Court", "PPMC"),
        ("Anti-Human Trafficking and Juvenile Protection Department", "MOI-AHTJP"),
        ("International Organization for Migration", "IOM"),
        ("dosavy-03", "DOSAVY-03"),
    ],
)
def test_resolve_agency(written: str, code: str) -> None:
    agency = resolve_agency(written)
    assert agency is not None and agency.code == code
