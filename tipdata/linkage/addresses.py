"""Free-text addresses mapped to province codes.

Agencies write addresses as "Phum Trapeang, Khum X, Srok Y, Kompong Cham", "Prov.
Kg. Cham", "ខេត្តកំពង់ចាម" or just "K. Cham". The province is usually the last part,
so parts are read from the end; administrative words (phum, khum, srok, khet,
krong, province, ...) are dropped; what is left is compared with the names and
variants of the province code list, exactly once spaces are ignored, then by
romanisation key (so "Kampong Chaam" and "Kompong Cham" still find 03).

District and commune codes are not resolved yet: the project has no district or
commune code list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tipdata.codelists import load_codelists
from tipdata.codelists.provinces import load_provinces
from tipdata.linkage.names import clean
from tipdata.linkage.romanise import romanisation_key

#: Words that name an administrative level rather than a place (Latin, cleaned).
ADMIN_WORDS = frozenset(
    {
        "phum", "phoum", "village", "vil", "khum", "commune", "com", "sangkat", "srok",
        "district", "dist", "khan", "khet", "khaet", "province", "provincial", "prov",
        "krong", "city", "municipality", "municipal", "capital", "reachtheani", "no",
        "st", "street", "house", "group", "krom",
    }
)  # fmt: skip

#: The same in Khmer script: village, commune, sangkat, district, khan, province,
#: town, capital.
KHMER_ADMIN_WORDS = ("ភូមិ", "ឃុំ", "សង្កាត់", "ស្រុក", "ខណ្ឌ", "ខេត្ត", "ក្រុង", "រាជធានី")

_PART_SPLIT = re.compile(r"[,;\n/|]+")
_NON_WORD = re.compile(r"[^0-9a-z\u1780-\u17ff]+")
_MAX_WORDS = 4


@dataclass(frozen=True)
class ProvinceName:
    """One way of writing a province, as the matcher needs it."""

    code: str
    name: str


def province_names(path: Path | None = None) -> tuple[ProvinceName, ...]:
    """Every name and variant of every province, from the province code list.

    This is the adapter to the code list: names come from ``tipdata.codelists``
    (``provinces.csv``, validated on load), so addresses and the rest of the
    project read one list the same way.

    Args:
        path: another ``provinces.csv`` to read; the shipped list when None.

    Returns:
        (code, name) for the English name, the Khmer name and each variant.

    Raises:
        CodelistError: the file cannot be read or has a bad row.
    """
    provinces = load_codelists().all_provinces if path is None else load_provinces(path)
    return tuple(
        ProvinceName(province.code, name)
        for province in provinces
        for name in (province.name_en, province.name_km, *province.variants)
    )


@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]  # compact cleaned name -> code
    by_key: dict[str, str]  # compact romanisation key -> code
    khmer: tuple[tuple[str, str], ...]  # (Khmer name, code), longest first


@lru_cache(maxsize=4)
def _index(path: Path | None = None) -> _Index:
    exact: dict[str, str] = {}
    by_key: dict[str, str] = {}
    khmer: list[tuple[str, str]] = []
    for entry in province_names(path):
        words = _words(entry.name)
        if not words:
            continue
        exact.setdefault("".join(words), entry.code)
        key = romanisation_key(" ".join(words), compact=True)
        if len(key) >= 3:
            by_key.setdefault(key, entry.code)
        if any("\u1780" <= char <= "\u17ff" for char in entry.name):
            khmer.append((_strip_khmer_admin(entry.name.replace(" ", "")), entry.code))
    khmer.sort(key=lambda pair: -len(pair[0]))
    return _Index(exact, by_key, tuple(khmer))


def _words(text: str) -> list[str]:
    """Cleaned words of an address part, administrative words removed."""
    return [word for word in _NON_WORD.split(clean(text)) if word and word not in ADMIN_WORDS]


def _strip_khmer_admin(text: str) -> str:
    for word in KHMER_ADMIN_WORDS:
        text = text.replace(word, " ")
    return text.strip()


def province_code(address: str | None, *, path: Path | None = None) -> str | None:
    """The province code an address refers to, or None when none is recognised.

    Args:
        address: free text: a full address, a province name, an abbreviation.
        path: the province code list (for tests).

    Returns:
        The two-digit NCDD code, e.g. ``"03"`` for Kampong Cham.

    Examples:
        >>> province_code("Phum Trapeang, Khum X, Srok Y, Kompong Cham")
        '03'
        >>> province_code("ខេត្តសៀមរាប")
        '17'
    """
    if not address or not address.strip():
        return None
    index = _index(path)
    for part in reversed(_PART_SPLIT.split(address)):
        code = _match_part(part, index)
        if code is not None:
            return code
    return None


def _match_part(part: str, index: _Index) -> str | None:
    """Longest run of words in the part that names a province, rightmost first."""
    khmer_text = _strip_khmer_admin(clean(part).replace(" ", ""))
    for khmer_name, khmer_code in index.khmer:
        if khmer_name and khmer_name in khmer_text:
            return khmer_code
    words = _words(part)
    for size in range(min(_MAX_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size, -1, -1):
            run = words[start : start + size]
            code = index.exact.get("".join(run))
            if code is None:
                key = romanisation_key(" ".join(run), compact=True)
                code = index.by_key.get(key) if len(key) >= 3 else None
            if code is not None:
                return code
    return None


def province_codes(addresses: Iterable[str | None]) -> list[str | None]:
    """``province_code`` for many addresses (the index is built once)."""
    return [province_code(address) for address in addresses]
