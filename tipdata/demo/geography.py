"""Provinces of 2008 as the generator uses them: codes, names, variants and weights.

Names come from the province code list (``tipdata.codelists``); provinces created
after the reporting year (Tboung Khmum, 2013) are left out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from tipdata.codelists import load_codelists

# Relative weight of each province as a home province of trafficked persons: the
# north-west border provinces and the populous south-east send most (seed lines 313-326).
_SOURCE_WEIGHTS: dict[str, float] = {
    "01": 9.0,
    "02": 7.0,
    "03": 6.0,
    "04": 3.0,
    "05": 3.0,
    "06": 3.0,
    "07": 2.0,
    "08": 4.0,
    "09": 2.0,
    "10": 1.0,
    "11": 0.3,
    "12": 5.0,
    "13": 0.7,
    "14": 6.0,
    "15": 2.0,
    "16": 0.4,
    "17": 4.0,
    "18": 2.0,
    "19": 0.5,
    "20": 4.0,
    "21": 3.0,
    "22": 2.0,
    "23": 0.3,
    "24": 0.8,
}


@dataclass(frozen=True, slots=True)
class Province:
    """A province of the reporting year, as the code list describes it."""

    code: str
    name_en: str
    name_km: str
    variants: tuple[str, ...]


@cache
def provinces(year: int = 2008) -> tuple[Province, ...]:
    """All provinces (and the capital) that existed in ``year``, in code order.

    Args:
        year: the reporting year; provinces created later are left out.

    Returns:
        The provinces, ordered by code.
    """
    result = [
        Province(
            code=province.code,
            name_en=province.name_en,
            name_km=province.name_km,
            variants=province.variants,
        )
        for province in load_codelists().all_provinces
        if province.created is None or province.created.year <= year
    ]
    return tuple(sorted(result, key=lambda p: p.code))


def province_by_code(code: str, year: int = 2008) -> Province:
    """The province with this NCDD code."""
    for province in provinces(year):
        if province.code == code:
            return province
    raise KeyError(code)


def draw_home_province(rng: random.Random, year: int = 2008) -> Province:
    """Draw a home province, weighted towards the main source provinces."""
    all_provinces = provinces(year)
    weights = [_SOURCE_WEIGHTS.get(p.code, 1.0) for p in all_provinces]
    return rng.choices(all_provinces, weights=weights, k=1)[0]


def write_province(
    province: Province, rng: random.Random, *, variant_rate: float, khmer_rate: float = 0.0
) -> str:
    """Write a province name with an agency's habits: official, a variant or Khmer script.

    Args:
        province: the true province.
        rng: the random stream.
        variant_rate: share written with a listed variant (or a typo of the name).
        khmer_rate: share written in Khmer script.

    Returns:
        The province as written.
    """
    draw = rng.random()
    if draw < khmer_rate:
        return province.name_km
    if draw < khmer_rate + variant_rate and province.variants:
        return rng.choice(province.variants)
    return province.name_en
