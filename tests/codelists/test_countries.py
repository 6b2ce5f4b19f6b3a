"""Countries: ISO codes, names, variants and nationality adjectives."""

from __future__ import annotations

import pytest

from tipdata.codelists import Codelists, resolve_country


@pytest.mark.parametrize(
    ("written", "iso3"),
    [
        ("Thailand", "THA"),
        ("Thai", "THA"),
        ("TH", "THA"),
        ("tha", "THA"),
        ("ថៃ", "THA"),
        ("Vietnam", "VNM"),
        ("Viet Nam", "VNM"),
        ("VN", "VNM"),
        ("Vietnamese", "VNM"),
        ("វៀតណាម", "VNM"),
        ("Malaysia", "MYS"),
        ("Malaysian", "MYS"),
        ("China", "CHN"),
        ("Chinese", "CHN"),
        ("Taiwan", "TWN"),
        ("Korea", "KOR"),
        ("South Korea", "KOR"),
        ("Khmer", "KHM"),
        ("Cambodian", "KHM"),
        ("KH", "KHM"),
        ("កម្ពុជា", "KHM"),
        ("ខ្មែរ", "KHM"),
        ("Burma", "MMR"),
        ("Lao PDR", "LAO"),
        ("Saudi Arabia", "SAU"),
        ("France", "FRA"),
    ],
)
def test_resolve_country(written: str, iso3: str) -> None:
    country = resolve_country(written)
    assert country is not None, written
    assert country.iso3 == iso3


@pytest.mark.parametrize("written", ["N/A", "unknown", "", "-", None, "Atlantis"])
def test_unknown_values_resolve_to_none(written: str | None) -> None:
    assert resolve_country(written) is None


def test_every_iso_country_is_listed_with_alpha3_keys(codelists: Codelists) -> None:
    assert "KHM" in codelists.countries
    assert codelists.countries["KHM"].nationality == "Cambodian"
    assert codelists.countries["VNM"].name_km == "វៀតណាម"
    assert all(len(code) == 3 for code in codelists.countries.by_iso3)
